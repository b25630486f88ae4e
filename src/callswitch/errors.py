"""The exceptions callswitch raises.

Every exception derives from :class:`CallswitchError`, so one ``except`` catches
them all. The tree::

    CallswitchError
    +-- ConfigurationError            missing key, unknown provider, broken plugin
    +-- InvalidRequestError           bad input, caught before anything is sent (ValueError)
    |   +-- UnsupportedCapabilityError  the provider lacks a capability the request needs
    +-- InvalidSignatureError         a webhook whose signature does not verify (ValueError)
    +-- ProviderError                 the vendor answered with an error
    |   +-- AuthenticationError       401
    |   +-- PermissionDeniedError     403
    |   +-- NotFoundError             404 (and vendor-specific "unknown id" answers)
    |   +-- InvalidCallStateError     the call is not in a state that allows the action
    |   +-- RateLimitError            429, with ``retry_after`` in seconds when known
    |   +-- ServerError               5xx
    +-- TransportError                connection failure or timeout; nothing usable came back
    |   +-- OutcomeUnknownError       a request that is not safe to repeat may have been applied
    +-- WaitTimeoutError              calls.wait gave up before the call reached a status
                                      it waited for (TimeoutError)
    +-- AllProvidersFailedError       a router found no vendor to take a new call; nothing created
    +-- StorageLockedError            a SQLite file (webhook store, campaign journal) stayed
                                      locked past its busy timeout (TimeoutError)
    +-- LeaseLapsedError              a campaign's RedisLimiter slots lapsed while its calls
                                      were live; other runners may hold them

Misuse (``InvalidRequestError``) subclasses :class:`ValueError`, so code that already
catches ``ValueError`` for bad input keeps working; ``WaitTimeoutError`` subclasses the
builtin :class:`TimeoutError` for the same reason.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AllProvidersFailedError",
    "AuthenticationError",
    "CallswitchError",
    "ConfigurationError",
    "InvalidCallStateError",
    "InvalidRequestError",
    "InvalidSignatureError",
    "LeaseLapsedError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ProviderError",
    "RateLimitError",
    "ServerError",
    "StorageLockedError",
    "TransportError",
    "UnsupportedCapabilityError",
    "UnsupportedCapabilityWarning",
    "WaitTimeoutError",
    "error_class_for_status",
]


class CallswitchError(Exception):
    """Root of every error callswitch raises.

    Errors pickle with their attributes, so they cross process boundaries
    (multiprocessing, task queues) intact.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[CallswitchError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigurationError(CallswitchError):
    """The client cannot be set up: no key, unknown provider, a broken plugin."""


class InvalidRequestError(CallswitchError, ValueError):
    """The input is invalid; nothing was sent."""


class UnsupportedCapabilityError(InvalidRequestError):
    """The request needs capabilities the provider does not have; nothing was sent."""

    def __init__(self, provider: str, capabilities: tuple[str, ...], detail: str = "") -> None:
        self.provider = provider
        self.capabilities = capabilities
        names = ", ".join(capabilities)
        message = (
            f"{provider} does not support {names}. Nothing was sent. "
            f"Check client.supports(...) before asking, remove the field, or connect with "
            f'on_unsupported="drop" to send the supported part and get the rest in '
            f"result.dropped."
        )
        if detail:
            message = f"{message} {detail}"
        super().__init__(message)


class UnsupportedCapabilityWarning(UserWarning):
    """Emitted when ``on_unsupported="drop"`` removed fields from a request."""


class InvalidSignatureError(CallswitchError, ValueError):
    """A webhook request failed verification; its body was not parsed."""


class ProviderError(CallswitchError):
    """The vendor answered with an error status.

    ``message`` is the vendor's own message, ``code`` its error code when it sends
    one, ``request_id`` its request id when it sends one, and ``body`` the raw
    response text (decoded, never parsed further).
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body: str | None = None,
    ) -> None:
        self.message = message
        self.provider = provider
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.body = body
        #: Set when the failed request was a create carrying an idempotency key: retry
        #: with it (``provider_options={provider: {"idempotency_key": ...}}``).
        self.idempotency_key: str | None = None
        super().__init__(self._format())

    def _format(self) -> str:
        parts = [f"{self.provider}"]
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        head = " ".join(parts)
        text = f"{head}: {self.message}"
        if self.code:
            text += f" (code {self.code})"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text


class AuthenticationError(ProviderError):
    """The vendor rejected the API key (401)."""


class PermissionDeniedError(ProviderError):
    """The key is valid but not allowed to do this (403)."""


class NotFoundError(ProviderError):
    """The call (or other resource) does not exist for this key."""


class InvalidCallStateError(ProviderError):
    """The call's state does not allow this action (for example, control of an ended call).

    ``call`` is the last :class:`~callswitch.models.Call` seen when callswitch itself found
    the state wrong (``calls.wait`` on a call that ended in a status nobody waited for);
    ``None`` when the vendor refused.
    """

    def __init__(self, message: str, *, call: Any = None, **kwargs: Any) -> None:
        self.call = call
        super().__init__(message, **kwargs)


class RateLimitError(ProviderError):
    """The vendor is rate limiting this key (429). ``retry_after`` is in seconds, when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(ProviderError):
    """The vendor failed (5xx)."""


class TransportError(CallswitchError):
    """The request did not complete: connection failure, timeout, dropped connection.

    ``sent`` says whether the request left this process: ``False`` when it certainly did
    not (the connection could not be opened), ``True`` when it did, ``None`` when the
    raiser did not say. A router fails over to another vendor only on ``False`` or on a
    create's plain ``TransportError`` (see ``callswitch.router``).
    """

    def __init__(self, message: str, *, sent: bool | None = None) -> None:
        self.sent = sent
        super().__init__(message)


class OutcomeUnknownError(TransportError):
    """A request that is not safe to repeat may or may not have been applied.

    callswitch does not retry it, so that a call is never dialled twice and a context is
    never injected twice. ``method``, ``url`` and ``json`` describe what was sent (never
    the headers, which hold the key); check the call's state before trying again. For a
    create that carried an idempotency key, ``idempotency_key`` is that key: retrying with
    it (``provider_options={provider: {"idempotency_key": key}}``) cannot dial twice.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.json = json
        self.idempotency_key = idempotency_key
        super().__init__(message, sent=True)


class WaitTimeoutError(CallswitchError, TimeoutError):
    """``calls.wait`` ran out of time before the call reached a status it waited for.

    ``call`` is the last :class:`~callswitch.models.Call` seen (``None`` when no poll
    completed), ``until`` the statuses waited for and ``timeout`` the seconds allowed.
    """

    def __init__(
        self, message: str, *, call: Any = None, until: tuple[str, ...] = (), timeout: float = 0.0
    ) -> None:
        self.call = call
        self.until = until
        self.timeout = timeout
        super().__init__(message)


_STATUS_CLASSES: dict[int, type[ProviderError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


class AllProvidersFailedError(CallswitchError):
    """No vendor of a router took the new call, and none of them created anything.

    ``reasons`` maps each vendor, in the router's order, to why it did not take the call
    (skipped for a missing capability, cooling down, or the error it answered with);
    ``errors`` holds the errors themselves, for the vendors that answered with one.
    """

    def __init__(
        self,
        operation: str,
        reasons: dict[str, str],
        errors: dict[str, CallswitchError] | None = None,
    ) -> None:
        self.operation = operation
        self.reasons = dict(reasons)
        self.errors = dict(errors or {})
        listed = "; ".join(f"{name}: {why}" for name, why in self.reasons.items())
        super().__init__(
            f"no provider took {operation}, and nothing was created: {listed}. "
            "Wait for a cooldown to pass, fix the refused request, or add a provider"
        )


class StorageLockedError(CallswitchError, TimeoutError):
    """A SQLite file callswitch keeps (the webhook ``SQLiteStore``, the campaign
    ``SQLiteJournal``) stayed locked by another connection for longer than its busy
    timeout. ``path`` is the file, ``timeout`` the seconds waited; the message says how
    to fix it. SQLite's own ``OperationalError`` is the ``__cause__``.
    """

    def __init__(self, message: str, *, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        super().__init__(message)


class LeaseLapsedError(CallswitchError):
    """A campaign could not keep its limiter's leases (``RedisLimiter``) alive while its
    calls were live: a renewal got no answer within the lease, was sent too late, or found
    a slot gone. Other runners sharing the limiter may hold those slots now, so the run
    stops; calls already created keep going at the vendor, and running the campaign again
    follows them. (Renewals that fail outright for a whole lease stop the run with their
    own error, e.g. the Redis client's connection error.)
    """


def error_class_for_status(status_code: int) -> type[ProviderError]:
    """The exception class for an HTTP error status, before any vendor-specific refinement."""
    if status_code in _STATUS_CLASSES:
        return _STATUS_CLASSES[status_code]
    if status_code >= 500:
        return ServerError
    return ProviderError
