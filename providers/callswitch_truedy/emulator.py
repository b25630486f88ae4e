"""An in-memory emulator of the Truedy public call API
(``https://api.truedy.ai/api/public/v1``; served at ``/calls`` and under that prefix).

Shapes follow Truedy's OpenAPI for ``PATCH /calls/{id}``
(https://docs.truedy.ai/api-reference/calls/update-call):
success ``{data, meta: {request_id, ts}, pagination?}``, errors
``{error: {code, message, details}, meta}``, FastAPI-style 422 ``{detail: [...]}`` for
bodies that do not fit the schema. Truedy has no end, delete or live-control endpoint,
so neither has the emulator. ``POST /webrtc/call`` answers ``{joinUrl, callId,
agentName}`` with no envelope (https://docs.truedy.ai/api-reference/webrtc) and records
a call of direction ``webrtc`` under ``callId``; transcripts are the call-management
guide's turns ``{speaker: "agent" | "contact", text, timestamp}``; the ``status`` list
filter takes the guide's spellings (``in-progress``, ``ended``, ``cancelled``) and the
schema's (``in_progress``, ``completed``). Assumptions (``ASSUMPTION`` below): unknown body fields
are a 422 (``extra_forbidden``); a non-E.164 number is a 400 ``validation_error``;
``PATCH`` applies in any call state; a reused ``X-Idempotency-Key`` returns the first
call whatever the body; the call record also shows ``variables`` and ``call_settings``
(absent from the published schema) so that updates can be seen; lists are newest first
with a default ``limit`` of 20.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from callswitch.emulators import CallNotFound, Emulator, JSONBodyError
from callswitch_truedy import _emulator_webhooks, _wire
from callswitch_truedy._wire import (
    IDEMPOTENCY_HEADER,
    LIST_STATUSES,
    MAX_PAGE_SIZE,
    UPDATE_SETTINGS,
)

__all__ = ["TruedyEmulator", "create_app"]

PREFIX = _wire.BASE_PATH
_E164 = re.compile(r"\+[1-9][0-9]{1,14}\Z")
_CREATE_FIELDS = frozenset(
    {"agent_id", "phone_number", "from_number", "variables", "call_settings"}
)
_SETTINGS = {
    "recording_enabled": bool,
    "transcription_enabled": bool,
    "greeting": str,
    "max_duration": str,
    "join_timeout": str,
}
_UPDATE_SETTINGS = frozenset(UPDATE_SETTINGS)
_STATUSES = LIST_STATUSES
_CODES = {
    400: "validation_error",
    401: "unauthorized",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    422: "validation_error",
    429: "rate_limit_exceeded",
}
_GREETING = "Hello, this is the assistant. How can I help you today?"
_REPLY = "Hi, I'm calling about my order."


class _Invalid(Exception):
    """A 422 in FastAPI's shape."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(problems)
        self.problems = problems


