"""The parts every vendor emulator shares: call store, request log, fault queue, control API.

A vendor emulator subclasses :class:`Emulator` and supplies its routes, its error body,
its status names and what a status change does to a call record. The base class is an
ASGI application: it records each request, applies queued faults, checks the bearer key,
and serves the test-control API under ``/_emulator/``, then hands the request to the
vendor's Starlette routes.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any, ClassVar, Literal

import anyio
import attrs
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

__all__ = [
    "NEUTRAL_STATUSES",
    "CallNotFound",
    "ConnectionDropped",
    "Emulator",
    "Fault",
    "JSONBodyError",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: The life-cycle states the control API speaks; each emulator maps them to its own names.
NEUTRAL_STATUSES = ("queued", "ongoing", "ended", "failed")

CONTROL_PREFIX = "/_emulator"


class ConnectionDropped(Exception):
    """Raised inside the app to make the in-process transport report a dropped connection.

    On a uvicorn socket the emulator aborts the TCP connection instead.
    """


class CallNotFound(LookupError):
    """No call with that id in the emulator's store."""


class JSONBodyError(ValueError):
    """The request body is not the JSON the endpoint needs."""


@attrs.define
class Fault:
    """A fault applied to the next ``count`` requests matching ``method`` and ``path``.

    ``path`` is a shell-style pattern (``/v2/update-live-call/*``). Applied in this order:
    wait ``delay`` seconds; then either drop the connection (``drop="before"``: the request
    is not handled; ``drop="after"``: it is handled, its effect kept, and the answer never
    sent), or answer ``status`` with the vendor's error body (and ``Retry-After`` when
    ``retry_after`` is set), or, with neither, handle the request normally (a slow answer).
    """

    method: str = "*"
    path: str = "*"
    count: int = 1
    status: int | None = None
    retry_after: float | str | None = None
    message: str | None = None
    body: Any = None
    delay: float = 0.0
    drop: Literal["before", "after"] | None = None

    def __attrs_post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("count must be at least 1")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code")
        if self.delay < 0:
            raise ValueError("delay must be >= 0 seconds")
        if self.drop not in (None, "before", "after"):
            raise ValueError('drop must be "before", "after" or null')
        if self.drop is not None and self.status is not None:
            raise ValueError("a fault either drops the connection or answers a status, not both")

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, Mapping):
            raise ValueError("a fault is a JSON object")
        fields = {a.name for a in attrs.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ValueError(
                f"unknown fault field(s) {', '.join(unknown)}; known: {sorted(fields)}"
            )
        values = dict(data)
        for key, kind in (("count", int), ("status", int), ("delay", float)):
            if values.get(key) is not None:
                try:
                    values[key] = kind(values[key])
                except (TypeError, ValueError):
                    raise ValueError(f"fault field {key} must be a number") from None
        return cls(**values)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method.upper())) and fnmatch.fnmatchcase(path, self.path)

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


