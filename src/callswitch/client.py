"""``Client`` and ``AsyncClient``: drive adapter plans over httpx.

Everything that is the same for every vendor lives here, once: authentication, base URL,
timeouts, the retry loop, logging, and the unsupported-field policy. The adapter only
translates. The retry-and-drive logic is one generator, :meth:`_Engine.drive`, that does
no IO: it yields "send this" and "wait this long" steps and receives what came back. Each
client turns those steps into IO in a few lines: ``Client`` with ``httpx.Client`` and
``time.sleep``, ``AsyncClient`` with ``await`` and ``anyio.sleep``.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import os
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar
from urllib.parse import urlsplit

import attrs
import httpx

from callswitch._retry import RetryPolicy, never_sent
from callswitch._version import __version__
from callswitch._wait import Waiter, WaitFor, sleep_async
from callswitch.capabilities import (
    CONTROL_FIELDS,
    PRIVACY_CAPABILITIES,
    QUALIFIES,
    UPDATE_FIELDS,
    Capabilities,
    Capability,
)
from callswitch.config import Settings, Timeouts
from callswitch.errors import (
    CallswitchError,
    ConfigurationError,
    InvalidRequestError,
    OutcomeUnknownError,
    ProviderError,
    TransportError,
    UnsupportedCapabilityError,
    UnsupportedCapabilityWarning,
)
from callswitch.http import Page, Plan, Request, Response, Safety
from callswitch.models import (
    Call,
    CallUpdate,
    ControlResult,
    LiveControl,
    NewPhoneCall,
    NewWebCall,
    UpdateResult,
)
from callswitch.provider import Adapter, ProviderSpec, check_call_id, parse_retry_after

if TYPE_CHECKING:
    import ssl

__all__ = ["AsyncCalls", "AsyncClient", "Calls", "Client"]

logger = logging.getLogger("callswitch.http")
_httpx_logger = logging.getLogger("httpx")

T = TypeVar("T")
HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)

#: Neutral filters ``calls.list`` accepts; each adapter maps those its vendor supports.
LIST_FILTERS = frozenset({"status", "agent_id", "direction", "created_after", "created_before"})

ProviderOptions = Mapping[str, Mapping[str, Any]] | None


def _redact_url(url: str) -> str:
    """Scheme and host only: for absolute URLs a vendor handed out (a control URL), which
    may be credentials themselves."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/..."


#: The credential URL this thread or task is sending right now, if any. Set by
#: :meth:`_Engine._attempts` only around the send of an absolute, unauthenticated plan URL
#: (a control URL), so nothing outside that request is affected and no URL is kept after.
_sending_secret_url: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "callswitch_sending_secret_url", default=None
)


