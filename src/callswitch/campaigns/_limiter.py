"""Limiters: how many calls may be live at once and how fast creates may be sent.

A campaign asks its limiter for a *slot* (one live call) before a create and gives it
back once the call has ended, and for a *turn* (one create request) right before each
create is sent. Turns are spaced ``1 / max_per_second`` apart, so no window of one
second ever holds more than ``max_per_second`` creates. ``pause(seconds)`` pushes the
next turn back (a 429's ``Retry-After``) for every runner sharing the limiter.

:class:`LocalLimiter` holds the budget in this process; :class:`RedisLimiter`
(``callswitch.campaigns.RedisLimiter``) holds it in Redis for runners on several machines.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

import anyio

from callswitch.errors import ConfigurationError

__all__ = ["Limiter", "LocalLimiter", "check_limits"]


def check_limits(max_concurrent: object, max_per_second: object) -> tuple[int, float]:
    """The limits, or ConfigurationError saying what is wrong with them."""
    if (
        isinstance(max_concurrent, bool)
        or not isinstance(max_concurrent, int)
        or max_concurrent < 1
    ):
        raise ConfigurationError(
            f"max_concurrent must be a whole number >= 1, got {max_concurrent!r}"
        )
    if (
        isinstance(max_per_second, bool)
        or not isinstance(max_per_second, int | float)
        or not math.isfinite(max_per_second)
        or max_per_second <= 0
    ):
        raise ConfigurationError(
            f"max_per_second must be a number of creates per second > 0, got {max_per_second!r}"
        )
    return max_concurrent, float(max_per_second)


class Limiter(Protocol):
    """What a campaign needs from a limiter."""

    async def acquire_slot(self, max_concurrent: int) -> str:
        """Wait until fewer than ``max_concurrent`` calls are live; returns a slot token."""
        ...

    async def release_slot(self, token: str) -> None: ...

    async def take_turn(self, max_per_second: float) -> None:
        """Wait until a create may be sent now, and count it."""
        ...

    async def pause(self, seconds: float) -> None:
        """Send no create for ``seconds`` from now."""
        ...

    async def aclose(self) -> None: ...


class LocalLimiter:
    """The budget of one process (the default)."""

    def __init__(self) -> None:
        self._live: set[str] = set()
        self._next_turn = 0.0
        self._counter = 0
        self._changed: anyio.Event | None = None
        self._turns: anyio.Lock | None = None

    def __repr__(self) -> str:
        return f"LocalLimiter(live={len(self._live)})"

    async def acquire_slot(self, max_concurrent: int) -> str:
        while len(self._live) >= max_concurrent:
            if self._changed is None:
                self._changed = anyio.Event()
            await self._changed.wait()
        self._counter += 1
        token = f"slot-{self._counter}"
        self._live.add(token)
        return token

    async def release_slot(self, token: str) -> None:
        self._live.discard(token)
        changed, self._changed = self._changed, None
        if changed is not None:
            changed.set()

    async def take_turn(self, max_per_second: float) -> None:
        if self._turns is None:
            self._turns = anyio.Lock()
        async with self._turns:  # one waiter at a time: turns are handed out in order
            while (wait := self._next_turn - time.monotonic()) > 0:
                await anyio.sleep(wait)
            self._next_turn = time.monotonic() + 1.0 / max_per_second

    async def pause(self, seconds: float) -> None:
        self._next_turn = max(self._next_turn, time.monotonic() + max(0.0, seconds))

    async def aclose(self) -> None:
        return None
