"""``Client`` and ``AsyncClient``: drive adapter plans over httpx.

Everything that is the same for every vendor lives here, once: authentication, base URL,
timeouts, the retry loop, logging, and the unsupported-field policy. The adapter only
translates. The sync and async clients share all of it through :class:`_Engine`; each
writes out only the few lines that send a request and sleep.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

import attrs
import httpx

from callswitch._retry import RetryPolicy, never_sent
from callswitch._version import __version__
from callswitch.capabilities import (
    CONTROL_FIELDS,
    PRIVACY_CAPABILITIES,
    UPDATE_FIELDS,
    Capabilities,
    Capability,
)
from callswitch.config import Settings, Timeouts
from callswitch.errors import (
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


class _HideCredentialUrls(logging.Filter):
    """Redacts credential URLs (absolute, unauthenticated plan URLs) from httpx's log lines.

    httpx logs every request URL at INFO; a control URL in a log is a way into a live call.
    """

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.urls and isinstance(record.args, tuple):
            record.args = tuple(
                _redact_url(str(arg)) if str(arg) in self.urls else arg for arg in record.args
            )
        return True

    def remember(self, url: str) -> None:
        if len(self.urls) > 10_000:  # bounded: old calls' URLs are dead anyway
            self.urls.clear()
        self.urls.add(url)


_credential_urls = _HideCredentialUrls()
logging.getLogger("httpx").addFilter(_credential_urls)


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


class _Engine:
    """The vendor-neutral work of a client that does not depend on sync or async."""

    def __init__(self, spec: ProviderSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.adapter: Adapter = spec.load_adapter()(spec.capabilities)
        self.capabilities: Capabilities = spec.capabilities
        self.retry = RetryPolicy(max_retries=settings.max_retries)
        self._auth = self.adapter.auth_headers(settings.api_key.get_secret_value())
        self._base_headers = {"User-Agent": f"callswitch/{__version__}"}

    # -- policy -------------------------------------------------------------------------
    def require(self, capability: Capability) -> None:
        if not self.capabilities.supports(capability):
            row = self.capabilities[capability]
            raise UnsupportedCapabilityError(self.spec.name, (capability.value,), row.note)

    def split_fields(
        self, model: CallUpdate | LiveControl, fields: Mapping[str, Capability]
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Apply the unsupported-field policy: (fields to send, capabilities dropped)."""
        requested = model.set_fields()
        if not requested:
            raise InvalidRequestError(
                f"this {type(model).__name__} sets no field; set at least one"
            )
        missing = self.capabilities.unsupported_of(fields[name] for name in requested)
        if not missing:
            return {name: getattr(model, name) for name in requested}, ()
        names = tuple(c.value for c in missing)
        privacy = [c.value for c in missing if c in PRIVACY_CAPABILITIES]
        if self.settings.on_unsupported == "error" or privacy:
            detail = ""
            if privacy and self.settings.on_unsupported == "drop":
                detail = (
                    f"{', '.join(privacy)} changes what is kept about the caller, so it is "
                    'never dropped, even with on_unsupported="drop".'
                )
            notes = "; ".join(f"{c.value}: {self.capabilities[c].note}" for c in missing)
            raise UnsupportedCapabilityError(self.spec.name, names, f"{detail} ({notes})".strip())
        kept = {n: getattr(model, n) for n in requested if fields[n] not in missing}
        warnings.warn(
            f"{self.spec.name} does not support {', '.join(names)}; dropped them and sent "
            "the rest (on_unsupported='drop')",
            UnsupportedCapabilityWarning,
            stacklevel=4,
        )
        return kept, names

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

    # -- HTTP -----------------------------------------------------------------------------
    def url_for(self, request: Request) -> str:
        if request.is_absolute:
            if not request.authenticate:
                _credential_urls.remember(request.path)
            return request.path
        return self.settings.base_url + request.path

    def shown_url(self, request: Request) -> str:
        """The URL as logs and errors show it."""
        url = self.url_for(request)
        return _redact_url(url) if request.is_absolute else url

    def headers_for(self, request: Request) -> dict[str, str]:
        headers = dict(self._base_headers)
        if request.authenticate:
            headers.update(self._auth)
        headers.update(request.headers)
        return headers

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

    def log(self, request: Request, status: int | str, started: float, attempt: int) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s %s %s -> %s in %.1f ms (attempt %d)",
                self.spec.name,
                request.operation or "request",
                request.method,
                self.shown_url(request),
                status,
                (time.monotonic() - started) * 1000,
                attempt,
            )

    def response_error(self, request: Request, response: Response) -> ProviderError:
        """The mapped error for an error answer; a keyed create hands back its key, since
        a 5xx after retries leaves open whether the call was placed."""
        error = self.adapter.error_for(response)
        if request.idempotency_key is not None:
            error.idempotency_key = request.idempotency_key
            error.add_note(
                "To retry without risking a second call, reuse the key: "
                f"provider_options={{{self.spec.name!r}: {{'idempotency_key': "
                "error.idempotency_key}}"
            )
        return error

    def retry_policy(self, base: RetryPolicy, max_retries: int | None) -> RetryPolicy:
        if max_retries is None:
            return base
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(
                f"max_retries must be a whole number >= 0, got {max_retries!r}"
            )
        return attrs.evolve(base, max_retries=max_retries)

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
    ) -> None:
        self._engine = engine
        self._owns_http = http_client is None
        self._http_client: HttpT | None = http_client
        self._timeouts = timeouts or engine.settings.timeout
        self._retry = retry or engine.retry

    def _new_http(self) -> HttpT:
        raise NotImplementedError

    @property
    def _http(self) -> HttpT:
        """The httpx client. One that callswitch owns is made on first use rather than in
        ``connect()``: making it (httpcore's import, a connection pool) was most of what
        ``connect()`` cost, and some clients never send (capability checks, the CLI)."""
        http = self._http_client
        if http is None:
            with _http_lock:
                http = self._http_client
                if http is None:
                    http = self._http_client = self._new_http()
        return http

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
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                "http_client must be an httpx.Client for connect(); use connect_async() "
                "with an httpx.AsyncClient"
            )
        super().__init__(engine, http_client, timeouts, retry)
        self.calls = Calls(self)

    def _new_http(self) -> httpx.Client:
        return httpx.Client(follow_redirects=False, verify=_shared_ssl_context())

    def with_options(
        self, *, timeout: float | Timeouts | None = None, max_retries: int | None = None
    ) -> Client:
        """A client sharing this one's connections, with other timeout or retry settings."""
        clone = Client(
            self._engine,
            self._http,
            Timeouts.coerce(timeout) if timeout is not None else self._timeouts,
            self._engine.retry_policy(self._retry, max_retries),
        )
        return clone

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- driving plans --------------------------------------------------------------------
    def _run(self, plan: Plan[T], first: Request | None = None) -> T:
        engine = self._engine
        try:
            request = next(plan) if first is None else first
            while True:
                try:
                    response = self._send(request)
                except TransportError as exc:
                    # Let the plan say what it had done before (a multi-step live control);
                    # a plan that does not catch it re-raises the same error.
                    request = plan.throw(exc)
                    continue
                if response.is_error:
                    request = plan.throw(engine.response_error(request, response))
                else:
                    request = plan.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            plan.close()

    def _send(self, request: Request) -> Response:
        engine = self._engine
        url = engine.url_for(request)
        headers = engine.headers_for(request)
        timeout = engine.timeout_for(self._timeouts)
        first = time.monotonic()
        retry_number = 0
        while True:
            retry_number += 1
            started = time.monotonic()
            try:
                resp = self._http.request(
                    request.method,
                    url,
                    json=request.json,
                    params=dict(request.params) or None,
                    headers=headers,
                    timeout=timeout,
                )
            except httpx.TransportError as exc:
                engine.log(request, type(exc).__name__, started, retry_number)
                wait = self._retry.after_exception(
                    exc, request.safety, retry_number, time.monotonic() - first
                )
                if wait is None:
                    raise engine.transport_error(request, exc) from None
                time.sleep(wait)
                continue
            response = engine.to_response(resp)
            engine.log(request, response.status_code, started, retry_number)
            if not response.is_error:
                return response
            wait = self._retry.after_status(
                response.status_code,
                request.safety,
                retry_number,
                _retry_after(engine, response),
                time.monotonic() - first,
            )
            if wait is None:
                return response
            time.sleep(wait)