class _HideCredentialUrl(logging.Filter):
    """Redacts the credential URL being sent from httpx's log line for that request.

    httpx logs every request URL at INFO; a control URL in a log is a way into a live call.
    httpx writes that line itself, from the request's real URL, so no per-client hook can
    change it: a filter on the ``httpx`` logger that acts only within the send does.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        url = _sending_secret_url.get()
        if url is not None and isinstance(record.args, tuple):
            record.args = tuple(_redact_url(url) if str(arg) == url else arg for arg in record.args)
        return True


_hide_credential_url = _HideCredentialUrl()


_ssl_lock = threading.Lock()
_ssl_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def _shared_ssl_context() -> ssl.SSLContext:
    """The TLS context httpx builds for ``verify=True``, built once per process.

    Loading the CA bundle is most of the 30-40 ms an ``httpx.Client`` takes to make, and
    every client callswitch makes for itself would load it again. The context is the one
    ``httpx.create_ssl_context()`` returns; it is keyed by the ``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR`` variables that httpx reads, so changing them still takes effect.
    """
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    with _ssl_lock:
        context = _ssl_contexts.get(key)
        if context is None:
            context = _ssl_contexts[key] = httpx.create_ssl_context()
    return context


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
        # Declarations are immutable: what the provider lacks is worked out once.
        self._lacking = frozenset(c for c in Capability if not spec.capabilities.supports(c))
        self.retry = RetryPolicy(max_retries=settings.max_retries)
        base = {"User-Agent": f"callswitch/{__version__}"}
        auth = self.adapter.auth_headers(settings.api_key.get_secret_value())
        # Built once, as httpx.Headers: httpx copies the headers it is given (so requests
        # can share these), and copies a Headers without validating and encoding each
        # name and value again, as it does for a dict on every request.
        self._base_headers = httpx.Headers(base)
        self._auth_headers = httpx.Headers({**base, **auth})

    # -- policy -------------------------------------------------------------------------
    def require(self, capability: Capability) -> None:
        if capability in self._lacking:
            row = self.capabilities[capability]
            raise UnsupportedCapabilityError(self.spec.name, (capability.value,), row.note)

    def split_fields(
        self,
        model: CallUpdate | LiveControl,
        fields: Mapping[str, Capability],
        operation: Capability,
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Apply the unsupported-field policy: (fields to send, capabilities dropped).

        When the provider lacks ``operation`` itself, every field counts as unsupported:
        refused with ``on_unsupported="error"``, all dropped with ``"drop"`` (nothing is
        sent), except privacy fields, which are refused in both modes.
        """
        requested = model.set_fields()
        if not requested:
            raise InvalidRequestError(
                f"this {type(model).__name__} sets no field; set at least one"
            )
        caps, lacking = self.capabilities, self._lacking
        if operation not in lacking:
            missing = tuple(fields[name] for name in requested if fields[name] in lacking)
            if not missing:
                return {name: getattr(model, name) for name in requested}, ()
            notes = "; ".join(f"{c.value}: {caps[c].note}" for c in missing)
        else:
            # Name every capability the request needs, not just the operation.
            missing = tuple(fields[name] for name in requested)
            notes = f"{operation.value}: {caps[operation].note}"
        names = tuple(c.value for c in missing)
        privacy = [c.value for c in missing if c in PRIVACY_CAPABILITIES]
        if self.settings.on_unsupported == "error" or privacy:
            detail = ""
            if privacy and self.settings.on_unsupported == "drop":
                detail = (
                    f"{', '.join(privacy)} changes what is kept about the caller, so it is "
                    'never dropped, even with on_unsupported="drop".'
                )
            raise UnsupportedCapabilityError(self.spec.name, names, f"{detail} ({notes})".strip())
        gone = {n for n in requested if fields[n] in missing}
        # A field that qualifies a dropped one (a trigger for dropped context) goes too.
        along = tuple(n for n in requested if n not in gone and QUALIFIES.get(n) in gone)
        kept = {n: getattr(model, n) for n in requested if n not in gone and n not in along}
        also = tuple(fields[n].value for n in along)
        if operation in lacking:
            what = f"{operation.value}; dropped {', '.join(names)} and sent nothing"
        else:
            with_them = (
                f", and {', '.join(also)}, which only qualifies what was dropped," if also else ""
            )
            what = f"{', '.join(names)}; dropped them{with_them} and sent the rest"
        warnings.warn(
            f"{self.spec.name} does not support {what} (on_unsupported='drop')",
            UnsupportedCapabilityWarning,
            stacklevel=4,
        )
        return kept, names + also

    def options_for(self, provider_options: ProviderOptions) -> Mapping[str, Any]:
        if provider_options is None:
            return {}
        if not isinstance(provider_options, Mapping):
            raise InvalidRequestError(
                "provider_options must map provider names to dicts, e.g. "
                f"provider_options={{{self.spec.name!r}: {{...}}}}"
            )
        options = provider_options.get(self.spec.name) or {}
        if not isinstance(options, Mapping):
            raise InvalidRequestError(f"provider_options[{self.spec.name!r}] must be a dict")
        return options

    def check_filters(self, filters: Mapping[str, Any]) -> None:
        unknown = sorted(set(filters) - LIST_FILTERS)
        if unknown:
            raise InvalidRequestError(
                f"unknown list filter {', '.join(unknown)}; calls.list accepts "
                f"{', '.join(sorted(LIST_FILTERS))}"
            )

    # -- driving plans (no IO) ------------------------------------------------------------
    def drive(
        self,
        plan: Plan[T],
        first: Request | None,
        retry: RetryPolicy,
        timeout: httpx.Timeout,
    ) -> Generator[Step, Reply, T]:
        """Run ``plan`` to its result with retries, as steps a client carries out.

        Yields a :class:`_Send` (reply: the :class:`Response` from :meth:`to_response`,
        or the ``httpx.TransportError`` sending raised) or a float of seconds to wait
        (reply: None). ``first`` is the plan's first request when the caller already primed it.
        A failed request's error is thrown into the plan, so a multi-step plan can say
        what it had done before; a plan that does not catch it re-raises it.
        """
        try:
            request = next(plan) if first is None else first
            while True:
                outcome = yield from self._attempts(request, retry, timeout)
                if isinstance(outcome, Response):
                    request = plan.send(outcome)
                else:
                    request = plan.throw(outcome)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            plan.close()

    def _attempts(
        self, request: Request, retry: RetryPolicy, timeout: httpx.Timeout
    ) -> Generator[Step, Reply, Response | CallswitchError]:
        """Send one request until it succeeds or the policy stops: the success response,
        or the error to throw into the plan."""
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
            _httpx_logger.addFilter(_hide_credential_url)  # added once; a no-op after
        clock = retry.clock
        first = started = clock()
        attempt = 0
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
                    return self.transport_error(request, reply)
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
                if wait is None:
                    return self.with_key(request, error)
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


