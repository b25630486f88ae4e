"""The phone network an emulator pretends to be: callees who answer and hang up.

With ``answer_after`` a queued call is answered (moves to ``ongoing``) that many seconds
after it was created or re-queued; with ``end_after`` an ongoing call ends by itself (the
callee hangs up) that many seconds after it became ongoing, however it got there. Without
them, calls stay where requests and the control API put them.

Time is read from the emulator's own clock (``Emulator.now``) and the timers are applied
whenever the emulator is looked at (any request, ``get_call``, ``add_call``...). In
process that is all: nothing runs in the background and a test with a fake clock needs
no real waiting; a transition that fell due between two looks is applied at the second
look, so its timestamps are those of the look. An emulator served on a socket also has a
:class:`~callswitch.emulators._ticker.Ticker`, which sleeps until :meth:`PhoneNetwork.next_due`
and looks then, so calls end (and their webhooks go out) on time with nobody asking.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import attrs

from callswitch.errors import InvalidRequestError

__all__ = ["PhoneNetwork", "check_delay"]


def check_delay(name: str, value: object) -> float | None:
    """``value`` as a delay in seconds (None stays None); InvalidRequestError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequestError(f"{name} must be a number of seconds, got {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidRequestError(
            f"{name} must be a finite number of seconds >= 0, got {value!r}; leave it out "
            "(None) for calls that stay where the control API puts them"
        )
    return seconds


@attrs.define
class _Mark:
    status: str  # the neutral status the call last moved to
    since: float  # when (emulator clock)


class PhoneNetwork:
    """Per-call neutral status and since when; what is due at a given time."""

    def __init__(self) -> None:
        self.answer_after: float | None = None
        self.end_after: float | None = None
        self._marks: dict[str, _Mark] = {}
        #: Set whenever the next transition may have come earlier (a call moved, a new
        #: call was seen, the timers changed): what a ticker waits on.
        self.changed = threading.Event()

    @property
    def active(self) -> bool:
        return self.answer_after is not None or self.end_after is not None

    def moved(self, call_id: str, status: str, now: float) -> None:
        """Record that a call moved to neutral ``status`` at ``now``."""
        mark = self._marks.get(call_id)
        if mark is None or mark.status != status:
            self._marks[call_id] = _Mark(status, now)
            if self.active:
                self.changed.set()

    def forget(self, call_id: str) -> None:
        self._marks.pop(call_id, None)

    def clear(self) -> None:
        self._marks.clear()

    def advance(
        self,
        calls: dict[str, dict[str, Any]],
        now: float,
        apply: Callable[[dict[str, Any], str], None],
    ) -> None:
        """Apply every transition due at ``now`` to ``calls`` (under the store's lock).

        A call never seen before (created by a vendor request) counts as queued from now.
        """
        for call_id in [k for k in self._marks if k not in calls]:
            del self._marks[call_id]
        if not self.active:
            for call_id in calls:
                self._marks.setdefault(call_id, _Mark("queued", now))
            return
        for call_id, call in calls.items():
            mark = self._marks.get(call_id)
            if mark is None:
                mark = self._marks[call_id] = _Mark("queued", now)
                self.changed.set()
            if (
                mark.status == "queued"
                and self.answer_after is not None
                and now - mark.since >= self.answer_after
            ):
                apply(call, "ongoing")
                # The answer happened when it fell due; the hang-up counts from there.
                self._marks[call_id] = mark = _Mark("ongoing", mark.since + self.answer_after)
            if (
                mark.status == "ongoing"
                and self.end_after is not None
                and now - mark.since >= self.end_after
            ):
                apply(call, "ended")

    def next_due(self) -> float | None:
        """When (emulator clock) the earliest transition still pending falls due; None
        when no call is waiting for a timer."""
        due: float | None = None
        for mark in self._marks.values():
            if mark.status == "queued" and self.answer_after is not None:
                at = mark.since + self.answer_after
            elif mark.status == "ongoing" and self.end_after is not None:
                at = mark.since + self.end_after
            else:
                continue
            if due is None or at < due:
                due = at
        return due