class AsyncClient(_BaseClient[httpx.AsyncClient]):
    """An asynchronous client; the same surface as :class:`Client`, awaitable."""

    def __init__(
        self,
        engine: _Engine,
        http_client: httpx.AsyncClient | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError(
                "http_client must be an httpx.AsyncClient for connect_async(); use "
                "connect() with an httpx.Client"
            )
        super().__init__(engine, http_client, timeouts, retry)
        self.calls = AsyncCalls(self)

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(follow_redirects=False, verify=_shared_ssl_context())

    def with_options(
        self, *, timeout: float | Timeouts | None = None, max_retries: int | None = None
    ) -> AsyncClient:
        """A client sharing this one's connections, with other timeout or retry settings."""
        return AsyncClient(
            self._engine,
            self._http,
            Timeouts.coerce(timeout) if timeout is not None else self._timeouts,
            self._engine.retry_policy(self._retry, max_retries),
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _run(self, plan: Plan[T], first: Request | None = None) -> T:
        engine = self._engine
        try:
            request = next(plan) if first is None else first
            while True:
                try:
                    response = await self._send(request)
                except TransportError as exc:
                    # Let the plan say what it had done before (a multi-step live control);
                    # a plan that does not catch it re-raises the same error.
                    request = plan.throw(exc)
                    continue
                if response.is_error:
                    request = plan.throw(engine.response_error(request, response))
                else:
                    request = plan.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            plan.close()

    async def _send(self, request: Request) -> Response:
        import anyio

        engine = self._engine
        url = engine.url_for(request)
        headers = engine.headers_for(request)
        timeout = engine.timeout_for(self._timeouts)
        first = time.monotonic()
        retry_number = 0
        while True:
            retry_number += 1
            started = time.monotonic()
            try:
                resp = await self._http.request(
                    request.method,
                    url,
                    json=request.json,
                    params=dict(request.params) or None,
                    headers=headers,
                    timeout=timeout,
                )
            except httpx.TransportError as exc:
                engine.log(request, type(exc).__name__, started, retry_number)
                wait = self._retry.after_exception(
                    exc, request.safety, retry_number, time.monotonic() - first
                )
                if wait is None:
                    raise engine.transport_error(request, exc) from None
                await anyio.sleep(wait)
                continue
            response = engine.to_response(resp)
            engine.log(request, response.status_code, started, retry_number)
            if not response.is_error:
                return response
            wait = self._retry.after_status(
                response.status_code,
                request.safety,
                retry_number,
                _retry_after(engine, response),
                time.monotonic() - first,
            )
            if wait is None:
                return response
            await anyio.sleep(wait)


def _retry_after(engine: _Engine, response: Response) -> float | None:
    if response.status_code not in (429, 503):
        return None
    error = engine.adapter.error_for(response)
    return getattr(error, "retry_after", None) or _header_retry_after(response)


def _header_retry_after(response: Response) -> float | None:
    return parse_retry_after(response.headers)


# ------------------------------------------------------------------ the calls namespace


ResultT = TypeVar("ResultT", UpdateResult, ControlResult)


def _with_dropped(result: ResultT, dropped: tuple[str, ...]) -> ResultT:
    """``result`` with ``dropped`` added (the result itself when nothing was dropped)."""
    if not dropped:
        return result
    return result.model_copy(update={"dropped": result.dropped + dropped})


def _known(plan: Plan[T] | None) -> Plan[T]:
    assert plan is not None, "a primed request always comes with its plan"
    return plan


class _CallsBase:
    def __init__(self, engine: _Engine) -> None:
        self._e = engine

    def _plan_get(self, call_id: str) -> Plan[Call]:
        self._e.require(Capability.CALLS_GET)
        return self._e.adapter.get(check_call_id(call_id))

    def _first_page(
        self, limit: int | None, filters: Mapping[str, Any]
    ) -> tuple[int, Plan[Page[Call]] | None, Request | Page[Call] | None]:
        """Validate a listing now, not at the first iteration: the first page's plan is
        started (which checks the filters) before anything is sent."""
        self._e.require(Capability.CALLS_LIST)
        self._e.check_filters(filters)
        size = self._page_size(limit)
        if limit == 0:
            return size, None, None
        plan = self._e.adapter.list_page(filters=filters, page_size=size, cursor=None)
        try:
            return size, plan, next(plan)
        except StopIteration as stop:  # a plan that needed no request
            page: Page[Call] = stop.value
            return size, None, page

    def _page_size(self, limit: int | None) -> int:
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise InvalidRequestError(f"limit must be a whole number >= 0 or None, got {limit!r}")
        size = self._e.adapter.default_page_size
        return min(size, limit) if limit else size

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
    ) -> tuple[Plan[UpdateResult] | None, tuple[str, ...]]:
        if not isinstance(update, CallUpdate):
            raise InvalidRequestError(
                f"calls.update takes a CallUpdate, got {type(update).__name__}"
            )
        self._e.require(Capability.CALLS_UPDATE)
        safe_id = check_call_id(call_id)
        kept, dropped = self._e.split_fields(update, UPDATE_FIELDS)
        options = self._e.options_for(provider_options)
        if not kept:
            return None, dropped
        # Nothing dropped: the caller's (frozen, validated) model is the one to send.
        to_send = update if not dropped else CallUpdate(**kept)
        return self._e.adapter.update(safe_id, to_send, options), dropped

    def _plan_control(
        self, call_id: str, control: LiveControl, provider_options: ProviderOptions
    ) -> tuple[Plan[ControlResult] | None, tuple[str, ...]]:
        if not isinstance(control, LiveControl):
            raise InvalidRequestError(
                f"calls.control takes a LiveControl, got {type(control).__name__}"
            )
        safe_id = check_call_id(call_id)
        if not self._e.capabilities.supports(Capability.CALLS_CONTROL):
            # Name every capability the request needs, not just the operation.
            wanted = tuple(CONTROL_FIELDS[f] for f in control.set_fields())
            if self._e.settings.on_unsupported == "error":
                note = self._e.capabilities[Capability.CALLS_CONTROL].note
                raise UnsupportedCapabilityError(
                    self._e.spec.name, tuple(c.value for c in wanted), note
                )
        kept, dropped = self._e.split_fields(control, CONTROL_FIELDS)
        options = self._e.options_for(provider_options)
        if not kept:
            return None, dropped
        if (
            "trigger_response" in kept
            and "inject_context" not in kept
            and ("inject_context" in control.set_fields())
        ):
            # The context it was to answer was dropped; answering without it is not asked for.
            dropped = (*dropped, Capability.CONTROL_TRIGGER_RESPONSE.value)
            kept.pop("trigger_response")
            if not kept:
                return None, dropped
        # Nothing dropped: the caller's (frozen, validated) model is the one to send.
        to_send = control if not dropped else LiveControl(**kept)
        return self._e.adapter.control(safe_id, to_send, options), dropped

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
        self._client = client

    def get(self, call_id: str) -> Call:
        """The call with this id. Raises NotFoundError when the vendor does not know it."""
        return self._client._run(self._plan_get(call_id))

    def list(self, limit: int | None = None, **filters: Any) -> Iterator[Call]:
        """Calls, newest first where the vendor allows, fetched a page at a time as you
        iterate. ``limit`` caps the total; filters: status, agent_id, direction,
        created_after, created_before (those the vendor supports). Bad filters raise here,
        before anything is sent."""
        return self._iterate(limit, filters, *self._first_page(limit, filters))

    def _iterate(
        self,
        limit: int | None,
        filters: Mapping[str, Any],
        size: int,
        plan: Plan[Page[Call]] | None,
        first: Request | Page[Call] | None,
    ) -> Iterator[Call]:
        if first is None:
            return
        page = first if isinstance(first, Page) else self._client._run(_known(plan), first)
        produced = 0
        while True:
            for call in page.items:
                yield call
                produced += 1
                if limit is not None and produced >= limit:
                    return
            if page.next_cursor is None or not page.items:
                return
            next_plan = self._e.adapter.list_page(
                filters=filters, page_size=size, cursor=page.next_cursor
            )
            page = self._client._run(next_plan)

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
        return self._client._run(
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
        return self._client._run(
            self._plan_create_web(agent_id, variables, metadata, provider_options)
        )

    def update(
        self, call_id: str, update: CallUpdate, *, provider_options: ProviderOptions = None
    ) -> UpdateResult:
        """Change the call's record (and the live call, where the vendor needs that)."""
        plan, dropped = self._plan_update(call_id, update, provider_options)
        if plan is None:
            return UpdateResult(dropped=dropped)
        result = self._client._run(plan)
        return _with_dropped(result, dropped)

    def control(
        self, call_id: str, control: LiveControl, *, provider_options: ProviderOptions = None
    ) -> ControlResult:
        """Steer a call in progress. Never retried once it may have reached the vendor."""
        plan, dropped = self._plan_control(call_id, control, provider_options)
        if plan is None:
            return ControlResult(call_id=call_id, dropped=dropped)
        result = self._client._run(plan)
        return _with_dropped(result, dropped)

    def end(self, call_id: str) -> None:
        """Hang up a call in progress."""
        self._client._run(self._plan_end(call_id))

    def delete(self, call_id: str) -> None:
        """Delete the call's record at the vendor (does not hang up)."""
        self._client._run(self._plan_delete(call_id))


class AsyncCalls(_CallsBase):
    """``client.calls`` on an :class:`AsyncClient`: the same operations, awaitable."""

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client._engine)
        self._client = client

    async def get(self, call_id: str) -> Call:
        return await self._client._run(self._plan_get(call_id))

    def list(self, limit: int | None = None, **filters: Any) -> AsyncIterator[Call]:
        """Calls, a page at a time as you ``async for`` over them. Bad filters raise here."""
        return self._iterate(limit, filters, *self._first_page(limit, filters))

    async def _iterate(
        self,
        limit: int | None,
        filters: Mapping[str, Any],
        size: int,
        plan: Plan[Page[Call]] | None,
        first: Request | Page[Call] | None,
    ) -> AsyncIterator[Call]:
        if first is None:
            return
        if isinstance(first, Page):
            page = first
        else:
            page = await self._client._run(_known(plan), first)
        produced = 0
        while True:
            for call in page.items:
                yield call
                produced += 1
                if limit is not None and produced >= limit:
                    return
            if page.next_cursor is None or not page.items:
                return
            next_plan = self._e.adapter.list_page(
                filters=filters, page_size=size, cursor=page.next_cursor
            )
            page = await self._client._run(next_plan)

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
        return await self._client._run(
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
        return await self._client._run(
            self._plan_create_web(agent_id, variables, metadata, provider_options)
        )

    async def update(
        self, call_id: str, update: CallUpdate, *, provider_options: ProviderOptions = None
    ) -> UpdateResult:
        plan, dropped = self._plan_update(call_id, update, provider_options)
        if plan is None:
            return UpdateResult(dropped=dropped)
        result = await self._client._run(plan)
        return _with_dropped(result, dropped)

    async def control(
        self, call_id: str, control: LiveControl, *, provider_options: ProviderOptions = None
    ) -> ControlResult:
        plan, dropped = self._plan_control(call_id, control, provider_options)
        if plan is None:
            return ControlResult(call_id=call_id, dropped=dropped)
        result = await self._client._run(plan)
        return _with_dropped(result, dropped)

    async def end(self, call_id: str) -> None:
        await self._client._run(self._plan_end(call_id))

    async def delete(self, call_id: str) -> None:
        await self._client._run(self._plan_delete(call_id))