_http_lock = threading.Lock()


class _BaseClient(Generic[HttpT]):
    def __init__(
        self,
        engine: _Engine,
        http_client: HttpT | None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        parent: _BaseClient[HttpT] | None = None,
    ) -> None:
        self._engine = engine
        #: The client whose connections this one uses (made by ``with_options``).
        self._parent: _BaseClient[HttpT] | None = parent
        self._owns_http = http_client is None and parent is None
        self._http_client: HttpT | None = http_client
        self._closed = False
        self._timeouts = timeouts or engine.settings.timeout
        self._timeout = engine.timeout_for(self._timeouts)
        self._retry = retry or engine.retry

    def _new_http(self) -> HttpT:
        raise NotImplementedError

    def _mark_closed(self) -> HttpT | None:
        """Mark this client closed; the httpx client it must close, if any. Under the
        same lock as :attr:`_http`, so a first request racing ``close()`` in another
        thread either makes its pool before (and it is closed here) or not at all."""
        with _http_lock:
            self._closed = True
            return self._http_client if self._owns_http else None

    @property
    def _http(self) -> HttpT:
        """The httpx client. One that callswitch owns is made on first use rather than in
        ``connect()``: making it (httpcore's import, a connection pool) was most of what
        ``connect()`` cost, and some clients never send (capability checks, the CLI).
        A client from ``with_options`` uses its parent's, made when either first sends."""
        if self._parent is not None:
            return self._parent._http
        http = self._http_client
        if http is None:
            with _http_lock:
                http = self._http_client
                if http is None:
                    if self._closed:
                        # What httpx says for a closed client, rather than a new pool that
                        # nothing would close.
                        raise RuntimeError(
                            "this callswitch client is closed; make a new one to send"
                        )
                    http = self._http_client = self._new_http()
        return http

    def _options(
        self,
        timeout: float | Timeouts | None,
        max_retries: int | None,
        sleep: Callable[[float], object] | None,
        clock: Callable[[], float] | None,
    ) -> tuple[Timeouts, RetryPolicy]:
        timeouts = Timeouts.coerce(timeout) if timeout is not None else self._timeouts
        return timeouts, self._engine.retry_policy(self._retry, max_retries, sleep, clock)

    @property
    def provider(self) -> str:
        """The provider this client talks to, e.g. ``"retell"``."""
        return self._engine.spec.name

    @property
    def capabilities(self) -> Capabilities:
        """What this provider can do, one :class:`~callswitch.Support` row per capability."""
        return self._engine.capabilities

    @property
    def base_url(self) -> str:
        return self._engine.settings.base_url

    def supports(self, capability: str | Capability) -> bool:
        """Whether the provider supports ``capability`` (a name like ``"control.say"``)."""
        return self._engine.capabilities.supports(capability)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} provider={self.provider!r} base_url={self.base_url!r}>"


