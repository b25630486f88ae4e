"""The retry decision, shared by the sync and async clients (pure: no sleeping, no IO).

One rule set, driven by each request's declared :class:`~callswitch.http.Safety`:

* an idempotent request is retried on connection errors, timeouts and the statuses in
  :data:`RETRY_STATUSES`;
* an unsafe request is retried only when it provably never reached the vendor: the
  connection could not be opened, or the vendor answered 429 (it refused the request
  without acting on it). Any other failure after sending is an
  :class:`~callswitch.errors.OutcomeUnknownError` (transport) or the vendor's error;
* a 4xx other than 408 and 429 is never retried.

Waits grow exponentially with full jitter, capped, and honour the vendor's
``Retry-After`` (or what the adapter read from the body, like Truedy's ``reset_at``).
No retry is started that would end past the request's deadline.

The policy also says *how* waiting and timing are done (``sleep``, ``clock``), so a test
or an application with its own event loop can record or replace the waits without
patching any module.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping

import attrs
import httpx

from callswitch.http import Response, Safety

__all__ = [
    "RETRY_STATUSES",
    "RetryPolicy",
    "never_sent",
    "parse_retry_after",
    "requested_wait",
    "wait_asked",
]

#: Statuses an idempotent request is retried on.
RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})

# httpx exceptions raised before any byte of the request left this process.
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


def never_sent(exc: Exception) -> bool:
    """True when the request certainly did not reach the server."""
    return isinstance(exc, _NOT_SENT)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime  # rare path: keep out of import time

    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def requested_wait(headers: Mapping[str, str], hint: float | None = None) -> float | None:
    """Seconds the vendor asked to wait: the ``Retry-After`` headers when present (they are
    relative, so immune to clock skew), else ``hint``, what the adapter read from the body
    (such as a reset time). The one rule every client and adapter follows."""
    wait = parse_retry_after(headers)
    return wait if wait is not None else hint


@attrs.frozen
class RetryPolicy:
    """How many times and how long to wait. ``deadline`` bounds all attempts together.

    ``sleep`` waits between attempts: ``None`` is the client's own (``time.sleep`` for
    :class:`~callswitch.Client`, ``anyio.sleep`` for :class:`~callswitch.AsyncClient`).
    Any callable taking seconds works; an ``AsyncClient`` awaits what it returns when that
    is awaitable. ``clock`` reads monotonic seconds for the deadline and logged durations.
    """

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    deadline: float = 120.0
    sleep: Callable[[float], object] | None = attrs.field(default=None, eq=False, repr=False)
    clock: Callable[[], float] = attrs.field(default=time.monotonic, eq=False, repr=False)

    def backoff(self, retry_number: int) -> float:
        """Full-jitter exponential wait before retry ``retry_number`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        return random.uniform(0.0, ceiling)  # noqa: S311 - jitter, not security

    def after_status(
        self,
        status_code: int,
        safety: Safety,
        retry_number: int,
        retry_after: float | None,
        elapsed: float,
    ) -> float | None:
        """Seconds to wait before retrying after an error status, or None to stop."""
        if retry_number > self.max_retries or status_code not in RETRY_STATUSES:
            return None
        if safety is Safety.UNSAFE and status_code != 429:
            return None
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            wait = retry_after
        else:
            wait = self.backoff(retry_number)
        return wait if elapsed + wait <= self.deadline else None

    def after_exception(
        self,
        exc: Exception,
        safety: Safety,
        retry_number: int,
        elapsed: float,
        sent: bool | None = None,
    ) -> float | None:
        """Seconds to wait before retrying after a transport failure, or None to stop.

        ``sent`` is whether the request may have reached the vendor, when the caller
        knows better than the exception's type says (None: judge by the type)."""
        if retry_number > self.max_retries:
            return None
        may_have_arrived = not never_sent(exc) if sent is None else sent
        if safety is Safety.UNSAFE and may_have_arrived:
            return None
        wait = self.backoff(retry_number)
        return wait if elapsed + wait <= self.deadline else None


def wait_asked(error: Exception, response: Response) -> float | None:
    """Seconds the vendor asked to wait: from the body (what the adapter read, such as a
    reset time) or the Retry-After headers. Read for 429 and 503 only."""
    if response.status_code not in (429, 503):
        return None
    # A RateLimitError already holds what requested_wait gave the adapter; other statuses
    # (503) have only the headers.
    return getattr(error, "retry_after", None) or requested_wait(response.headers)
