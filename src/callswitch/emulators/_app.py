"""The :class:`Emulator` base class: one vendor's API as an ASGI application.

For each request it records the request, applies a queued fault, checks the bearer key
and hands the request to the vendor's Starlette routes; requests under ``/_emulator/`` go
to the test-control API instead. The call records live in the :class:`CallStore` it
extends; faults, the request log, the control API and the client factory are each in a
module of their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from callswitch.emulators._asgi import (
    Message,
    Receive,
    Scope,
    Send,
    discard,
    drop,
    lifespan,
    read_body,
    replay,
)
from callswitch.emulators._asgi import json_body as _json_body
from callswitch.emulators._clients import ClientFactory, env_for
from callswitch.emulators._control import CONTROL_PREFIX, control_routes
from callswitch.emulators._faults import Fault, FaultQueue, default_fault_message
from callswitch.emulators._requestlog import RequestLog
from callswitch.emulators._store import CallStore
from callswitch.emulators._ticker import Ticker
from callswitch.emulators._transport import AsyncEmulatorTransport, EmulatorTransport

if TYPE_CHECKING:
    from callswitch.client import AsyncClient, Client

from callswitch.emulators._webhooks import (
    Delivery,
    WebhookSender,
    check_webhook_options,
    signer_for,
)

__all__ = ["Emulator"]


class Emulator(CallStore):
    """One vendor's API served from memory; an ASGI application.

    Subclasses set :attr:`name` and implement :meth:`routes`, :meth:`error_response`,
    :meth:`new_call`, :meth:`apply_status` and :meth:`vendor_status`. Handlers keep call
    records (plain dicts in the vendor's JSON shape) in :attr:`calls`, under :attr:`lock`.

    ``api_key``: when set, only that bearer key is accepted; otherwise any non-empty key.
    """

    #: The provider name, as the plugin registers it.
    name: ClassVar[str] = ""
    #: A base URL that names the emulator when it is used in process (no socket).
    in_process_host: ClassVar[str] = "emulator.invalid"

    #: Headers whose values are credentials: the request log keeps only that they were
    #: sent. An emulator adds its vendor's own (lower case).
    secret_headers: frozenset[str] = frozenset({"authorization", "x-api-key", "cookie"})

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self._faults = FaultQueue(self.lock)
        self._log = RequestLog(self.lock)
        self._router = Starlette(routes=[*control_routes(self), *self.routes()])
        #: Set by :func:`callswitch.emulators.running` while the emulator is on a socket.
        self.socket_url: str | None = None
        self._clients = ClientFactory(self)
        self._webhooks: WebhookSender | None = None
        # Applies the timers on time while the emulator is served (ASGI lifespan).
        self._ticker = Ticker(self, f"callswitch-emulator-{self.name}")

    # -- reaching the emulator ----------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The URL clients use: the socket's while it is served, else the in-process one
        (which only answers through :meth:`transport` / :meth:`async_transport`)."""
        return self.socket_url or f"http://{self.name}.{self.in_process_host}"

    def transport(self) -> EmulatorTransport:
        """A sync httpx transport into this app, shared by everything that asks."""
        return self._clients.transport()

    def async_transport(self) -> AsyncEmulatorTransport:
        """A new async httpx transport into this app."""
        return self._clients.async_transport()

    def connect(self, *, api_key: str = "emulator-key", **options: Any) -> Client:
        """A :class:`callswitch.Client` for this emulator (in process unless it is served)."""
        return self._clients.connect(
            self.name,
            self.base_url,
            in_process=self.socket_url is None,
            api_key=api_key,
            **options,
        )

    def connect_async(self, *, api_key: str = "emulator-key", **options: Any) -> AsyncClient:
        """A :class:`callswitch.AsyncClient` for this emulator (in process unless served).

        In process, the client's httpx.AsyncClient is yours to close (``await
        client.aclose()`` does not close a client it was given).
        """
        return self._clients.connect_async(
            self.name,
            self.base_url,
            in_process=self.socket_url is None,
            api_key=api_key,
            **options,
        )

    def env(self, api_key: str = "emulator-key") -> dict[str, str]:
        """Environment variables that point ``callswitch.connect()`` at this emulator.

        Needs the emulator on a socket: a new client built from them has no way into an
        in-process app.
        """
        if self.socket_url is None:
            raise RuntimeError(
                "env() needs the emulator on a socket; use callswitch.emulators.running(...)"
            )
        return env_for(self.name, self.socket_url, api_key)

    def close(self) -> None:
        """Close the in-process transport, the clients :meth:`connect` made, the ticker
        of a served emulator and the webhook sender (deliveries still queued are
        dropped: :meth:`wait_webhooks`)."""
        self._ticker.close()
        self._clients.close()
        sender, self._webhooks = self._webhooks, None
        if sender is not None:
            sender.close()

    # -- webhooks -----------------------------------------------------------------------
    def set_webhooks(
        self,
        url: str,
        secret: str,
        *,
        duplicates: int = 0,
        transport: httpx.BaseTransport | None = None,
        **retry: float,
    ) -> None:
        """POST the vendor's webhook, signed with ``secret``, to ``url`` on each change of
        a call's status, plus ``duplicates`` extra copies. Sent from a background thread,
        retried on non-2xx answers (``attempts``, ``backoff``, ``max_backoff`` in
        ``retry``; ``max_queue`` and ``max_log`` bound the waiting deliveries and the
        log, see :attr:`webhook_drops`). ``transport`` is an httpx transport to send
        through (tests)."""
        check_webhook_options(url, secret, duplicates)
        sender = WebhookSender(
            url,
            signer_for(self.name, secret),
            duplicates=duplicates,
            transport=transport,
            **retry,  # type: ignore[arg-type]
        )
        with self.lock:
            old, self._webhooks = self._webhooks, sender
            if old is None:
                self.add_status_hook(self._send_webhooks)
        if old is not None:
            old.close()

    def _send_webhooks(self, call: dict[str, Any], before: str, after: str) -> None:
        sender = self._webhooks
        if sender is None:
            return
        for event, payload in self.webhook_payloads(call, before, after):
            sender.send(event, self.call_id(call), payload)

    def webhook_payloads(
        self, call: dict[str, Any], before: str, after: str
    ) -> list[tuple[str, dict[str, Any]]]:
        """The vendor's webhooks for a status change, as ``(event name, payload)``: none by
        default; a vendor emulator overrides this. Called under the lock; copy ``call``."""
        return []

    def wait_webhooks(self, timeout: float = 30.0) -> bool:
        """Block until every webhook queued so far was delivered or given up."""
        sender = self._webhooks
        return True if sender is None else sender.wait(timeout)

    @property
    def webhook_log(self) -> list[Delivery]:
        """Each webhook delivery finished so far (event, copy, attempts, last status); the
        last ``max_log`` (10,000 by default) of them."""
        sender = self._webhooks
        return [] if sender is None else sender.log

    @property
    def webhook_drops(self) -> dict[str, int]:
        """``{"unsent": n, "log": m}``: deliveries dropped without being sent (the queue
        of ``max_queue``, 10,000 by default, was full, or the emulator was closed), and
        finished ones pushed out of :attr:`webhook_log`."""
        sender = self._webhooks
        if sender is None:
            return {"unsent": 0, "log": 0}
        return {"unsent": sender.dropped, "log": sender.log_dropped}

    # -- what a vendor supplies (and the CallStore hooks) -------------------------------
    def routes(self) -> list[BaseRoute]:
        """The vendor's endpoints."""
        raise NotImplementedError

    def error_response(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        """An error answer in the vendor's shape."""
        raise NotImplementedError

    def requires_auth(self, method: str, path: str) -> bool:
        """Whether ``path`` needs the bearer key (a Vapi control URL does not)."""
        return True

    # -- faults and the request log (the same things the control API does) -------------
    def add_fault(self, fault: Fault | None = None, **fields: Any) -> Fault:
        """Queue a fault (a :class:`Fault`, or its fields as keywords)."""
        item = fault if fault is not None else Fault(**fields)
        self._faults.add(item)
        return item

    def clear_faults(self) -> int:
        return self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return self._faults.items()

    @property
    def requests(self) -> list[dict[str, Any]]:
        """What the emulator received (control-API calls excluded), oldest first."""
        return self._log.entries()

    def requests_json(self) -> bytes:
        """:attr:`requests` as ``{"requests": [...]}`` JSON, for the control API."""
        return self._log.to_json()

    def clear_requests(self) -> None:
        self._log.clear()

    def reset(self) -> None:
        """Forget every call, fault and logged request."""
        with self.lock:
            self.calls.clear()
            self._connected.clear()
            self._network.clear()
            self._faults.clear()
            self._log.clear()

    # -- helpers for vendor handlers ----------------------------------------------------
    @staticmethod
    async def json_body(request: Request, *, required: bool = True) -> Any:
        """The parsed JSON body; JSONBodyError when it is missing or malformed."""
        return await _json_body(request, required=required)

    # -- ASGI ---------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                # Served: the callees hang up on time, not only when someone looks.
                await lifespan(
                    receive, send, startup=self._ticker.start, shutdown=self._ticker.stop
                )
            return
        path: str = scope["path"]
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            self.tick()
            await self._router(scope, receive, send)
            return
        self.tick()
        body = await read_body(receive)
        replayed = replay(body, receive)
        method: str = scope["method"]
        entry = self._log.record(scope, body, self.secret_headers)
        fault = self._faults.take(method, path)
        status_box: list[int] = []

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box.append(int(message["status"]))
            await send(message)

        try:
            if fault is not None:
                entry["fault"] = fault.to_json()
                if fault.delay:
                    await anyio.sleep(fault.delay)
                if fault.drop == "before":
                    entry["status"] = None
                    await drop(receive)
                    return
                if fault.drop == "after":
                    await self._handle(scope, replayed, discard)
                    entry["status"] = None
                    await drop(receive)
                    return
                if fault.status is not None:
                    response = self._fault_response(fault)
                    await response(scope, replayed, send_logged)
                    return
            await self._handle(scope, replayed, send_logged)
        finally:
            # A call the request created starts its timers now, not at the next request.
            self.tick()
            if "status" not in entry:
                entry["status"] = status_box[0] if status_box else None

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        if self.requires_auth(method, path) and not self._authorized(scope):
            response = self.error_response(401, "API key is missing or invalid.")
            await response(scope, receive, send)
            return
        await self._router(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        headers = dict(scope.get("headers") or [])
        value = headers.get(b"authorization", b"").decode("latin-1").strip()
        scheme, _, key = value.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            return False
        return self.api_key is None or secrets.compare_digest(key, self.api_key)

    def _fault_response(self, fault: Fault) -> Response:
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            value = fault.retry_after
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            headers["Retry-After"] = str(value)
        assert fault.status is not None
        if fault.body is not None:
            return JSONResponse(fault.body, status_code=fault.status, headers=headers)
        message = fault.message or default_fault_message(fault.status)
        return self.error_response(fault.status, message, headers)

    def __repr__(self) -> str:
        where = self.socket_url or "in process"
        return f"<{type(self).__name__} {self.name!r} {where}, {len(self.calls)} call(s)>"