class Client(_BaseClient[httpx.Client]):
    """A synchronous client for one provider. Make one with :func:`callswitch.connect`."""

    def __init__(
        self,
        engine: _Engine,
        http_client: httpx.Client | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        parent: _BaseClient[httpx.Client] | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                "http_client must be an httpx.Client for connect(); use connect_async() "
                "with an httpx.AsyncClient"
            )
        super().__init__(engine, http_client, timeouts, retry, parent)
        self.calls = Calls(self)

    def _new_http(self) -> httpx.Client:
        return httpx.Client(follow_redirects=False, verify=_shared_ssl_context())

    def with_options(
        self,
        *,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> Client:
        """A client sharing this one's connections, with other timeout or retry settings.

        ``sleep`` replaces how the client waits between attempts (default ``time.sleep``)
        and ``clock`` how it reads monotonic time for the retry deadline: for tests that
        record waits instead of sleeping, or for other schedulers.
        """
        timeouts, retry = self._options(timeout, max_retries, sleep, clock)
        return Client(self._engine, None, timeouts, retry, parent=self._parent or self)

    def close(self) -> None:
        """Close the connections, if callswitch made them (never a caller's client).
        A client that never sent has none to close, and none is made to close it."""
        if (http := self._mark_closed()) is not None:
            http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, plan: Plan[T], first: Request | None = None) -> T:
        """Carry out the steps of :meth:`_Engine.drive`: send with httpx, wait with sleep."""
        steps = self._engine.drive(plan, first, self._retry, self._timeout)
        to_response = self._engine.to_response
        reply: Reply = None
        try:
            while True:
                step = steps.send(reply)
                if isinstance(step, _Send):
                    try:
                        reply = to_response(
                            self._http.request(
                                step.method,
                                step.url,
                                json=step.json,
                                params=step.params,
                                headers=step.headers,
                                timeout=step.timeout,
                            )
                        )
                    except httpx.TransportError as exc:
                        reply = exc
                else:
                    (self._retry.sleep or time.sleep)(step)
                    reply = None
        except StopIteration as stop:
            result: T = stop.value
            return result
        except BaseException:
            steps.close()  # the plan is closed too (its finally blocks run)
            raise


