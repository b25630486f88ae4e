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
from callswitch._body import (
    ACCEPT_ENCODING,
    _BodyReader,
    _BodyTooLarge,
    check_max_response_bytes,
    whole_body,
)
from callswitch._faults import (
    _Closed,
    _Failure,
    classify,
    describe,
    redirect_error,
    scrub_error,
    too_large,
    unreadable_answer,
    unreadable_error,
)
from callswitch._redact import _hide_credential_url, _redact_url, _sending_secret_url
from callswitch._retry import RetryPolicy, never_sent, wait_asked
from callswitch._urls import origin_of, trusted_url
from callswitch._version import __version__
from callswitch.capabilities import Capabilities
from callswitch.config import Settings, Timeouts
from callswitch.errors import (
    CallswitchError,
    ConfigurationError,
    NotFoundError,
    OutcomeUnknownError,
    ProviderError,
    TransportError,
)
from callswitch.http import Plan, Request, Response, Safety
from callswitch.provider import Adapter, ProviderSpec

logger = logging.getLogger("callswitch.http")
_httpx_logger = logging.getLogger("httpx")

T = TypeVar("T")

__all__ = ["Reply", "Step", "_Closed", "_Engine", "_Failure", "_Send"]


class _Send:
    """A step of :meth:`_Engine.drive`: send this request (the same one on every attempt)."""

    __slots__ = ("budget", "headers", "json", "method", "params", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str | httpx.URL,
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
        #: Seconds this attempt may take in all (connect, send, the whole body): the
        #: timeout, or less when the operation's retry deadline is nearer.
        self.budget: float = timeout.read if timeout.read is not None else 30.0


#: What :meth:`_Engine.drive` yields: a request to send, or seconds to wait.
Step: TypeAlias = _Send | float
#: What the driver sends back: the response (converted at once, so httpx's response, which
#: holds a reference cycle, is garbage before the plan parses the body), or the failure
#: (any exception from building, sending or reading, with whether it left); None (a wait).
Reply: TypeAlias = Response | _Failure | None


class _Engine:
    """The vendor-neutral work of a client that does not depend on sync or async."""

    def __init__(self, spec: ProviderSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.adapter: Adapter = spec.load_adapter()(spec.capabilities)
        self.capabilities: Capabilities = spec.capabilities
        self.retry = RetryPolicy(max_retries=settings.max_retries)
        base = {"User-Agent": f"callswitch/{__version__}", "Accept-Encoding": ACCEPT_ENCODING}
        auth = self.adapter.auth_headers(settings.api_key.get_secret_value())
        #: The most a success body may hold, decoded.
        self.max_response_bytes = check_max_response_bytes(settings.max_response_bytes)
        # Built once, as httpx.Headers: httpx copies the headers it is given (so requests
        # can share these), and copies a Headers without validating and encoding each
        # name and value again, as it does for a dict on every request.
        self._base_headers = httpx.Headers(base)
        self._auth_headers = httpx.Headers({**base, **auth})
        self._operation_timeouts: dict[tuple[float, float | None], httpx.Timeout] = {}
        # Where absolute URLs from vendor answers may go (see _urls.trusted_url): constant
        # per client, so worked out once rather than on every control request.
        self._base_origin = origin_of(settings.base_url)
        self._trusted = (*self.adapter.trusted_hosts, *settings.control_hosts)

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
        started = retry.clock()  # the retry deadline bounds the whole operation
        request = first
        watch: _observe._Operation | None = None  # set when a plugin observes (rarely)
        try:
            request = next(plan) if first is None else first
            if _observe.relay is not None:
                watch = _observe._Operation(self.spec.name, request.operation)
            while True:
                attempt_timeout = timeout if chosen else self.timeout_of(request, timeout)
                attempts = self._attempts(request, retry, attempt_timeout, started)
                if watch is not None:
                    attempts = watch.watch(request.method, self.shown_url(request), attempts)
                outcome = yield from attempts
                try:
                    if isinstance(outcome, Response):
                        request = plan.send(outcome)
                    else:
                        request = plan.throw(outcome)
                except (StopIteration, CallswitchError):
                    raise
                except Exception as exc:
                    # Hostile structure the adapter could not read (nesting too deep for
                    # the parser, a date out of range): the vendor's answer is at fault.
                    status = outcome.status_code if isinstance(outcome, Response) else None
                    error = self.with_key(request, unreadable_answer(self.spec.name, status, exc))
                    raise error from None
        except StopIteration as stop:
            result: T = stop.value
            if watch is not None:
                watch.finished(result)
            return result
        except BaseException as exc:
            if isinstance(exc, CallswitchError):
                scrub_error(exc, self._hidden(request))
            if watch is not None:
                watch.failed(exc)
            raise
        finally:
            plan.close()

    def _attempts(
        self, request: Request, retry: RetryPolicy, timeout: httpx.Timeout, first: float
    ) -> Generator[Step, Reply, Response | CallswitchError]:
        """Send one request until it succeeds or the policy stops: the success response,
        or the error to throw into the plan."""
        url: str | httpx.URL = self.url_for(request)
        if request.is_absolute:
            # An absolute URL came from a vendor answer (a control URL): refused, and
            # nothing sent, unless it points where this client may send. Sent as parsed
            # for the check, so httpx does not parse it again.
            checked = trusted_url(self.spec.name, request.path, self._base_origin, self._trusted)
            if isinstance(checked, ProviderError):
                return checked
            url = checked
        send = _Send(
            request.method,
            url,
            request.json,
            dict(request.params) or None,
            self.headers_for(request),
            timeout,
        )
        # A URL that is its own credential is hidden from httpx's log while it is sent.
        # httpx logs it as str() of its parsed URL, which is what the filter must recognise.
        secret = str(url) if not request.authenticate and request.is_absolute else None
        if secret is not None:
            _httpx_logger.addFilter(_hide_credential_url)  # added once; a no-op after
        clock = retry.clock
        started = clock()
        total = send.budget
        attempt = 0
        ambiguous = False  # an earlier attempt may have reached the vendor
        # Whether an earlier attempt of a keyed request may have been applied (sent with no
        # answer, or answered 5xx/408). A later "nothing done" answer (429, a refused
        # connection) does not undo that: the call may exist, so it must not look refused.
        maybe_applied = False
        keyed = request.idempotency_key is not None
        while True:
            attempt += 1
            # The operation ends by the retry deadline, or after one whole attempt when its
            # timeout is longer (an operation that declares a long timeout, like a listing,
            # gets it once). A retry is only started with time left; at least a moment.
            remaining = max(retry.deadline, total) - (clock() - first)
            if remaining >= total - 0.01:  # the whole timeout, as configured
                send.budget, send.timeout = total, timeout
            else:
                send.budget = max(0.05, remaining)
                send.timeout = _attempt_timeout(timeout, send.budget)
            if secret is not None:
                _sending_secret_url.set(secret)
            try:
                reply = yield send
            finally:
                if secret is not None:
                    _sending_secret_url.set(None)
            if isinstance(reply, _Failure):
                self.log(request, type(reply.error).__name__, started, attempt, clock)
                if isinstance(reply.error, _BodyTooLarge):
                    what = f"{request.method} {self.shown_url(request)}"
                    return self.with_key(request, too_large(self.spec.name, reply.error, what))
                sent, retryable = classify(reply)
                ambiguous = ambiguous or sent
                wait = None
                if retryable:
                    wait = retry.after_exception(
                        reply.error, request.safety, attempt, clock() - first, sent
                    )
                if wait is None:
                    if maybe_applied and not sent:
                        return self.maybe_applied(request, type(reply.error).__name__)
                    return self.transport_error(request, reply.error, sent)
                maybe_applied = maybe_applied or (keyed and sent)
            else:
                assert reply is not None, "a send step is answered with a response"
                self.log(request, reply.status_code, started, attempt, clock)
                if 300 <= reply.status_code < 400:
                    what = f"{request.method} {self.shown_url(request)}"
                    location = reply.headers.get("location")
                    error = redirect_error(self.spec.name, reply.status_code, location, what)
                    return self.with_key(request, error)
                if not reply.is_error:
                    return reply
                # The mapped error, built once per error response: its retry_after is what
                # a 429/503 waits, and it is what the plan gets if this was the last try.
                error = self._error_for(reply)
                if ambiguous and request.method == "DELETE" and isinstance(error, NotFoundError):
                    # The lost first answer was the delete working: gone is what was asked.
                    return Response(status_code=204, provider=self.spec.name)
                wait = retry.after_status(
                    reply.status_code,
                    request.safety,
                    attempt,
                    wait_asked(error, reply),
                    clock() - first,
                )
                unclear = reply.status_code >= 500 or reply.status_code == 408
                if wait is None:
                    if maybe_applied and not unclear:
                        return self.maybe_applied(request, f"HTTP {reply.status_code}")
                    return self.with_key(request, error)
                maybe_applied = maybe_applied or (keyed and unclear)
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
        # pool=None: waiting for a free pooled connection is queueing in this process, not
        # an attempt at the vendor; with many concurrent requests over the pool (10,000
        # gets over 100 connections) it ran past the attempt timeout as PoolTimeout.
        # The caller bounds that wait by how many requests it starts at once.
        return httpx.Timeout(timeouts.total, connect=timeouts.connect, pool=None)

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

    def read(self, resp: httpx.Response, deadline: float) -> _BodyReader:
        """What collects ``resp``'s body from its raw chunks, within the size cap and
        ``deadline`` (``time.monotonic`` seconds)."""
        return _BodyReader(
            encoding=resp.headers.get("content-encoding", ""),
            cap=self.max_response_bytes,
            is_error=resp.status_code >= 400,
            deadline=deadline,
        )

    def read_whole(self, resp: httpx.Response, deadline: float) -> bytes:
        """The body of an answer already in memory (from a mock or in-process transport,
        which httpx reads and decodes as it is made), within the same cap and deadline."""
        return whole_body(
            resp.content,
            cap=self.max_response_bytes,
            is_error=resp.status_code >= 400,
            deadline=deadline,
        )

    def to_response(self, resp: httpx.Response, content: bytes | None = None) -> Response:
        """``resp`` as a :class:`Response`; ``content`` is its body as read (default: the
        body httpx holds, for a response already read)."""
        return Response(
            status_code=resp.status_code,
            # httpx already lower-cases the names items() returns.
            headers=dict(resp.headers.items()),
            content=resp.content if content is None else content,
            provider=self.spec.name,
        )

    def _error_for(self, reply: Response) -> ProviderError:
        """The adapter's error for an error answer; one whose body it cannot read (JSON
        nested too deep, say) is still the error its status says, so retries go on."""
        try:
            return self.adapter.error_for(reply)
        except Exception:
            return unreadable_error(self.spec.name, reply.status_code, reply.text)

    def _hidden(self, request: Request | None) -> tuple[str, ...]:
        """What no error may show: the API key, and the credential URL being sent."""
        hide = [self.settings.api_key.get_secret_value()]
        if request is not None and request.is_absolute:
            hide.append(request.path)
        return tuple(h for h in hide if len(h) >= 6)

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

    def transport_error(
        self, request: Request, exc: Exception, sent: bool | None = None
    ) -> TransportError:
        url = self.shown_url(request)
        what = f"{request.method} {url}"
        ambiguous = not never_sent(exc) if sent is None else sent
        detail = describe(exc, (*self._hidden(request), self.url_for(request)))
        if isinstance(exc, _Closed) and not ambiguous:
            return TransportError(f"{self.spec.name}: {what} was not sent: {detail}", sent=False)
        if ambiguous and request.safety is Safety.UNSAFE:
            return OutcomeUnknownError(
                f"{self.spec.name}: {what} failed after it was sent ({detail}); "
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
                f"{self.spec.name}: {what} failed after it was sent ({detail}), "
                "also on retries; it may have been applied. Retry with the same key: "
                f"provider_options={{{self.spec.name!r}: {{'idempotency_key': "
                "error.idempotency_key}}",
                method=request.method,
                url=url,
                json=request.json,
                idempotency_key=request.idempotency_key,
            )
        return TransportError(
            f"{self.spec.name}: {what} failed: {detail}. Check the network and base_url",
            sent=ambiguous,
        )


def _attempt_timeout(timeout: httpx.Timeout, budget: float) -> httpx.Timeout:
    """httpx's per-step timeouts for one attempt, none longer than the attempt's budget."""

    def cap(value: float | None) -> float:
        return budget if value is None else min(value, budget)

    return httpx.Timeout(
        connect=cap(timeout.connect),
        read=cap(timeout.read),
        write=cap(timeout.write),
        # Waiting for a pooled connection is queueing in this process, not work with the
        # vendor: it stays unbounded (see Engine.timeout_for), and the attempt's clock
        # starts once a connection is assigned (client.AttemptClock).
        pool=None if timeout.pool is None else min(timeout.pool, budget),
    )