class Emulator:
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
        self.api_key = api_key
        self.lock = threading.RLock()
        self.calls: dict[str, dict[str, Any]] = {}
        self._faults: list[Fault] = []
        self._log: list[dict[str, Any]] = []
        self._router = Starlette(routes=[*self._control_routes(), *self.routes()])
        #: Set by :func:`callswitch.emulators.running` while the emulator is on a socket.
        self.socket_url: str | None = None
        self._transport: Any = None
        self._http_clients: list[Any] = []

    # -- reaching the emulator ----------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The URL clients use: the socket's while it is served, else the in-process one
        (which only answers through :meth:`transport` / :meth:`async_transport`)."""
        return self.socket_url or f"http://{self.name}.{self.in_process_host}"

    def transport(self) -> Any:
        """A sync httpx transport into this app, shared by everything that asks."""
        from callswitch.emulators._transport import EmulatorTransport

        with self.lock:
            if self._transport is None:
                self._transport = EmulatorTransport(self)
            return self._transport

    def async_transport(self) -> Any:
        """A new async httpx transport into this app."""
        from callswitch.emulators._transport import AsyncEmulatorTransport

        return AsyncEmulatorTransport(self)

    def connect(self, *, api_key: str = "emulator-key", **options: Any) -> Any:
        """A :class:`callswitch.Client` for this emulator (in process unless it is served)."""
        import httpx

        import callswitch

        if self.socket_url is None and "http_client" not in options:
            client = httpx.Client(transport=self.transport())
            with self.lock:
                self._http_clients.append(client)
            options["http_client"] = client
        return callswitch.connect(self.name, api_key=api_key, base_url=self.base_url, **options)

    def connect_async(self, *, api_key: str = "emulator-key", **options: Any) -> Any:
        """A :class:`callswitch.AsyncClient` for this emulator (in process unless served).

        In process, the client's httpx.AsyncClient is yours to close (``await
        client.aclose()`` does not close a client it was given).
        """
        import httpx

        import callswitch

        if self.socket_url is None and "http_client" not in options:
            options["http_client"] = httpx.AsyncClient(transport=self.async_transport())
        return callswitch.connect_async(
            self.name, api_key=api_key, base_url=self.base_url, **options
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
        from callswitch.registry import default_registry

        key_env = default_registry().get(self.name).api_key_env
        return {
            "CALLSWITCH_PROVIDER": self.name,
            "CALLSWITCH_BASE_URL": self.socket_url,
            key_env: api_key,
        }

    def close(self) -> None:
        """Close the in-process transport and the clients :meth:`connect` made."""
        with self.lock:
            clients, self._http_clients = self._http_clients, []
            transport, self._transport = self._transport, None
        for client in clients:
            client.close()
        if transport is not None:
            transport.close()

    # -- what a vendor supplies -------------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        """The vendor's endpoints."""
        raise NotImplementedError

    def error_response(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        """An error answer in the vendor's shape."""
        raise NotImplementedError

    def new_call(self, status: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A fresh call record in neutral ``status``, with vendor-shaped ``fields`` merged in.

        An emulator stores it with its own bookkeeping (and may use :meth:`walk_to`);
        :meth:`add_call` then returns a copy.
        """
        raise NotImplementedError

    def walk_to(self, call: dict[str, Any], status: str) -> None:
        """Move a new, queued record to neutral ``status`` through the states in between,
        so each side effect (start time, transcript, end reason) happens in order. Called
        under the lock."""
        if status == "queued":
            return
        if status == "ended":
            self.apply_status(call, "ongoing")
        self.apply_status(call, status)

    def apply_status(self, call: dict[str, Any], status: str) -> None:
        """Move ``call`` to neutral ``status`` with the vendor's side effects (timestamps,
        transcript, end reason...). Called under the lock."""
        raise NotImplementedError

    def vendor_status(self, call: Mapping[str, Any]) -> str:
        """The vendor's status name of a record."""
        raise NotImplementedError

    def requires_auth(self, method: str, path: str) -> bool:
        """Whether ``path`` needs the bearer key (a Vapi control URL does not)."""
        return True

    # -- Python-side helpers (the same things the control API does) --------------------
    def add_call(self, status: str = "queued", **fields: Any) -> dict[str, Any]:
        """Store a call in neutral ``status`` directly (no vendor request); returns a copy.

        ``fields`` are vendor-shaped record fields to set, e.g. ``metadata={...}``.
        """
        _check_status(status)
        record = self.new_call(status, fields)
        with self.lock:
            self.calls[self.call_id(record)] = record
            return copy.deepcopy(record)

    def set_status(self, call_id: str, status: str) -> dict[str, Any]:
        """Move a stored call to neutral ``status``; returns a copy of the record."""
        _check_status(status)
        with self.lock:
            call = self.find(call_id)
            self.apply_status(call, status)
            return copy.deepcopy(call)

    def get_call(self, call_id: str) -> dict[str, Any]:
        """A copy of a stored record, as the vendor would return it."""
        with self.lock:
            return copy.deepcopy(self.find(call_id))

    def add_fault(self, fault: Fault | None = None, **fields: Any) -> Fault:
        """Queue a fault (a :class:`Fault`, or its fields as keywords)."""
        item = fault if fault is not None else Fault(**fields)
        with self.lock:
            self._faults.append(item)
        return item

    def clear_faults(self) -> int:
        with self.lock:
            count = len(self._faults)
            self._faults.clear()
            return count

    @property
    def faults(self) -> list[Fault]:
        with self.lock:
            return list(self._faults)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """What the emulator received (control-API calls excluded), oldest first."""
        with self.lock:
            return copy.deepcopy(self._log)

    def clear_requests(self) -> None:
        with self.lock:
            self._log.clear()

    def reset(self) -> None:
        """Forget every call, fault and logged request."""
        with self.lock:
            self.calls.clear()
            self._faults.clear()
            self._log.clear()

    # -- helpers for vendor handlers ----------------------------------------------------
    def call_id(self, record: Mapping[str, Any]) -> str:
        return str(record["id"])

    def find(self, call_id: str) -> dict[str, Any]:
        """The stored record (not a copy); raise CallNotFound. Use under the lock."""
        try:
            return self.calls[call_id]
        except KeyError:
            raise CallNotFound(call_id) from None

    @staticmethod
    def new_id(prefix: str = "", nbytes: int = 12) -> str:
        return prefix + secrets.token_hex(nbytes)

    @staticmethod
    async def json_body(request: Request, *, required: bool = True) -> Any:
        """The parsed JSON body; JSONBodyError when it is missing or malformed."""
        raw = await request.body()
        if not raw.strip():
            if required:
                raise JSONBodyError("the request body must be a JSON object")
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise JSONBodyError("the request body is not valid JSON") from None

    @staticmethod
    def now() -> float:
        return time.time()

    # -- ASGI ---------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        path: str = scope["path"]
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            await self._router(scope, receive, send)
            return
        body = await _read_body(receive)
        replay = _replay(body, receive)
        method: str = scope["method"]
        entry = self._log_entry(scope, body)
        fault = self._take_fault(method, path)
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
                    await _drop(receive)
                    return
                if fault.drop == "after":
                    await self._handle(scope, replay, _discard)
                    entry["status"] = None
                    await _drop(receive)
                    return
                if fault.status is not None:
                    response = self._fault_response(fault)
                    await response(scope, replay, send_logged)
                    return
            await self._handle(scope, replay, send_logged)
        finally:
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
        message = fault.message or _default_fault_message(fault.status)
        return self.error_response(fault.status, message, headers)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path):
                    taken = attrs.evolve(fault, count=1)
                    if fault.count <= 1:
                        del self._faults[index]
                    else:
                        self._faults[index] = attrs.evolve(fault, count=fault.count - 1)
                    return taken
        return None

    def _log_entry(self, scope: Scope, body: bytes) -> dict[str, Any]:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers") or []:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            if name in self.secret_headers:
                scheme = value.split(" ", 1)[0] if " " in value else ""
                value = f"{scheme} <redacted>".strip()
            headers[name] = value
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        entry: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "headers": headers,
            "json": parsed,
            "body": body.decode("utf-8", errors="replace"),
            "time": time.time(),
        }
        with self.lock:
            self._log.append(entry)
        return entry

    # -- control API --------------------------------------------------------------------
    def _control_routes(self) -> list[BaseRoute]:
        p = CONTROL_PREFIX
        return [
            Route(p + "/calls", self._ctl_list_calls, methods=["GET"]),
            Route(p + "/calls", self._ctl_add_call, methods=["POST"]),
            Route(p + "/calls/{call_id}", self._ctl_get_call, methods=["GET"]),
            Route(p + "/calls/{call_id}/state", self._ctl_state, methods=["POST"]),
            Route(p + "/faults", self._ctl_add_faults, methods=["POST"]),
            Route(p + "/faults", self._ctl_list_faults, methods=["GET"]),
            Route(p + "/faults", self._ctl_clear_faults, methods=["DELETE"]),
            Route(p + "/requests", self._ctl_requests, methods=["GET"]),
            Route(p + "/requests", self._ctl_clear_requests, methods=["DELETE"]),
            Route(p + "/reset", self._ctl_reset, methods=["POST"]),
        ]

    async def _ctl_body(self, request: Request) -> Mapping[str, Any]:
        data = await self.json_body(request, required=False)
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            raise JSONBodyError("the request body must be a JSON object")
        return data

    async def _ctl_state(self, request: Request) -> Response:
        try:
            data = await self._ctl_body(request)
            status = data.get("status")
            _check_status(status)
            record = self.set_status(request.path_params["call_id"], str(status))
        except (JSONBodyError, ValueError) as exc:
            return _ctl_error(400, str(exc))
        except CallNotFound:
            return _ctl_error(404, f"no call {request.path_params['call_id']!r} in this emulator")
        return JSONResponse(self._ctl_view(record))

    async def _ctl_add_call(self, request: Request) -> Response:
        try:
            data = await self._ctl_body(request)
            status = data.get("status", "queued")
            fields = data.get("fields") or {}
            if not isinstance(fields, Mapping):
                raise ValueError("fields must be a JSON object of vendor-shaped call fields")
            _check_status(status)
            record = self.add_call(str(status), **fields)
        except (JSONBodyError, ValueError) as exc:
            return _ctl_error(400, str(exc))
        return JSONResponse(self._ctl_view(record), status_code=201)

    async def _ctl_get_call(self, request: Request) -> Response:
        try:
            record = self.get_call(request.path_params["call_id"])
        except CallNotFound:
            return _ctl_error(404, f"no call {request.path_params['call_id']!r} in this emulator")
        return JSONResponse(self._ctl_view(record))

    async def _ctl_list_calls(self, request: Request) -> Response:
        with self.lock:
            records = [copy.deepcopy(c) for c in self.calls.values()]
        return JSONResponse({"calls": [self._ctl_view(r) for r in records]})

    def _ctl_view(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": self.call_id(record),
            "vendor_status": self.vendor_status(record),
            "call": record,
        }

    async def _ctl_add_faults(self, request: Request) -> Response:
        try:
            data = await self.json_body(request)
            items: Iterable[Any]
            if isinstance(data, Mapping) and "faults" in data:
                items = data["faults"]
                if not isinstance(items, list):
                    raise ValueError("faults must be a list")
            else:
                items = [data]
            faults = [Fault.from_json(item) for item in items]
        except (JSONBodyError, ValueError, TypeError) as exc:
            return _ctl_error(400, str(exc))
        for fault in faults:
            self.add_fault(fault)
        return JSONResponse({"faults": [f.to_json() for f in faults]}, status_code=201)

    async def _ctl_list_faults(self, request: Request) -> Response:
        return JSONResponse({"faults": [f.to_json() for f in self.faults]})

    async def _ctl_clear_faults(self, request: Request) -> Response:
        return JSONResponse({"cleared": self.clear_faults()})

    async def _ctl_requests(self, request: Request) -> Response:
        return JSONResponse({"requests": self.requests})

    async def _ctl_clear_requests(self, request: Request) -> Response:
        self.clear_requests()
        return JSONResponse({"cleared": True})

    async def _ctl_reset(self, request: Request) -> Response:
        self.reset()
        return JSONResponse({"reset": True})

    def __repr__(self) -> str:
        where = self.socket_url or "in process"
        return f"<{type(self).__name__} {self.name!r} {where}, {len(self.calls)} call(s)>"


def _check_status(status: object) -> None:
    if status not in NEUTRAL_STATUSES:
        raise ValueError(f"status must be one of {', '.join(NEUTRAL_STATUSES)}, got {status!r}")


def _ctl_error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def _default_fault_message(status: int) -> str:
    if status == 429:
        return "Rate limit exceeded (injected by the emulator)."
    if status >= 500:
        return "Server error (injected by the emulator)."
    return f"Error {status} (injected by the emulator)."


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _discard(message: Message) -> None:
    return None


async def _drop(receive: Receive) -> None:
    """Close the client's connection without an answer.

    Under uvicorn the receive callable belongs to the connection's request cycle, which
    holds the asyncio transport: abort it, so the client sees the connection close with no
    response. Any other server gets :class:`ConnectionDropped`, which the in-process
    transports turn into ``httpx.RemoteProtocolError``.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        raise ConnectionDropped("the emulator dropped the connection (injected fault)")
    transport.abort()
    # Let the server notice the lost connection so it does not try to answer.
    for _ in range(200):
        if getattr(cycle, "disconnected", True):
            break
        await anyio.sleep(0.001)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
