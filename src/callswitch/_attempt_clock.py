"""When one attempt's time budget starts: once the request reaches the network.

httpcore reports each step of a request through httpx's ``trace`` request extension. Its
first report (opening a connection, or sending headers on a connection kept alive) comes
once the pool has assigned a connection, so time spent queueing for one in this process is
not charged to the attempt: a fan-out of thousands of requests over a small pool waits its
turn instead of failing requests that never left. From that moment on the whole attempt
(connect, send, the full answer) must fit in the budget.

A transport that reports nothing (a mock, an ASGI app in process) starts the clock when it
is handed the request (sync) or when the answer's headers arrive (async).
"""

from __future__ import annotations

import math
import time
from typing import Any

__all__ = ["AttemptClock"]


class AttemptClock:
    """The budget of one attempt; ``scope`` is the async client's anyio cancel scope."""

    __slots__ = ("_handed", "_started", "budget", "is_async", "scope")

    def __init__(self, budget: float, scope: Any = None) -> None:
        self.budget = budget
        self.scope = scope
        self.is_async = scope is not None
        self._handed = time.monotonic()
        self._started: float | None = None
        if scope is not None:
            scope.deadline = math.inf  # set at the first network step (start_async)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's sync ``trace`` hook: the first event starts the clock."""
        if self._started is None:
            self._started = time.monotonic()

    async def trace_async(self, event: str, info: dict[str, Any]) -> None:
        """httpx's async ``trace`` hook: the first event starts the clock and arms the
        cancel scope, so a vendor that trickles its headers cannot hold the attempt."""
        if self._started is None:
            self.start_async()

    def start_async(self) -> None:
        import anyio

        self._started = time.monotonic()
        self.scope.deadline = anyio.current_time() + self.budget

    def deadline(self) -> float:
        """The attempt's deadline on ``time.monotonic``'s scale (called once the answer's
        headers are in)."""
        if self._started is None:
            if self.is_async:
                self.start_async()
            else:
                self._started = self._handed
        assert self._started is not None
        return self._started + self.budget
