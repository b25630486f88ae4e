"""Waking the follower of a call when a webhook says the call ended.

A follower polls its call at the campaign's pace. :class:`Wakeups` lets another thread
(a webhook receiver's handler, say) cut the wait short: :meth:`Wakeups.wake` finds the
follower of ``(provider, call_id)`` and sets its event on the campaign's event loop.
The follower then reads the call once and records what the vendor says, not what the
webhook said; a wake for a call no follower watches costs one dictionary look-up.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import anyio
import anyio.from_thread
import anyio.lowlevel

__all__ = ["Wakeups", "Watch"]


class Watch:
    """One follower's wake-up: made, awaited and reset on the campaign's event loop;
    :meth:`wake` may be called from any thread."""

    def __init__(self) -> None:
        self._token = anyio.lowlevel.current_token()
        self._loop_thread = threading.get_ident()
        self._event = anyio.Event()

    def _set(self) -> None:
        self._event.set()

    def wake(self) -> None:
        if threading.get_ident() == self._loop_thread:
            self._set()
            return
        # From another thread: run the set on the loop (it returns once the loop ran
        # it, which is at its next turn). A run that has finished has nobody to wake.
        with contextlib.suppress(Exception):
            anyio.from_thread.run_sync(self._set, token=self._token)

    async def wait(self, seconds: float) -> bool:
        """Wait until woken or ``seconds`` have passed; True when woken. A wake that
        came since the last wait (during a poll, say) returns at once."""
        with anyio.move_on_after(seconds):
            await self._event.wait()
        woken = self._event.is_set()
        if woken:
            self._event = anyio.Event()
        return woken


class Wakeups:
    """The followers of one campaign, by ``(provider, call_id)``; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watches: dict[tuple[str, str], Watch] = {}

    @contextlib.contextmanager
    def watch(self, provider: str, call_id: str) -> Iterator[Watch]:
        """Register a follower of this call for the duration of the block."""
        key = (provider, call_id)
        watch = Watch()
        with self._lock:
            self._watches[key] = watch
        try:
            yield watch
        finally:
            with self._lock:
                if self._watches.get(key) is watch:
                    del self._watches[key]

    def wake(self, provider: str, call_id: str) -> bool:
        """Wake the follower of this call; False when this campaign follows no such call."""
        with self._lock:
            watch = self._watches.get((provider, call_id))
        if watch is None:
            return False
        watch.wake()
        return True
