"""The engine: what a client does that is the same for sync and async, with no IO.

:meth:`_Engine.drive` runs an adapter's plan to its result with retries. It does no IO:
it yields "send this" (:class:`_Send`) and "wait this long" (a float) steps and receives
what came back, and each client turns those steps into IO in a few lines. The engine also
shapes requests (URL, headers, timeout), logs them, and turns failures into callswitch
errors. The retry decision itself is :mod:`callswitch._retry`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from typing import Any, TypeAlias, TypeVar

import attrs
import httpx

from callswitch import _observe
from callswitch._redact import (
    _as_httpx_logs,
    _hide_credential_url,
    _redact_url,
    _sending_secret_url,
)
from callswitch._retry import RetryPolicy, never_sent, requested_wait
from callswitch._urls import refuse_untrusted_url
from callswitch._version import __version__
from callswitch.capabilities import Capabilities
from callswitch.config import Settings, Timeouts
from callswitch.errors import (
    CallswitchError,
    ConfigurationError,
    OutcomeUnknownError,
    ProviderError,
    TransportError,
)
from callswitch.http import Plan, Request, Response, Safety
from callswitch.provider import Adapter, ProviderSpec

logger = logging.getLogger("callswitch.http")
_httpx_logger = logging.getLogger("httpx")

T = TypeVar("T")


class _Send:
    """A step of :meth:`_Engine.drive`: send this request (the same one on every attempt)."""

    __slots__ = ("headers", "json", "method", "params", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        json: Any,
        params: dict[str, str | int | float | bool] | None,
        headers: httpx.Headers,
        timeout: httpx.Timeout,
    ) -> None:
        self.method = method
        self.url = url
        self.json = json
        self.params = params
        self.headers = headers
        self.timeout = timeout


#: What :meth:`_Engine.drive` yields: a request to send, or seconds to wait.
Step: TypeAlias = _Send | float
#: What the driver sends back: the response (converted at once, so httpx's response, which
#: holds a reference cycle, is garbage before the plan parses the body), or the transport
#: error httpx raised (for a send); None (after a wait).
Reply: TypeAlias = Response | httpx.TransportError | None


class _Engine:
    """The vendor-neutral work of a client that does not depend on sync or async."""

    def __init__(self, spec: ProviderSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.adapter: Adapter = spec.load_adapter()(spec.capabilities)
        self.capabilities: Capabilities = spec.capabilities
        self.retry = RetryPolicy(max_retries=settings.max_retries)
        base = {"User-Agent": f"callswitch/{__version__}"}
        auth = self.adapter.auth_headers(settings.api_key.get_secret_value())
        # Built once, as httpx.Headers: httpx copies the headers it is given (so requests
        # can share these), and copies a Headers without validating and encoding each
        # name and value again, as it does for a dict on every request.
        self._base_headers = httpx.Headers(base)
        self._auth_headers = httpx.Headers({**base, **auth})
        self._operation_timeouts: dict[tuple[float, float | None], httpx.Timeout] = {}

    # -- driving plans (no IO) ------------------------------------------------------------
    def drive(
        self,
        plan: Plan[T],
        first: Request | None,
        retry: RetryPolicy,
        timeout: httpx.Timeout,
        *,
        chosen: bool = True,
    ) -> Generator[Step, Reply, T]:
        """Run ``plan`` to its result with retries, as steps a client carries out.

        Yields a :class:`_Send` (reply: the :class:`Response` from :meth:`to_response`,
        or the ``httpx.TransportError`` sending raised) or a float of seconds to wait
        (reply: None). ``first`` is the plan's first request when the caller already primed it.
        A failed request's error is thrown into the plan, so a multi-step plan can say
        what it had done before; a plan that does not catch it re-raises it.
        ``chosen=False`` (the user set no timeout): each request gets its operation's
        default where the adapter declares one (:meth:`timeout_of`), else ``timeout``.
        """
        watch: _observe._Operation | None = None  # set when a plugin observes (rarely)
        try:
            request = next(plan) if first is None else first
            if _observe.relay is not None:
                watch = _observe._Operation(self.spec.name, request.operation)
            while True:
                attempt_timeout = timeout if chosen else self.timeout_of(request, timeout)
                attempts = self._attempts(request, retry, attempt_timeout)
                if watch is not None:
                    attempts = watch.watch(request.method, self.shown_url(request), attempts)
                outcome = yield from attempts
                if isinstance(outcome, Response):
                    request = plan.send(outcome)
                else:
                    request = plan.throw(outcome)
        except StopIteration as stop:
            result: T = stop.value
            if watch is not None:
                watch.finished(result)
            return result
        except BaseException as exc:
            if watch is not None:
                watch.failed(exc)
            raise
        finally:
            plan.close()

    def _attempts(
        self, request: Request, retry: RetryPolicy, timeout: httpx.Timeout
    ) -> Generator[Step, Reply, Response | CallswitchError]:
        """Send one request until it succeeds or the policy stops: the success response,
        or the error to throw into the plan."""
        if request.is_absolute:
            # An absolute URL came from a vendor answer (a control URL): refused, and
            # nothing sent, unless it points where this client may send.
            refused = refuse_untrusted_url(
                self.spec.name,
                request.path,
                self.settings.base_url,
                (*self.adapter.trusted_hosts, *self.settings.control_hosts),
            )
            if refused is not None:
                return refused
        send = _Send(
            request.method,
            self.url_for(request),
            request.json,
            dict(request.params) or None,
            self.headers_for(request),
            timeout,
        )
        # A URL that is its own credential is hidden from httpx's log while it is sent.
        secret = send.url if not request.authenticate and request.is_absolute else None
        if secret is not None:
            secret = _as_httpx_logs(secret)
        if secret is not None:
            _httpx_logger.addFilter(_hide_credential_url)  # added once; a no-op after
        clock = retry.clock
        first = started = clock()
        attempt = 0
        # Whether an earlier attempt of this request may have been applied (sent, and no
        # answer or a 5xx/408). A keyed create's later "nothing done" answer (429, a refused
        # connection) does not undo that: the call may exist, so it must not look refused.
        maybe_applied = False
        keyed = request.idempotency_key is not None
        while True:
            attempt += 1
            if secret is not None:
                _sending_secret_url.set(secret)
            try:
                reply = yield send
            finally:
                if secret is not None:
                    _sending_secret_url.set(None)
            if isinstance(reply, httpx.TransportError):
                self.log(request, type(reply).__name__, started, attempt, clock)
                wait = retry.after_exception(reply, request.safety, attempt, clock() - first)
                if wait is None:
                    if maybe_applied and never_sent(reply):
                        return self.maybe_applied(request, type(reply).__name__)
                    return self.transport_error(request, reply)
                maybe_applied = maybe_applied or (keyed and not never_sent(reply))
            else:
                assert reply is not None, "a send step is answered with a response"
                self.log(request, reply.status_code, started, attempt, clock)
                if not reply.is_error:
                    return reply
                # The mapped error, built once per error response: its retry_after is what
                # a 429/503 waits, and it is what the plan gets if this was the last try.
                error = self.adapter.error_for(reply)
                wait = retry.after_status(
                    reply.status_code,
                    request.safety,
                    attempt,
                    _retry_after(error, reply),
                    clock() - first,
                )
                ambiguous = reply.status_code >= 500 or reply.status_code == 408
                if wait is None:
                    if maybe_applied and not ambiguous:
                        return self.maybe_applied(request, f"HTTP {reply.status_code}")
                    return self.with_key(request, error)
                maybe_applied = maybe_applied or (keyed and ambiguous)
            yield wait
            started = clock()

    # -- HTTP -----------------------------------------------------------------------------
    def url_for(self, request: Request) -> str:
        if request.is_absolute:
            return request.path
        return self.settings.base_url + request.path

    def shown_url(self, request: Request) -> str:
        """The URL as logs and errors show it."""
        url = self.url_for(request)
        return _redact_url(url) if request.is_absolute else url

    def headers_for(self, request: Request) -> httpx.Headers:
        headers = self._auth_headers if request.authenticate else self._base_headers
        if not request.headers:
            return headers
        merged = headers.copy()
        merged.update(request.headers)
        return merged

    def timeout_for(self, timeouts: Timeouts) -> httpx.Timeout:
        return httpx.Timeout(timeouts.total, connect=timeouts.connect)

    # -- per-operation default timeouts (issue 15) ----------------------------------------
    def timeout_of(self, request: Request, default: httpx.Timeout) -> httpx.Timeout:
        """``request``'s timeout when the user chose none: its operation's entry in
        ``Adapter.default_timeouts`` (else the ``"*"`` entry) for reads and writes, with
        ``default``'s connect timeout; ``default`` itself when the adapter declares none."""
        table = self.adapter.default_timeouts
        seconds = table.get(request.operation, table.get("*"))
        if seconds is None:
            return default
        key = (seconds, default.connect)
        cached = self._operation_timeouts.get(key)
        if cached is None:
            cached = self._operation_timeouts[key] = httpx.Timeout(seconds, connect=default.connect)
        return cached

    def to_response(self, resp: httpx.Response) -> Response:
        return Response(
            status_code=resp.status_code,
            # httpx already lower-cases the names items() returns.
            headers=dict(resp.headers.items()),
            content=resp.content,
            provider=self.spec.name,
        )

    def log(
        self,
        request: Request,
        status: int | str,
        started: float,
        attempt: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s %s %s -> %s in %.1f ms (attempt %d)",
                self.spec.name,
                request.operation or "request",
                request.method,
                self.shown_url(request),
                status,
                (clock() - started) * 1000,
                attempt,
            )

    def with_key(self, request: Request, error: ProviderError) -> ProviderError:
        """``error``, the mapped error for an answer to ``request``; a keyed create hands
        back its key, since a 5xx after retries leaves open whether the call was placed."""
        if request.idempotency_key is not None:
            error.idempotency_key = request.idempotency_key
            error.add_note(
                "To retry without risking a second call, reuse the key: "
                f"provider_options={{{self.spec.name!r}: {{'idempotency_key': "
                "error.idempotency_key}}"
            )
        return error

    def retry_policy(
        self,
        base: RetryPolicy,
        max_retries: int | None,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> RetryPolicy:
        """``base`` with the given settings replaced (None: keep ``base``'s)."""
        changes: dict[str, Any] = {}
        if max_retries is not None:
            if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
                raise ConfigurationError(
                    f"max_retries must be a whole number >= 0, got {max_retries!r}"
                )
            changes["max_retries"] = max_retries
        for name, value in (("sleep", sleep), ("clock", clock)):
            if value is not None:
                if not callable(value):
                    raise ConfigurationError(f"{name} must be callable, got {value!r}")
                changes[name] = value
        return attrs.evolve(base, **changes) if changes else base

    def maybe_applied(self, request: Request, last: str) -> OutcomeUnknownError:
        """The error for a keyed create whose earlier attempt may have been applied and
        whose last attempt answered ``last`` (which alone would say nothing was done)."""
        url = self.shown_url(request)
        return OutcomeUnknownError(
            f"{self.spec.name}: {request.method} {url} may have been applied by an earlier "
            f"attempt (its answer was lost or a server error); the last retry got {last}. "
            "Retry with the same key: "
            f"provider_options={{{self.spec.name!r}: {{'idempotency_key': "
            "error.idempotency_key}}",
            method=request.method,
            url=url,
            json=request.json,
            idempotency_key=request.idempotency_key,
        )

    def transport_error(self, request: Request, exc: Exception) -> TransportError:
        url = self.shown_url(request)
        what = f"{request.method} {url}"
        ambiguous = not never_sent(exc)
        if ambiguous and request.safety is Safety.UNSAFE:
            return OutcomeUnknownError(
                f"{self.spec.name}: {what} failed after it was sent ({type(exc).__name__}); "
                "it may or may not have been applied, so callswitch did not retry it. "
                "Check the call's state before trying again",
                method=request.method,
                url=url,
                json=request.json,
            )
        if ambiguous and request.idempotency_key is not None:
            # Retried with its key and still ambiguous: the call may exist. Hand the key
            # back so a later retry reuses it instead of dialling with a new one.
            return OutcomeUnknownError(
                f"{self.spec.name}: {what} failed after it was sent ({type(exc).__name__}), "
                "also on retries; it may have been applied. Retry with the same key: "
                f"provider_options={{{self.spec.name!r}: {{'idempotency_key': "
                "error.idempotency_key}}",
                method=request.method,
                url=url,
                json=request.json,
                idempotency_key=request.idempotency_key,
            )
        return TransportError(
            f"{self.spec.name}: {what} failed: {type(exc).__name__}: {exc}. "
            "Check the network and base_url"
        )


def _retry_after(error: ProviderError, response: Response) -> float | None:
    """Seconds the vendor asked to wait: from the body (what the adapter read, such as a
    reset time) or the Retry-After headers. Read for 429 and 503 only."""
    if response.status_code not in (429, 503):
        return None
    # A RateLimitError already holds what requested_wait gave the adapter; other statuses
    # (503) have only the headers.
    return getattr(error, "retry_after", None) or requested_wait(response.headers)