class _Error(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _problem(loc: list[str | int], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": kind}


class TruedyEmulator(Emulator):
    """Truedy's ``/calls`` endpoints, from memory."""

    name = "truedy"

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__(api_key=api_key)
        self._idempotency: dict[str, str] = {}
        self._created: dict[str, float] = {}

    def routes(self) -> list[BaseRoute]:
        g = self._guard
        routes: list[BaseRoute] = []
        for prefix in ("", PREFIX):
            routes += [
                Route(prefix + _wire.CALLS, g(self._list), methods=["GET"]),
                Route(prefix + _wire.CALLS, g(self._create), methods=["POST"]),
                Route(prefix + _wire.CALL, g(self._get), methods=["GET"]),
                Route(prefix + _wire.CALL, g(self._update), methods=["PATCH"]),
                Route(prefix + _wire.WEBRTC_CALL, g(self._webrtc), methods=["POST"]),
            ]
        return routes

    def meta(self) -> dict[str, str]:
        return {"request_id": self.new_id("req_", 6), "ts": _iso(self.now())}

    def error_response(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        code = _CODES.get(status, "internal_error" if status >= 500 else "error")
        details: dict[str, Any] | None = None
        if status == 429:
            details = {"reset_at": _iso(self.now() + 60)}
        body = {
            "error": {"code": code, "message": message, "details": details},
            "meta": self.meta(),
        }
        return JSONResponse(body, status_code=status, headers=headers)

    def vendor_status(self, call: Mapping[str, Any]) -> str:
        return str(call["status"])

    def webhook_payloads(
        self, call: dict[str, Any], before: str, after: str
    ) -> list[tuple[str, dict[str, Any]]]:
        return _emulator_webhooks.payloads(call, before, after)

    def new_call(self, status: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        record = self._record(
            {"agent_id": fields.get("agent_id", "agt_emulator"), "phone_number": "+14155550199"}
        )
        record.update(fields)
        with self.lock:
            self._store(record)
            self.walk_to(record, status)
        return record

    def apply_status(self, call: dict[str, Any], status: str) -> None:
        now = self.now()
        call["updated_at"] = _iso(now)
        if status == "queued":
            call.update(status=_wire.QUEUED, started_at=None, ended_at=None, duration_seconds=None)
        elif status == "ongoing":
            call["status"] = _wire.IN_PROGRESS
            call["started_at"] = call.get("started_at") or _iso(now)
            if not call["transcript"]:
                call["transcript"].append({"speaker": "agent", "text": _GREETING, "timestamp": 0.0})
        elif status in ("ended", "failed"):
            if call["status"] in (_wire.COMPLETED, _wire.FAILED):
                return
            call["ended_at"] = _iso(now)
            if status == "failed":
                call["status"] = _wire.FAILED
                return
            call["status"] = _wire.COMPLETED
            started = call.get("started_at") or call["ended_at"]
            start_ts = datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
            seconds = max(0, round(now - start_ts))
            call["duration_seconds"] = seconds
            call["transcript"].append({"speaker": "contact", "text": _REPLY, "timestamp": 1.0})
            call["summary"] = "Emulated call: the agent greeted the caller about an order."
            call["short_summary"] = "Emulated call"
            call["sentiment"] = "neutral"
            call["cost_usd"] = round(seconds * 0.002, 4)
            if (call.get("call_settings") or {}).get("recording_enabled", True):
                call["recording_url"] = f"https://truedy-emulator.invalid/{call['id']}.mp3"

    # -- records ------------------------------------------------------------------------
    def _record(self, body: Mapping[str, Any]) -> dict[str, Any]:
        now = _iso(self.now())
        return {
            "id": self.new_id("call_", 8),
            "status": _wire.QUEUED,
            "direction": body.get("direction", "outbound"),
            "agent_id": body["agent_id"],
            "phone_number": body.get("phone_number"),
            "from_number": body.get("from_number"),
            "to_number": body.get("phone_number"),
            "duration_seconds": None,
            "cost_usd": None,
            "summary": None,
            "short_summary": None,
            "recording_url": None,
            "transcript": [],
            "sentiment": None,
            "started_at": None,
            "ended_at": None,
            "created_at": now,
            "updated_at": now,
            "metadata": {},
            "variables": dict(body.get("variables") or {}),
            "call_settings": dict(body.get("call_settings") or {}),
        }

    def _store(self, record: dict[str, Any]) -> None:
        self.calls[record["id"]] = record
        self._created[record["id"]] = self.now()

    # -- plumbing -------------------------------------------------------------------------
    def _guard(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                response: Response = await handler(request)
                return response
            except _Invalid as exc:
                return JSONResponse({"detail": exc.problems}, status_code=422)
            except _Error as exc:
                return self.error_response(exc.status, exc.message)
            except JSONBodyError as exc:
                problem = _problem(["body"], str(exc), "json_invalid")
                return JSONResponse({"detail": [problem]}, status_code=422)
            except CallNotFound as exc:
                return self.error_response(404, f"Call {exc.args[0]} not found")

        return endpoint

    async def _object(self, request: Request) -> dict[str, Any]:
        body = await self.json_body(request)
        if not isinstance(body, dict):
            raise _Invalid([_problem(["body"], "Input should be a valid dictionary", "dict_type")])
        return body

    @staticmethod
    def _extra(body: Mapping[str, Any], allowed: frozenset[str], loc: list[str]) -> None:
        extra = sorted(set(body) - allowed)
        if extra:
            raise _Invalid(
                [
                    _problem([*loc, k], "Extra inputs are not permitted", "extra_forbidden")
                    for k in extra
                ]
            )

    @staticmethod
    def _check_settings(settings: Any, allowed: frozenset[str]) -> None:
        if settings is None:
            return
        if not isinstance(settings, dict):
            raise _Invalid(
                [
                    _problem(
                        ["body", "call_settings"], "Input should be a valid dictionary", "dict_type"
                    )
                ]
            )
        TruedyEmulator._extra(settings, allowed, ["body", "call_settings"])
        for key, value in settings.items():
            kind = _SETTINGS[key]
            if not isinstance(value, kind):
                name = "boolean" if kind is bool else "string"
                raise _Invalid(
                    [
                        _problem(
                            ["body", "call_settings", key],
                            f"Input should be a valid {name}",
                            f"{name[:4]}_type",
                        )
                    ]
                )

    @staticmethod
    def _check_variables(variables: Any) -> None:
        if variables is not None and not isinstance(variables, dict):
            raise _Invalid(
                [_problem(["body", "variables"], "Input should be a valid dictionary", "dict_type")]
            )

    # -- endpoints ----------------------------------------------------------------------
    async def _create(self, request: Request) -> Response:
        body = await self._object(request)
        self._extra(body, _CREATE_FIELDS, ["body"])
        missing = [k for k in ("agent_id", "phone_number") if not isinstance(body.get(k), str)]
        if missing:
            raise _Invalid([_problem(["body", k], "Field required", "missing") for k in missing])
        for key in ("phone_number", "from_number"):
            value = body.get(key)
            if value is not None and (not isinstance(value, str) or not _E164.match(value)):
                raise _Error(400, f"{key} must be an E.164 phone number like +14155550123")
        self._check_variables(body.get("variables"))
        variables = body.get("variables") or {}
        if not all(isinstance(v, str) for v in variables.values()):
            raise _Invalid(
                [_problem(["body", "variables"], "Input should be a valid string", "string_type")]
            )
        self._check_settings(body.get("call_settings"), frozenset(_SETTINGS))
        idem = request.headers.get(IDEMPOTENCY_HEADER)
        with self.lock:
            if idem and idem in self._idempotency and self._idempotency[idem] in self.calls:
                call = self.calls[self._idempotency[idem]]
            else:
                call = self._record(body)
                self._store(call)
                if idem:
                    self._idempotency[idem] = call["id"]
            return JSONResponse({"data": call, "meta": self.meta()}, status_code=201)

    async def _get(self, request: Request) -> Response:
        with self.lock:
            call = self.find(request.path_params["call_id"])
            return JSONResponse({"data": call, "meta": self.meta()})

    async def _list(self, request: Request) -> Response:
        q = request.query_params
        problems: list[dict[str, Any]] = []

        def integer(name: str, default: int, low: int, high: int | None) -> int:
            if name not in q:
                return default
            try:
                value = int(q[name])
            except ValueError:
                problems.append(
                    _problem(["query", name], "Input should be a valid integer", "int_parsing")
                )
                return default
            if value < low or (high is not None and value > high):
                problems.append(
                    _problem(["query", name], f"Input should be between {low} and {high}", "range")
                )
            return value

        limit = integer("limit", 20, 1, MAX_PAGE_SIZE)
        offset = integer("offset", 0, 0, None)
        bounds: dict[str, float] = {}
        for name in ("created_after", "created_before"):
            if name in q:
                try:
                    parsed = datetime.fromisoformat(q[name].replace("Z", "+00:00"))
                except ValueError:
                    problems.append(
                        _problem(
                            ["query", name], "Input should be a valid datetime", "datetime_parsing"
                        )
                    )
                    continue
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=UTC)
                bounds[name] = parsed.timestamp()
        if "status" in q and q["status"] not in _STATUSES:
            problems.append(
                _problem(
                    ["query", "status"], f"Input should be one of {', '.join(_STATUSES)}", "enum"
                )
            )
        wanted = {"status": _STATUSES.get(q.get("status", ""))}
        if problems:
            raise _Invalid(problems)

        def keep(call: Mapping[str, Any]) -> bool:
            created = datetime.fromisoformat(call["created_at"].replace("Z", "+00:00")).timestamp()
            return (
                all(
                    q.get(k) is None or call.get(k) == wanted.get(k, q[k])
                    for k in ("status", "direction", "agent_id")
                )
                and ("created_after" not in bounds or created > bounds["created_after"])
                and ("created_before" not in bounds or created < bounds["created_before"])
            )

        with self.lock:
            calls = [c for c in self.calls.values() if keep(c)]
            calls.sort(key=lambda c: (c["created_at"], self._created[c["id"]]), reverse=True)
            page = calls[offset : offset + limit]
            return JSONResponse(
                {
                    "data": page,
                    "pagination": {
                        "total": len(calls),
                        "limit": limit,
                        "offset": offset,
                        "has_more": offset + len(page) < len(calls),
                    },
                    "meta": self.meta(),
                }
            )

    async def _webrtc(self, request: Request) -> Response:
        body = await self._object(request)
        self._extra(body, frozenset({"agent_id", "variables"}), ["body"])
        if not isinstance(body.get("agent_id"), str) or not body["agent_id"]:
            raise _Invalid([_problem(["body", "agent_id"], "Field required", "missing")])
        self._check_variables(body.get("variables"))
        with self.lock:
            call = self._record({**body, "direction": "webrtc"})
            self._store(call)
            join_url = f"wss://truedy-emulator.invalid/calls/{call['id']}?t={self.new_id()}"
            return JSONResponse(
                {"joinUrl": join_url, "callId": call["id"], "agentName": "Emulated agent"}
            )

    async def _update(self, request: Request) -> Response:
        body = await self._object(request)
        self._extra(body, frozenset({"call_settings", "variables"}), ["body"])
        self._check_settings(body.get("call_settings"), _UPDATE_SETTINGS)
        self._check_variables(body.get("variables"))
        with self.lock:
            call = self.find(request.path_params["call_id"])
            if body.get("call_settings"):
                call["call_settings"].update(body["call_settings"])
            if body.get("variables"):
                call["variables"].update(body["variables"])
            call["updated_at"] = _iso(self.now())
            return JSONResponse({"data": call, "meta": self.meta()})


def create_app(*, api_key: str | None = None) -> TruedyEmulator:
    """A new, empty Truedy emulator (an ASGI app). ``api_key``: accept only this key."""
    return TruedyEmulator(api_key=api_key)
