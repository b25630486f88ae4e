"""The failover decision, shared by the sync and async routers (pure: no IO, no clock).

A create that failed on one vendor may go to the next only when that vendor provably
created nothing; otherwise a second vendor could dial the same person again. Only the
error tells, and only its type and attributes are read:

* the request never left this process (a ``TransportError`` with ``sent=False``, or a
  create's plain ``TransportError``: the client raises ``OutcomeUnknownError`` for every
  create that failed after sending) -> fail over;
* the vendor refused it: 429, 401, 403, 404, or 400/422 about the request -> fail over;
* it was refused before sending (``InvalidRequestError``, ``ConfigurationError``: a field
  this vendor lacks, a default it needs) -> try the next vendor; the vendor is not at
  fault, so it does not cool down;
* anything else (``OutcomeUnknownError``, 5xx, 408, 409, any other answer) is ambiguous:
  the call may exist, so the router stops and raises ``OutcomeUnknownError``.
"""

from __future__ import annotations

import enum

import attrs

from callswitch.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    TransportError,
)

__all__ = ["REFUSAL_STATUSES", "Action", "Decision", "decide"]

#: Statuses by which a vendor refuses a create without acting on it.
REFUSAL_STATUSES = frozenset({400, 401, 403, 404, 422, 429})

#: Error types that are a refusal whatever status (if any) they carry.
_REFUSALS: tuple[type[ProviderError], ...] = (
    RateLimitError,
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
)


class Action(enum.Enum):
    """What the router does after a vendor failed a create."""

    #: Nothing was created and the vendor is at fault: cool it down, try the next.
    FAIL_OVER = "fail_over"
    #: Refused before sending (this request, this vendor): try the next, no cooldown.
    NEXT = "next"
    #: The call may exist: stop, raise OutcomeUnknownError naming the vendor.
    STOP = "stop"


@attrs.frozen
class Decision:
    action: Action
    #: Why, in a few words, for logs and AllProvidersFailedError.
    reason: str
    #: Seconds the vendor is skipped from now (FAIL_OVER only; Retry-After extends it).
    cool_for: float = 0.0


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def decide(exc: BaseException, cooldown: float) -> Decision:
    """What to do after a create raised ``exc`` on one vendor, with ``cooldown`` seconds
    as the router's cooldown."""
    if isinstance(exc, OutcomeUnknownError):
        return Decision(Action.STOP, _why(exc))
    if isinstance(exc, TransportError):
        if exc.sent is True:
            return Decision(Action.STOP, _why(exc))
        return Decision(Action.FAIL_OVER, f"never reached it ({_why(exc)})", cooldown)
    if isinstance(exc, InvalidRequestError | ConfigurationError):
        return Decision(Action.NEXT, f"refused before sending ({_why(exc)})")
    if isinstance(exc, _REFUSALS) or (
        isinstance(exc, ProviderError) and exc.status_code in REFUSAL_STATUSES
    ):
        retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
        cool_for = max(cooldown, retry_after or 0.0)
        return Decision(Action.FAIL_OVER, f"refused ({_why(exc)})", cool_for)
    # Another answer (5xx, 408, 409, ...) or an error that is not ours: the call may exist.
    return Decision(Action.STOP, _why(exc))
