"""The decision logic of ``calls.wait``, shared by the sync and async clients.

:class:`Waiter` is pure: it is told each polled :class:`~callswitch.models.Call` and
answers with the call to return or the seconds to wait before the next poll, or raises.
The clients do the polling (``calls.get``, so every poll goes through the retry rules
and honours rate limits) and the waiting (the client's ``sleep``), and read time from
the client's ``clock``, so a test with an injected clock and sleep waits for nothing.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeAlias

from callswitch.errors import InvalidCallStateError, InvalidRequestError, WaitTimeoutError
from callswitch.models import CallStatus

if TYPE_CHECKING:
    from callswitch.models import Call

__all__ = ["FIRST_POLL_INTERVAL", "MAX_POLL_INTERVAL", "WaitFor", "Waiter", "sleep_async"]

#: What ``calls.wait(until=...)`` takes: a status, or a collection of statuses.
WaitFor: TypeAlias = "str | CallStatus | Iterable[str | CallStatus]"

#: Without ``poll_interval``, the first wait between polls, growing by half each time...
FIRST_POLL_INTERVAL = 0.5
#: ...up to this.
MAX_POLL_INTERVAL = 5.0
_GROWTH = 1.5

#: What ``until`` may name: every status a call can be in (``unknown`` is not one).
WAITABLE = tuple(s for s in CallStatus if s is not CallStatus.UNKNOWN)
#: Statuses a call never leaves.
FINAL = frozenset({CallStatus.ENDED, CallStatus.FAILED})


def _statuses(until: object) -> tuple[CallStatus, ...]:
    names = ", ".join(s.value for s in WAITABLE)
    items: list[object]
    if isinstance(until, str | CallStatus):
        items = [until]
    elif isinstance(until, Iterable) and not isinstance(until, bytes | dict):
        items = list(until)
    else:
        raise InvalidRequestError(
            f"until must be a status or a collection of statuses ({names}), got {until!r}"
        )
    if not items:
        raise InvalidRequestError(f"until names no status; give one or more of {names}")
    found: list[CallStatus] = []
    for item in items:
        value = item.value if isinstance(item, CallStatus) else item
        if not isinstance(value, str) or value not in {s.value for s in WAITABLE}:
            raise InvalidRequestError(f"cannot wait until {item!r}: a status is one of {names}")
        status = CallStatus(value)
        if status not in found:
            found.append(status)
    return tuple(found)


def _seconds(name: str, value: object, *, allow_zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequestError(f"{name} must be a number of seconds, got {value!r}")
    seconds = float(value)
    low_ok = seconds >= 0 if allow_zero else seconds > 0
    if not math.isfinite(seconds) or not low_ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise InvalidRequestError(
            f"{name} must be a finite number of seconds {bound}, got {value!r}"
        )
    return seconds


class Waiter:
    """One ``calls.wait``: what was asked, since when, and what to do after each poll.

    Every argument is checked when it is built, before anything is sent.
    """

    def __init__(
        self,
        provider: str,
        call_id: str,
        until: object,
        *,
        timeout: object,
        poll_interval: object,
        clock: Callable[[], float],
    ) -> None:
        self.provider = provider
        self.call_id = call_id
        self.until = _statuses(until)
        self.timeout = _seconds("timeout", timeout, allow_zero=True)
        self.fixed = (
            None
            if poll_interval is None
            else _seconds("poll_interval", poll_interval, allow_zero=False)
        )
        self._clock = clock
        self._deadline = clock() + self.timeout
        self._next = self.fixed if self.fixed is not None else FIRST_POLL_INTERVAL
        self.polls = 0

    def after(self, call: Call) -> Call | float:
        """``call`` (just polled) if it is done; else the seconds to wait before the next
        poll. Raises InvalidCallStateError when the call reached a final status it was
        not waited for, WaitTimeoutError when the time is up."""
        self.polls += 1
        if call.status in self.until:
            return call
        wanted = " or ".join(s.value for s in self.until)
        if call.status in FINAL:
            reason = f" ({call.end_reason.value})" if call.end_reason is not None else ""
            raise InvalidCallStateError(
                f"call {self.call_id} is {call.status.value}{reason} and will never be "
                f"{wanted}; wait until {call.status.value} too to accept this outcome",
                provider=self.provider,
                call=call,
            )
        left = self._deadline - self._clock()
        if left <= 0:
            raise WaitTimeoutError(
                f"{self.provider}: call {self.call_id} was still {call.status.value} after "
                f"{self.timeout:g} s ({self.polls} polls), not {wanted}; pass a longer "
                "timeout= to wait longer",
                call=call,
                until=tuple(s.value for s in self.until),
                timeout=self.timeout,
            )
        delay = min(self._next, left)
        if self.fixed is None:
            self._next = min(self._next * _GROWTH, MAX_POLL_INTERVAL)
        return delay


async def sleep_async(sleep: Callable[[float], object] | None, seconds: float) -> None:
    """Wait ``seconds`` with ``sleep`` (a coroutine function or a plain callable), or
    with ``anyio.sleep`` when it is None."""
    if sleep is None:
        import anyio

        await anyio.sleep(seconds)
        return
    waited = sleep(seconds)
    if inspect.isawaitable(waited):
        await waited
