"""The test-control API every emulator answers under ``/_emulator/``.

It drives the same Python-side helpers a test calls directly (``add_call``,
``set_status``, ``add_fault``...), so the two cannot disagree.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from callswitch.emulators._asgi import json_body
from callswitch.emulators._errors import CallNotFound, JSONBodyError, StatusConflict
from callswitch.emulators._faults import Fault
from callswitch.emulators._store import check_status

__all__ = ["CONTROL_PREFIX", "Controlled", "control_routes"]

CONTROL_PREFIX = "/_emulator"


class Controlled(Protocol):
    """What the control API needs of an emulator."""

    lock: threading.RLock
    calls: dict[str, dict[str, Any]]

    def add_call(self, status: str = ..., **fields: Any) -> dict[str, Any]: ...
    def set_status(self, call_id: str, status: str) -> dict[str, Any]: ...
    def get_call(self, call_id: str) -> dict[str, Any]: ...
    def call_id(self, record: Mapping[str, Any]) -> str: ...
    def vendor_status(self, call: Mapping[str, Any]) -> str: ...
    def add_fault(self, fault: Fault | None = None, **fields: Any) -> Fault: ...
    def clear_faults(self) -> int: ...
    @property
    def faults(self) -> list[Fault]: ...
    @property
    def requests(self) -> list[dict[str, Any]]: ...
    def requests_json(self) -> bytes: ...
    def clear_requests(self) -> None: ...
    def reset(self) -> None: ...


def control_routes(emulator: Controlled) -> list[BaseRoute]:
    """The ``/_emulator/`` routes, bound to ``emulator``."""
    api = _ControlAPI(emulator)
    p = CONTROL_PREFIX
    return [
        Route(p + "/calls", api.list_calls, methods=["GET"]),
        Route(p + "/calls", api.add_call, methods=["POST"]),
        Route(p + "/calls/{call_id}", api.get_call, methods=["GET"]),
        Route(p + "/calls/{call_id}/state", api.state, methods=["POST"]),
        Route(p + "/faults", api.add_faults, methods=["POST"]),
        Route(p + "/faults", api.list_faults, methods=["GET"]),
        Route(p + "/faults", api.clear_faults, methods=["DELETE"]),
        Route(p + "/requests", api.requests, methods=["GET"]),
        Route(p + "/requests", api.clear_requests, methods=["DELETE"]),
        Route(p + "/reset", api.reset, methods=["POST"]),
    ]


class _ControlAPI:
    def __init__(self, emulator: Controlled) -> None:
        self.emulator = emulator

    async def _body(self, request: Request) -> Mapping[str, Any]:
        data = await json_body(request, required=False)
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            raise JSONBodyError("the request body must be a JSON object")
        return data

    async def state(self, request: Request) -> Response:
        try:
            data = await self._body(request)
            status = data.get("status")
            check_status(status)
            record = self.emulator.set_status(request.path_params["call_id"], str(status))
        except StatusConflict as exc:
            return _error(409, str(exc))
        except (JSONBodyError, ValueError) as exc:
            return _error(400, str(exc))
        except CallNotFound:
            return _error(404, f"no call {request.path_params['call_id']!r} in this emulator")
        return JSONResponse(self._view(record))

    async def add_call(self, request: Request) -> Response:
        try:
            data = await self._body(request)
            status = data.get("status", "queued")
            fields = data.get("fields") or {}
            if not isinstance(fields, Mapping):
                raise ValueError("fields must be a JSON object of vendor-shaped call fields")
            check_status(status)
            record = self.emulator.add_call(str(status), **fields)
        except (JSONBodyError, ValueError) as exc:
            return _error(400, str(exc))
        return JSONResponse(self._view(record), status_code=201)

    async def get_call(self, request: Request) -> Response:
        try:
            record = self.emulator.get_call(request.path_params["call_id"])
        except CallNotFound:
            return _error(404, f"no call {request.path_params['call_id']!r} in this emulator")
        return JSONResponse(self._view(record))

    async def list_calls(self, request: Request) -> Response:
        with self.emulator.lock:
            records = [copy.deepcopy(c) for c in self.emulator.calls.values()]
        return JSONResponse({"calls": [self._view(r) for r in records]})

    def _view(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": self.emulator.call_id(record),
            "vendor_status": self.emulator.vendor_status(record),
            "call": record,
        }

    async def add_faults(self, request: Request) -> Response:
        try:
            data = await json_body(request)
            items: Iterable[Any]
            if isinstance(data, Mapping) and "faults" in data:
                items = data["faults"]
                if not isinstance(items, list):
                    raise ValueError("faults must be a list")
            else:
                items = [data]
            faults = [Fault.from_json(item) for item in items]
        except (JSONBodyError, ValueError, TypeError) as exc:
            return _error(400, str(exc))
        for fault in faults:
            self.emulator.add_fault(fault)
        return JSONResponse({"faults": [f.to_json() for f in faults]}, status_code=201)

    async def list_faults(self, request: Request) -> Response:
        return JSONResponse({"faults": [f.to_json() for f in self.emulator.faults]})

    async def clear_faults(self, request: Request) -> Response:
        return JSONResponse({"cleared": self.emulator.clear_faults()})

    async def requests(self, request: Request) -> Response:
        # Serialized straight from the log: a deep copy first took minutes at 500k entries.
        return Response(self.emulator.requests_json(), media_type="application/json")

    async def clear_requests(self, request: Request) -> Response:
        self.emulator.clear_requests()
        return JSONResponse({"cleared": True})

    async def reset(self, request: Request) -> Response:
        self.emulator.reset()
        return JSONResponse({"reset": True})


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)