class AsyncClient(_BaseClient[httpx.AsyncClient]):
    """An asynchronous client; the same surface as :class:`Client`, awaitable."""

    def __init__(
        self,
        engine: _Engine,
        http_client: httpx.AsyncClient | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        parent: _BaseClient[httpx.AsyncClient] | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError(
                "http_client must be an httpx.AsyncClient for connect_async(); use "
                "connect() with an httpx.Client"
            )
        super().__init__(engine, http_client, timeouts, retry, parent)
        self.calls = AsyncCalls(self)

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(follow_redirects=False, verify=_shared_ssl_context())

    def with_options(
        self,
        *,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> AsyncClient:
        """A client sharing this one's connections, with other timeout or retry settings.

        ``sleep`` (default ``anyio.sleep``) may be a coroutine function or a plain callable
        such as ``waits.append``; ``clock`` as for :meth:`Client.with_options`.
        """
        timeouts, retry = self._options(timeout, max_retries, sleep, clock)
        return AsyncClient(self._engine, None, timeouts, retry, parent=self._parent or self)

    async def aclose(self) -> None:
        """Close the connections, if callswitch made them (never a caller's client).
        A client that never sent has none to close, and none is made to close it."""
        if (http := self._mark_closed()) is not None:
            await http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _run(self, plan: Plan[T], first: Request | None = None) -> T:
        """Carry out the steps of :meth:`_Engine.drive`, awaiting the sends and waits."""
        steps = self._engine.drive(plan, first, self._retry, self._timeout)
        to_response = self._engine.to_response
        reply: Reply = None
        try:
            while True:
                step = steps.send(reply)
                if isinstance(step, _Send):
                    try:
                        reply = to_response(
                            await self._http.request(
                                step.method,
                                step.url,
                                json=step.json,
                                params=step.params,
                                headers=step.headers,
                                timeout=step.timeout,
                            )
                        )
                    except httpx.TransportError as exc:
                        reply = exc
                else:
                    await _async_sleep(self._retry.sleep, step)
                    reply = None
        except StopIteration as stop:
            result: T = stop.value
            return result
        except BaseException:
            steps.close()  # the plan is closed too (its finally blocks run)
            raise


async def _async_sleep(sleep: Callable[[float], object] | None, seconds: float) -> None:
    if sleep is None:
        import anyio  # only when a retry waits: not every application needs it loaded

        await anyio.sleep(seconds)
        return
    waited = sleep(seconds)
    if inspect.isawaitable(waited):
        await waited


def _retry_after(error: ProviderError, response: Response) -> float | None:
    """Seconds the vendor asked to wait: from the body (what the adapter read, such as a
    reset time) or the Retry-After headers. Read for 429 and 503 only."""
    if response.status_code not in (429, 503):
        return None
    return getattr(error, "retry_after", None) or parse_retry_after(response.headers)


# ------------------------------------------------------------------ the calls namespace


ResultT = TypeVar("ResultT", UpdateResult, ControlResult)


def _finished(result: T) -> Plan[T]:
    """A plan that sends nothing (everything was dropped) and returns ``result``."""
    return result
    yield  # a generator, like every plan


def _adding_dropped(plan: Plan[ResultT], dropped: tuple[str, ...]) -> Plan[ResultT]:
    """``plan``, with ``dropped`` added to its result."""
    result = yield from plan
    return result.model_copy(update={"dropped": result.dropped + dropped})


class _Listing:
    """Where one ``calls.list`` iteration is: the page bookkeeping the sync and async
    iterators share (no IO). ``plan``/``first`` start the first page, or ``page`` is it."""

    __slots__ = ("_engine", "_filters", "_remaining", "_size", "first", "page", "plan")

    def __init__(self, engine: _Engine, limit: int | None, filters: Mapping[str, Any]) -> None:
        engine.require(Capability.CALLS_LIST)
        engine.check_filters(filters)
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise InvalidRequestError(f"limit must be a whole number >= 0 or None, got {limit!r}")
        size = engine.adapter.default_page_size
        self._engine = engine
        self._filters = filters
        self._size = min(size, limit) if limit else size
        self._remaining = limit
        self.plan: Plan[Page[Call]] | None = None
        self.first: Request | None = None
        self.page: Page[Call] | None = None
        if limit == 0:
            return
        # Validate now, not at the first iteration: starting the first page's plan checks
        # the filters before anything is sent.
        plan = self._next_plan(None)
        try:
            self.first = next(plan)
            self.plan = plan
        except StopIteration as stop:  # a plan that needed no request
            self.page = stop.value

    def _next_plan(self, cursor: Any) -> Plan[Page[Call]]:
        return self._engine.adapter.list_page(
            filters=self._filters, page_size=self._size, cursor=cursor
        )

    def take(self, page: Page[Call]) -> tuple[tuple[Call, ...], Plan[Page[Call]] | None]:
        """The calls of ``page`` to hand out, and the plan for the next page (None: done)."""
        calls = page.items
        if self._remaining is not None:
            calls = calls[: self._remaining]
            self._remaining -= len(calls)
            if self._remaining == 0:
                return calls, None
        if page.next_cursor is None or not page.items:
            return calls, None
        return calls, self._next_plan(page.next_cursor)


class _CallsBase:
    """Validation and plans for every call operation, shared by sync and async."""

    def __init__(self, engine: _Engine) -> None:
        self._e = engine

    def _waiter(
        self, call_id: str, until: WaitFor, timeout: float, poll_interval: float | None, retry: Any
    ) -> Waiter:
        check_call_id(call_id)
        return Waiter(
            self._e.spec.name,
            call_id,
            until,
            timeout=timeout,
            poll_interval=poll_interval,
            clock=retry.clock,
        )

    def _plan_get(self, call_id: str) -> Plan[Call]:
        self._e.require(Capability.CALLS_GET)
        return self._e.adapter.get(check_call_id(call_id))

    def _plan_create_phone(
        self,
        from_number: str | None,
        to_number: str,
        agent_id: str | None,
        variables: Mapping[str, str] | None,
        metadata: Mapping[str, Any] | None,
        provider_options: ProviderOptions,
    ) -> Plan[Call]:
        self._e.require(Capability.CALLS_CREATE_PHONE)
        new = NewPhoneCall(
            from_number=from_number,
            to_number=to_number,
            agent_id=agent_id,
            variables=dict(variables) if variables is not None else None,
            metadata=dict(metadata) if metadata is not None else None,
        )
        return self._e.adapter.create_phone(new, self._e.options_for(provider_options))

    def _plan_create_web(
        self,
        agent_id: str,
        variables: Mapping[str, str] | None,
        metadata: Mapping[str, Any] | None,
        provider_options: ProviderOptions,
    ) -> Plan[Call]:
        self._e.require(Capability.CALLS_CREATE_WEB)
        new = NewWebCall(
            agent_id=agent_id,
            variables=dict(variables) if variables is not None else None,
            metadata=dict(metadata) if metadata is not None else None,
        )
        return self._e.adapter.create_web(new, self._e.options_for(provider_options))

    def _plan_update(
        self, call_id: str, update: CallUpdate, provider_options: ProviderOptions
    ) -> Plan[UpdateResult]:
        if not isinstance(update, CallUpdate):
            raise InvalidRequestError(
                f"calls.update takes a CallUpdate, got {type(update).__name__}"
            )
        safe_id = check_call_id(call_id)
        kept, dropped = self._e.split_fields(update, UPDATE_FIELDS, Capability.CALLS_UPDATE)
        options = self._e.options_for(provider_options)
        if not kept:
            return _finished(UpdateResult(dropped=dropped))
        if not dropped:  # the caller's (frozen, validated) model is the one to send
            return self._e.adapter.update(safe_id, update, options)
        return _adding_dropped(
            self._e.adapter.update(safe_id, CallUpdate(**kept), options), dropped
        )

    def _plan_control(
        self, call_id: str, control: LiveControl, provider_options: ProviderOptions
    ) -> Plan[ControlResult]:
        if not isinstance(control, LiveControl):
            raise InvalidRequestError(
                f"calls.control takes a LiveControl, got {type(control).__name__}"
            )
        safe_id = check_call_id(call_id)
        kept, dropped = self._e.split_fields(control, CONTROL_FIELDS, Capability.CALLS_CONTROL)
        options = self._e.options_for(provider_options)
        if not kept:
            return _finished(ControlResult(call_id=call_id, dropped=dropped))
        if not dropped:  # the caller's (frozen, validated) model is the one to send
            return self._e.adapter.control(safe_id, control, options)
        plan = self._e.adapter.control(safe_id, LiveControl(**kept), options)
        return _adding_dropped(plan, dropped)

    def _plan_end(self, call_id: str) -> Plan[None]:
        self._e.require(Capability.CALLS_END)
        return self._e.adapter.end(check_call_id(call_id))

    def _plan_delete(self, call_id: str) -> Plan[None]:
        self._e.require(Capability.CALLS_DELETE)
        return self._e.adapter.delete(check_call_id(call_id))


class Calls(_CallsBase):
    """``client.calls``: every call operation, synchronous."""

    def __init__(self, client: Client) -> None:
        super().__init__(client._engine)
        self._run = client._run
        self._retry = client._retry

    def get(self, call_id: str) -> Call:
        """The call with this id. Raises NotFoundError when the vendor does not know it."""
        return self._run(self._plan_get(call_id))

    def list(self, limit: int | None = None, **filters: Any) -> Iterator[Call]:
        """Calls, newest first where the vendor allows, fetched a page at a time as you
        iterate. ``limit`` caps the total; filters: status, agent_id, direction,
        created_after, created_before (those the vendor supports). Bad filters raise here,
        before anything is sent."""
        return self._iterate(_Listing(self._e, limit, filters))

    def _iterate(self, listing: _Listing) -> Iterator[Call]:
        page = listing.page
        if listing.plan is not None:
            page = self._run(listing.plan, listing.first)
        while page is not None:
            calls, plan = listing.take(page)
            yield from calls
            page = self._run(plan) if plan is not None else None

    def create_phone(
        self,
        *,
        from_number: str | None = None,
        to_number: str,
        agent_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        """Start an outbound phone call."""
        return self._run(
            self._plan_create_phone(
                from_number, to_number, agent_id, variables, metadata, provider_options
            )
        )

    def create_web(
        self,
        *,
        agent_id: str,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        """Register a web call; ``Call.access_token`` is what the browser joins with."""
        return self._run(self._plan_create_web(agent_id, variables, metadata, provider_options))

    def update(
        self, call_id: str, update: CallUpdate, *, provider_options: ProviderOptions = None
    ) -> UpdateResult:
        """Change the call's record (and the live call, where the vendor needs that)."""
        return self._run(self._plan_update(call_id, update, provider_options))

    def control(
        self, call_id: str, control: LiveControl, *, provider_options: ProviderOptions = None
    ) -> ControlResult:
        """Steer a call in progress. Never retried once it may have reached the vendor."""
        return self._run(self._plan_control(call_id, control, provider_options))

    def end(self, call_id: str) -> None:
        """Hang up a call in progress."""
        self._run(self._plan_end(call_id))

    def delete(self, call_id: str) -> None:
        """Delete the call's record at the vendor (does not hang up)."""
        self._run(self._plan_delete(call_id))

    def wait(
        self,
        call_id: str,
        until: WaitFor,
        *,
        timeout: float = 120.0,
        poll_interval: float | None = None,
    ) -> Call:
        """Poll the call until its status is one of ``until`` (a status or a collection of
        them) and return it. Polls with backoff (0.5 s growing to 5 s) unless
        ``poll_interval`` fixes the pace; every poll is a ``get`` under the retry rules.

        Raises InvalidCallStateError (with ``.call``) when the call reaches a final status
        (ended, failed) not in ``until``, and errors.WaitTimeoutError (with ``.call``)
        after ``timeout`` seconds. Bad arguments raise before anything is sent.
        """
        waiter = self._waiter(call_id, until, timeout, poll_interval, self._retry)
        sleep = self._retry.sleep or time.sleep
        while True:
            step = waiter.after(self.get(call_id))
            if isinstance(step, Call):
                return step
            sleep(step)


class AsyncCalls(_CallsBase):
    """``client.calls`` on an :class:`AsyncClient`: the same operations, awaitable."""

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client._engine)
        self._run = client._run
        self._retry = client._retry

    async def get(self, call_id: str) -> Call:
        return await self._run(self._plan_get(call_id))

    def list(self, limit: int | None = None, **filters: Any) -> AsyncIterator[Call]:
        """Calls, a page at a time as you ``async for`` over them. Bad filters raise here."""
        return self._iterate(_Listing(self._e, limit, filters))

    async def _iterate(self, listing: _Listing) -> AsyncIterator[Call]:
        page = listing.page
        if listing.plan is not None:
            page = await self._run(listing.plan, listing.first)
        while page is not None:
            calls, plan = listing.take(page)
            for call in calls:
                yield call
            page = await self._run(plan) if plan is not None else None

    async def create_phone(
        self,
        *,
        from_number: str | None = None,
        to_number: str,
        agent_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        return await self._run(
            self._plan_create_phone(
                from_number, to_number, agent_id, variables, metadata, provider_options
            )
        )

    async def create_web(
        self,
        *,
        agent_id: str,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        return await self._run(
            self._plan_create_web(agent_id, variables, metadata, provider_options)
        )

    async def update(
        self, call_id: str, update: CallUpdate, *, provider_options: ProviderOptions = None
    ) -> UpdateResult:
        return await self._run(self._plan_update(call_id, update, provider_options))

    async def control(
        self, call_id: str, control: LiveControl, *, provider_options: ProviderOptions = None
    ) -> ControlResult:
        return await self._run(self._plan_control(call_id, control, provider_options))

    async def end(self, call_id: str) -> None:
        await self._run(self._plan_end(call_id))

    async def delete(self, call_id: str) -> None:
        await self._run(self._plan_delete(call_id))

    async def wait(
        self,
        call_id: str,
        until: WaitFor,
        *,
        timeout: float = 120.0,
        poll_interval: float | None = None,
    ) -> Call:
        """As :meth:`Calls.wait`, awaitable; waits with the client's ``sleep``."""
        waiter = self._waiter(call_id, until, timeout, poll_interval, self._retry)
        while True:
            step = waiter.after(await self.get(call_id))
            if isinstance(step, Call):
                return step
            await sleep_async(self._retry.sleep, step)
