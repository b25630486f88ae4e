"""Waking the follower of a call when a webhook says the call ended.

A follower polls its call at the campaign's pace. :class:`Wakeups` lets another thread
(a webhook receiver's handler, say) cut the wait short: :meth:`Wakeups.wake` finds the
follower of ``(provider, call_id)`` and sets its event on the campaign's event loop.
The follower then reads the call once and records what the vendor says, not what the
webhook said; a wake for a call no follower watches costs one dictionary look-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import anyio.lowlevel

__all__ = ["Wakeups", "Watch"]


class Watch:
    """One follower's wake-up: made, awaited and reset on the campaign's event loop;
    :meth:`wake` may be called from any thread."""

    def __init__(self) -> None:
        self._soon = _scheduler(anyio.lowlevel.current_token().native_token)
        self._loop_thread = threading.get_ident()
        self._event = anyio.Event()

    def _set(self) -> None:
        self._event.set()

    def wake(self) -> bool:
        """Set the event on the campaign's loop; never waits for that loop. False when
        the loop is gone (the run has finished: nobody is left to wake)."""
        if threading.get_ident() == self._loop_thread:
            self._set()
            return True
        try:
            self._soon(self._set)
        except RuntimeError:  # asyncio: loop closed; trio: RunFinishedError
            return False
        return True

    async def wait(self, seconds: float) -> bool:
        """Wait until woken or ``seconds`` have passed; True when woken. A wake that
        came since the last wait (during a poll, say) returns at once."""
        with anyio.move_on_after(seconds):
            await self._event.wait()
        woken = self._event.is_set()
        if woken:
            self._event = anyio.Event()
        return woken


def _scheduler(native: object) -> Callable[[Callable[[], None]], object]:
    """The loop's own thread-safe "run this soon" (asyncio's ``call_soon_threadsafe``,
    trio's ``TrioToken.run_sync_soon``): it queues the call and returns at once, so a
    webhook handler calling :meth:`Watch.wake` never waits for the campaign's loop."""
    if isinstance(native, asyncio.AbstractEventLoop):
        return native.call_soon_threadsafe
    trio_token: Any = native  # trio.lowlevel.TrioToken (trio is not a dependency)
    run_sync_soon: Callable[[Callable[[], None]], object] = trio_token.run_sync_soon
    return run_sync_soon


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
        return watch.wake()
