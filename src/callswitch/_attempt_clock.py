"""When one attempt's time budget starts: once the request reaches the network.

httpcore reports each step of a request through httpx's ``trace`` request extension. Its
first report (opening a connection, or sending headers on a connection kept alive) comes
once the pool has assigned a connection, so time spent queueing for one in this process is
not charged to the attempt: a fan-out of thousands of requests over a small pool waits its
turn instead of failing requests that never left. From that moment on the whole attempt
(connect, send, the full answer) must fit in the budget.

A transport that reports nothing (a mock, an ASGI app in process) starts the clock when it
is handed the request (sync) or when the answer's headers arrive (async).

Only that first report matters, so the hook takes itself off the request once the clock
runs: httpcore then skips the dozen later reports (each an awaited coroutine, async).
"""

from __future__ import annotations

import math
import time
from typing import Any

__all__ = ["AttemptClock"]


class AttemptClock:
    """The budget of one attempt; ``scope`` is the async client's anyio cancel scope."""

    __slots__ = ("_extensions", "_handed", "_started", "budget", "is_async", "scope")

    def __init__(self, budget: float, scope: Any = None) -> None:
        self.budget = budget
        self.scope = scope
        self.is_async = scope is not None
        self._handed = time.monotonic()
        self._started: float | None = None
        self._extensions: dict[str, Any] = {}
        if scope is not None:
            scope.deadline = math.inf  # set at the first network step (start_async)

    def hook(self, extensions: dict[str, Any]) -> None:
        """Put the ``trace`` hook on a request (its ``extensions``, which httpcore reads)."""
        self._extensions = extensions
        extensions["trace"] = self.trace_async if self.is_async else self.trace

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's sync ``trace`` hook: the first event starts the clock."""
        if self._started is None:
            self._started = time.monotonic()
            self._extensions.pop("trace", None)  # no later event can change anything

    async def trace_async(self, event: str, info: dict[str, Any]) -> None:
        """httpx's async ``trace`` hook: the first event starts the clock and arms the
        cancel scope, so a vendor that trickles its headers cannot hold the attempt."""
        if self._started is None:
            self.start_async()
            self._extensions.pop("trace", None)

    def start_async(self) -> None:
        import anyio

        self._started = time.monotonic()
        self.scope.deadline = anyio.current_time() + self.budget

    def deadline(self, *, in_memory: bool = False) -> float:
        """The attempt's deadline on ``time.monotonic``'s scale (called once the answer's
        headers are in). ``in_memory``: the whole body is in already (a mock transport),
        so no IO is left for the async cancel scope to bound and it is not armed."""
        if self._started is None:
            if not self.is_async:
                self._started = self._handed
            elif in_memory:
                self._started = time.monotonic()
            else:
                self.start_async()
        assert self._started is not None
        return self._started + self.budget
