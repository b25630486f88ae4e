"""``Client`` and ``AsyncClient``: the public clients, carrying out the engine's steps.

The vendor-neutral work (authentication, base URL, timeouts, the retry loop, logging) is
the engine's (:mod:`callswitch._engine`); checking what the caller asked for is the
resources' (:mod:`callswitch.calls`). The engine drives a plan as one generator that does
no IO: it yields "send this" and "wait this long" steps and receives what came back. Each
client turns those steps into IO in a few lines: ``Client`` with ``httpx.Client`` and
``time.sleep``, ``AsyncClient`` with ``await`` and ``anyio.sleep``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import httpx

from callswitch._attempt_clock import AttemptClock
from callswitch._body import _AttemptTimeout
from callswitch._engine import Reply, _Closed, _Engine, _Failure, _Send
from callswitch._faults import BUILD_ERRORS, SEND_ERRORS
from callswitch._retry import RetryPolicy
from callswitch._tls import _shared_ssl_context
from callswitch._wait import sleep_async
from callswitch.calls import AsyncCalls, Calls
from callswitch.capabilities import Capabilities, Capability
from callswitch.config import Settings, Timeouts
from callswitch.errors import ConfigurationError
from callswitch.http import Plan, Request
from callswitch.names import CapabilityName
from callswitch.provider import ProviderSpec

__all__ = ["AsyncCalls", "AsyncClient", "Calls", "Client"]

T = TypeVar("T")
HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)


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
        settings = engine.settings
        #: The timeout the user chose (connect(), callswitch.toml, with_options), or None:
        #: then each operation's default applies (Adapter.default_timeouts).
        self._chosen_timeouts = timeouts or (settings.timeout if settings.timeout_set else None)
        self._timeouts = self._chosen_timeouts or settings.timeout
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
                        # Refused, rather than a new pool that nothing would close.
                        raise _Closed("this callswitch client is closed; make a new one to send")
                    http = self._http_client = self._new_http()
        return http

    def _is_closed(self) -> bool:
        return self._closed or (self._parent is not None and self._parent._is_closed())

    def _failed(self, exc: Exception, sent: bool | None) -> _Failure:
        """A failed send, as the engine reads it; any failure of a closed client is that."""
        if self._is_closed() and not isinstance(exc, _Closed):
            exc = _Closed("the callswitch client was closed while this request was in flight")
        return _Failure(exc, sent)

    def _build(
        self, http: httpx.Client | httpx.AsyncClient, step: _Send, clock: AttemptClock
    ) -> httpx.Request:
        request = http.build_request(
            step.method,
            step.url,
            json=step.json,
            params=step.params,
            headers=step.headers,
            timeout=step.timeout,
        )
        clock.hook(request.extensions)
        return request

    def _options(
        self,
        timeout: float | Timeouts | None,
        max_retries: int | None,
        sleep: Callable[[float], object] | None,
        clock: Callable[[], float] | None,
    ) -> tuple[Timeouts | None, RetryPolicy]:
        timeouts = Timeouts.coerce(timeout) if timeout is not None else self._chosen_timeouts
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

    def supports(self, capability: CapabilityName | Capability) -> bool:
        """Whether the provider supports ``capability`` (a name like ``"control.say"``;
        a name held in a ``str`` variable: ``Capability.parse(name)``)."""
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

    @classmethod
    def from_spec(
        cls, spec: ProviderSpec, settings: Settings, http_client: httpx.Client | None = None
    ) -> Client:
        """A client for the provider ``spec`` describes, with ``settings`` as given.

        :func:`callswitch.connect` resolves the spec and settings from arguments,
        environment and ``callswitch.toml`` and then calls this; call it yourself to build
        a client for a spec that is not installed (a plugin under test, say) or with
        settings from elsewhere. ``http_client`` is your own ``httpx.Client``, which
        callswitch does not close.
        """
        return cls(_Engine(spec, settings), http_client)

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
        steps = self._engine.drive(
            plan, first, self._retry, self._timeout, chosen=self._chosen_timeouts is not None
        )
        reply: Reply = None
        try:
            while True:
                step = steps.send(reply)
                if isinstance(step, _Send):
                    reply = self._send(step)
                else:
                    (self._retry.sleep or time.sleep)(step)
                    reply = None
        except StopIteration as stop:
            result: T = stop.value
            return result
        except BaseException:
            steps.close()  # the plan is closed too (its finally blocks run)
            raise

    def _send(self, step: _Send) -> Reply:
        """One attempt: the whole answer within ``step.budget`` seconds, or the failure.
        Redirects are never followed (not even by a caller's client), and the body is read
        as a stream within the size cap, checking the time at every chunk."""
        clock = AttemptClock(step.budget)
        try:
            http = self._http
            request = self._build(http, step, clock)
        except BUILD_ERRORS as exc:  # a closed client, a URL or header httpx cannot send
            return self._failed(exc, sent=False)
        try:
            response = http.send(request, stream=True, follow_redirects=False)
        except SEND_ERRORS as exc:
            return self._failed(exc, sent=None)
        try:
            if response.is_stream_consumed:  # in memory already: no chunks to read
                content = self._engine.read_whole(response, clock.deadline())
            else:
                reader = self._engine.read(response, clock.deadline())
                for raw in response.iter_raw():
                    reader.feed(raw)
                    if reader.done:
                        break
                reader.check_time()
                content = reader.content()
            return self._engine.to_response(response, content)
        except SEND_ERRORS as exc:
            return self._failed(exc, sent=True)
        finally:
            response.close()


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

    @classmethod
    def from_spec(
        cls,
        spec: ProviderSpec,
        settings: Settings,
        http_client: httpx.AsyncClient | None = None,
    ) -> AsyncClient:
        """Like :meth:`Client.from_spec`, for asyncio; ``http_client`` is an
        ``httpx.AsyncClient``."""
        return cls(_Engine(spec, settings), http_client)

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
        steps = self._engine.drive(
            plan, first, self._retry, self._timeout, chosen=self._chosen_timeouts is not None
        )
        reply: Reply = None
        try:
            while True:
                step = steps.send(reply)
                if isinstance(step, _Send):
                    reply = await self._send(step)
                else:
                    await sleep_async(self._retry.sleep, step)
                    reply = None
        except StopIteration as stop:
            result: T = stop.value
            return result
        except BaseException:
            steps.close()  # the plan is closed too (its finally blocks run)
            raise

    async def _send(self, step: _Send) -> Reply:
        """As :meth:`Client._send`; the budget is also enforced by a cancel scope, so a
        vendor that trickles its headers cannot hold the attempt either."""
        import anyio

        clock = AttemptClock(step.budget, scope=anyio.CancelScope())
        with clock.scope:
            return await self._exchange(step, clock)
        return self._failed(_AttemptTimeout("no whole answer within the timeout"), sent=True)

    async def _exchange(self, step: _Send, clock: AttemptClock) -> Reply:
        try:
            http = self._http
            request = self._build(http, step, clock)
        except BUILD_ERRORS as exc:
            return self._failed(exc, sent=False)
        try:
            response = await http.send(request, stream=True, follow_redirects=False)
        except SEND_ERRORS as exc:
            return self._failed(exc, sent=None)
        try:
            if response.is_stream_consumed:  # in memory already: no chunks to read
                content = self._engine.read_whole(response, clock.deadline(in_memory=True))
            else:
                reader = self._engine.read(response, clock.deadline())
                async for raw in response.aiter_raw():
                    reader.feed(raw)
                    if reader.done:
                        break
                reader.check_time()
                content = reader.content()
            return self._engine.to_response(response, content)
        except SEND_ERRORS as exc:
            return self._failed(exc, sent=True)
        finally:
            await response.aclose()
