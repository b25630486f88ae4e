"""An in-memory emulator of the Vapi call API (``https://api.vapi.ai``).

Paths, bodies and the Call shape follow ``vapi-server-sdk`` 3.0.0; live-control messages
follow the SDK's ``ClientInboundMessage*`` types. Calls carry
``monitor.listenUrl`` / ``monitor.controlUrl`` until they end; the control URL is served by
this emulator (``{base}/live/{id}/control``, built from the request's own base URL) and,
like Vapi's, needs no API key; a call whose assistant has
``monitorPlan.controlAuthenticationEnabled`` needs ``Authorization: Bearer <public key>``
(:attr:`VapiEmulator.public_key`) there, else 401. Phone numbers: ``GET /phone-number``,
``GET /phone-number/{id}`` and ``GET /v2/phone-number?search=`` (paginated).
Assumptions (``ASSUMPTION`` below): errors use NestJS's shape with "property X should
not exist" for unknown properties (body and query); an
unknown id answers 404; a control message to a call that is not ``in-progress`` answers
400; the control URL answers 200 ``{}``; ``triggerResponseEnabled`` defaults to true.
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
from callswitch_vapi import _emulator_webhooks, _wire
from callswitch_vapi._emulator_control import ControlMessageError, check_control, needs_control_auth

__all__ = ["VapiEmulator", "create_app"]

DEFAULT_PHONE_NUMBERS = ("+14155550100", "+14155550101")
_CREATE_FIELDS = frozenset(
    {
        "assistantVersion",
        "squadVersion",
        "transport",
        "customers",
        "name",
        "schedulePlan",
        "assistantId",
        "assistant",
        "assistantOverrides",
        "squadId",
        "squad",
        "squadOverrides",
        "workflowId",
        "workflow",
        "workflowOverrides",
        "phoneNumberId",
        "phoneNumber",
        "customerId",
        "customer",
    }
)
_RUNNERS = ("assistantId", "assistant", "squadId", "squad", "workflowId", "workflow")
_TIME_FILTERS = {
    f"{field}{op}": (field, op)
    for field in ("createdAt", "updatedAt")
    for op in ("Gt", "Lt", "Ge", "Le")
}
_CALL_QUERY = frozenset({"id", "assistantId", "phoneNumberId", "limit", *_TIME_FILTERS})
_PHONE_QUERY = frozenset({"limit", *_TIME_FILTERS})
_PHONE_SEARCH_QUERY = frozenset({"search", "page", "sortOrder", "sortBy", "limit", *_TIME_FILTERS})
_GREETING = "Hello, this is the assistant. How can I help you today?"
_REPLY = "Hi, I'm calling about my order."
_CONTROL_PATH = re.compile(r"/live/[^/]+/control\Z")


class _HttpError(Exception):
    def __init__(self, status: int, message: str | list[str]) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = message


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_iso(value: str, name: str) -> float:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _HttpError(400, [f"{name} must be a valid ISO 8601 date string"]) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


class VapiEmulator(Emulator):
    """Vapi's ``/call`` endpoints and per-call control URLs, from memory."""

    secret_headers = Emulator.secret_headers | {"x-vapi-secret"}

    name = "vapi"

    def __init__(
        self, *, api_key: str | None = None, phone_numbers: tuple[str, ...] = DEFAULT_PHONE_NUMBERS
    ) -> None:
        super().__init__(api_key=api_key)
        self.org_id = "org-" + self.new_id(nbytes=8)
        self.phone_numbers: dict[str, dict[str, Any]] = {}
        #: The org's public API key: what a control URL with controlAuthenticationEnabled
        #: accepts as ``Authorization: Bearer <key>``.
        self.public_key = "vapi-emulator-public-key"
        #: Control messages each call received, in order (not part of Vapi's Call).
        self.live_messages: dict[str, list[dict[str, Any]]] = {}
        self._created: dict[str, float] = {}
        for number in phone_numbers:
            self.add_phone_number(number)

    def add_phone_number(self, number: str) -> str:
        """Register a phone number the account owns; returns its id."""
        now = self.now()
        number_id = self._uuid()
        with self.lock:
            self.phone_numbers[number_id] = {
                "id": number_id,
                "orgId": self.org_id,
                "provider": "vapi",
                "number": number,
                "status": "active",
                "createdAt": _iso(now),
                "updatedAt": _iso(now),
            }
        return number_id

    def _uuid(self) -> str:
        h = self.new_id(nbytes=16)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    # -- vendor hooks -------------------------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        g = self._guard
        return [
            Route(_wire.CALLS, g(self._list), methods=["GET"]),
            Route(_wire.CALLS, g(self._create), methods=["POST"]),
            Route(_wire.CALL, g(self._get), methods=["GET"]),
            Route(_wire.CALL, g(self._update), methods=["PATCH"]),
            Route(_wire.CALL, g(self._delete), methods=["DELETE"]),
            Route(_wire.PHONE_NUMBERS, g(self._phone_list), methods=["GET"]),
            Route(_wire.PHONE_NUMBER, g(self._phone_get), methods=["GET"]),
            Route(_wire.PHONE_NUMBER_SEARCH, g(self._phone_search), methods=["GET"]),
            Route("/live/{call_id}/control", g(self._control), methods=["POST"]),
        ]

    def requires_auth(self, method: str, path: str) -> bool:
        # The control URL is its own credential.
        return not _CONTROL_PATH.match(path)

    def error_response(
        self, status: int, message: str | list[str], headers: Mapping[str, str] | None = None
    ) -> Response:
        names = {
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            429: "Too Many Requests",
        }
        error = names.get(status, "Internal Server Error" if status >= 500 else "Error")
        body = {"message": message, "error": error, "statusCode": status}
        return JSONResponse(body, status_code=status, headers=headers)

    def vendor_status(self, call: Mapping[str, Any]) -> str:
        return str(call["status"])

    def webhook_payloads(
        self, call: dict[str, Any], before: str, after: str
    ) -> list[tuple[str, dict[str, Any]]]:
        return _emulator_webhooks.payloads(call, before, after)

    def new_call(self, status: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "assistantId": fields.get("assistantId", "asst-emulator"),
            "customer": {"number": "+14155550199"},
            "phoneNumberId": next(iter(self.phone_numbers), None),
        }
        record = self._record(body)
        record.update(fields)
        with self.lock:
            self._store(record)
            self.walk_to(record, status)
        return record

    def apply_status(self, call: dict[str, Any], status: str) -> None:
        now = self.now()
        call["updatedAt"] = _iso(now)
        if status == "queued":
            call["status"] = _wire.QUEUED
            for key in ("startedAt", "endedAt", "endedReason"):
                call.pop(key, None)
        elif status == "ongoing":
            call["status"] = _wire.IN_PROGRESS
            call.setdefault("startedAt", _iso(now))
            if not call["artifact"]["messages"]:
                self._message(call, "bot", _GREETING)
        elif status in ("ended", "failed"):
            if call["status"] == _wire.ENDED:
                return
            if status == "failed":
                # Vapi has no failed status: an unanswered call ends with this reason.
                call.setdefault("endedReason", _wire.CUSTOMER_DID_NOT_ANSWER)
            else:
                call.setdefault("endedReason", _wire.CUSTOMER_ENDED_CALL)
                if not any(m["role"] == "user" for m in call["artifact"]["messages"]):
                    self._message(call, "user", _REPLY)
                self._finish(call, now)
            call["status"] = _wire.ENDED
            call["endedAt"] = _iso(now)

    # -- records ------------------------------------------------------------------------
    def _record(self, body: Mapping[str, Any]) -> dict[str, Any]:
        now = self.now()
        phone = any(k in body for k in ("customer", "customerId", "customers"))
        record: dict[str, Any] = {
            "id": self._uuid(),
            "orgId": self.org_id,
            # ASSUMPTION: POST /call without a customer makes a web call.
            "type": "outboundPhoneCall" if phone else "webCall",
            "status": _wire.QUEUED,
            "createdAt": _iso(now),
            "updatedAt": _iso(now),
            "cost": 0,
            "costs": [],
            "artifact": {"messages": [], "transcript": ""},
        }
        for key in _CREATE_FIELDS - {"customers"}:
            if body.get(key) is not None:
                record[key] = body[key]
        return record

    def _store(self, record: dict[str, Any]) -> None:
        self.calls[record["id"]] = record
        self.live_messages.setdefault(record["id"], [])
        self._created[record["id"]] = self.now()

    def _seconds(self, call: Mapping[str, Any]) -> float:
        started = call.get("startedAt")
        base = _parse_iso(started, "startedAt") if started else self.now()
        return round(max(0.0, self.now() - base), 3)

    def _message(self, call: dict[str, Any], role: str, text: str) -> None:
        item: dict[str, Any] = {
            "role": role,
            "message": text,
            "time": self.now() * 1000,
            "secondsFromStart": self._seconds(call),
        }
        if role in ("bot", "user"):
            item["endTime"] = item["time"] + 1000
            item["duration"] = 1000
        call["artifact"]["messages"].append(item)
        lines = [
            f"{'AI' if m['role'] == 'bot' else 'User'}: {m['message']}"
            for m in call["artifact"]["messages"]
            if m["role"] in ("bot", "user")
        ]
        call["artifact"]["transcript"] = "\n".join(lines)

    def _finish(self, call: dict[str, Any], now: float) -> None:
        seconds = self._seconds(call)
        call["artifact"]["recordingUrl"] = f"https://vapi-emulator.invalid/{call['id']}.wav"
        overrides = call.get("assistantOverrides") or {}
        call["artifact"]["variableValues"] = dict(overrides.get("variableValues") or {})
        call["analysis"] = {
            "summary": "Emulated call: the assistant greeted the customer, who asked about "
            "an order.",
            "successEvaluation": "true",
        }
        call["cost"] = round(seconds * 0.001, 6)
        call["costs"] = [
            {"type": "vapi", "subType": "normal", "cost": call["cost"], "minutes": seconds / 60}
        ]

    def _view(self, call: Mapping[str, Any], request: Request) -> dict[str, Any]:
        out = dict(call)
        if call["status"] != _wire.ENDED:
            base = str(request.base_url).rstrip("/")
            ws = "wss" if base.startswith("https") else "ws"
            host = base.split("://", 1)[1]
            out["monitor"] = {
                "listenUrl": f"{ws}://{host}/live/{call['id']}/listen",
                "controlUrl": f"{base}/live/{call['id']}/control",
            }
        return out

    # -- plumbing -------------------------------------------------------------------------
    def _guard(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                response: Response = await handler(request)
                return response
            except _HttpError as exc:
                return self.error_response(exc.status, exc.message)
            except JSONBodyError as exc:
                return self.error_response(400, str(exc))
            except CallNotFound:
                return self.error_response(404, "Call not found")

        return endpoint

    async def _object(self, request: Request, allowed: frozenset[str]) -> dict[str, Any]:
        body = await self.json_body(request, required=False)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise _HttpError(400, ["the request body must be a JSON object"])
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise _HttpError(400, [f"property {name} should not exist" for name in unknown])
        return body

    def _query(self, request: Request, allowed: frozenset[str]) -> tuple[int, list[Any]]:
        params = request.query_params
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise _HttpError(400, [f"property {name} should not exist" for name in unknown])
        limit = 100
        if "limit" in params:
            try:
                limit = int(float(params["limit"]))
            except ValueError:
                raise _HttpError(400, ["limit must be a number"]) from None
            if not 0 <= limit <= _wire.MAX_PAGE_SIZE:
                raise _HttpError(400, [f"limit must not be greater than {_wire.MAX_PAGE_SIZE}"])
        checks = []
        for name, (field, op) in _TIME_FILTERS.items():
            if name in params:
                checks.append((field, op, _parse_iso(params[name], name)))
        return limit, checks

    @staticmethod
    def _in_window(item: Mapping[str, Any], checks: list[Any]) -> bool:
        for field, op, bound in checks:
            value = _parse_iso(item[field], field)
            ok = {
                "Gt": value > bound,
                "Lt": value < bound,
                "Ge": value >= bound,
                "Le": value <= bound,
            }[op]
            if not ok:
                return False
        return True

    # -- endpoints ----------------------------------------------------------------------
    async def _create(self, request: Request) -> Response:
        body = await self._object(request, _CREATE_FIELDS)
        if not any(body.get(k) for k in _RUNNERS):
            raise _HttpError(
                400, ["assistantId, assistant, squadId, squad, workflowId or workflow is required"]
            )
        overrides = body.get("assistantOverrides")
        if overrides is not None:
            if not isinstance(overrides, dict):
                raise _HttpError(400, ["assistantOverrides must be an object"])
            for key in ("variableValues", "metadata"):
                if key in overrides and not isinstance(overrides[key], dict):
                    raise _HttpError(400, [f"assistantOverrides.{key} must be an object"])
        customer = body.get("customer")
        if customer is not None and not isinstance(customer, dict):
            raise _HttpError(400, ["customer must be an object"])
        if body.get("name") is not None and not isinstance(body["name"], str):
            raise _HttpError(400, ["name must be a string"])
        with self.lock:
            record = self._record(body)
            self._store(record)
            return JSONResponse(self._view(record, request), status_code=201)

    async def _get(self, request: Request) -> Response:
        with self.lock:
            return JSONResponse(self._view(self.find(request.path_params["call_id"]), request))

    async def _list(self, request: Request) -> Response:
        limit, checks = self._query(request, _CALL_QUERY)
        params = request.query_params
        with self.lock:
            calls = [
                c
                for c in self.calls.values()
                if self._in_window(c, checks)
                and all(
                    params.get(key) is None or c.get(key) == params[key]
                    for key in ("id", "assistantId", "phoneNumberId")
                )
            ]
            # ASSUMPTION: newest first, like the dashboard.
            calls.sort(key=lambda c: (c["createdAt"], self._created[c["id"]]), reverse=True)
            return JSONResponse([self._view(c, request) for c in calls[:limit]])

    async def _update(self, request: Request) -> Response:
        body = await self._object(request, frozenset({"name"}))
        if "name" in body and not isinstance(body["name"], str):
            raise _HttpError(400, ["name must be a string"])
        with self.lock:
            call = self.find(request.path_params["call_id"])
            if "name" in body:
                call["name"] = body["name"]
                call["updatedAt"] = _iso(self.now())
            return JSONResponse(self._view(call, request))

    async def _delete(self, request: Request) -> Response:
        # Deletes the record only: an ongoing call is not hung up (Vapi documents
        # DELETE /call/{id} as deleting the call's data, not as ending the call).
        await self._object(request, frozenset({"ids"}))
        with self.lock:
            call_id = request.path_params["call_id"]
            call = self._view(self.find(call_id), request)
            self.remove(call_id)
            return JSONResponse(call)

    async def _phone_list(self, request: Request) -> Response:
        limit, checks = self._query(request, _PHONE_QUERY)
        with self.lock:
            rows = [p for p in self.phone_numbers.values() if self._in_window(p, checks)]
            rows.sort(key=lambda p: p["createdAt"], reverse=True)
            return JSONResponse(rows[:limit])

    async def _phone_get(self, request: Request) -> Response:
        with self.lock:
            row = self.phone_numbers.get(request.path_params["number_id"])
            if row is None:
                raise _HttpError(404, "Phone number not found")
            return JSONResponse(row)

    async def _phone_search(self, request: Request) -> Response:
        """GET /v2/phone-number: ``search`` matches name, number or SIP URI (partial,
        case-insensitive); ``{results, metadata}`` (PhoneNumberPaginatedResponse)."""
        limit, checks = self._query(request, _PHONE_SEARCH_QUERY)
        needle = request.query_params.get("search", "").lower()
        try:
            page = max(1, int(float(request.query_params.get("page", "1"))))
        except ValueError:
            raise _HttpError(400, ["page must be a number"]) from None
        with self.lock:
            rows = [
                p
                for p in self.phone_numbers.values()
                if self._in_window(p, checks)
                and any(needle in str(p.get(k) or "").lower() for k in ("name", "number", "sipUri"))
            ]
        rows.sort(key=lambda p: p["createdAt"], reverse=True)
        chunk = rows[(page - 1) * limit : page * limit] if limit else []
        pages = -(-len(rows) // limit) if limit else 0
        meta = {"itemsPerPage": limit, "totalItems": len(rows), "currentPage": page}
        meta.update({"totalPages": pages, "hasNextPage": page < pages})
        return JSONResponse({"results": chunk, "metadata": meta})

    async def _control(self, request: Request) -> Response:
        message = await self.json_body(request)
        if not isinstance(message, dict):
            raise _HttpError(400, ["the control message must be a JSON object"])
        try:
            check_control(message)
        except ControlMessageError as exc:
            raise _HttpError(400, exc.messages) from None
        with self.lock:
            call = self.find(request.path_params["call_id"])
            given = request.headers.get("authorization", "")
            if needs_control_auth(call) and given != f"Bearer {self.public_key}":
                raise _HttpError(401, "Unauthorized")
            if call["status"] != _wire.IN_PROGRESS:
                raise _HttpError(400, [f"Call is not in progress (status {call['status']})"])
            self.live_messages[call["id"]].append(message)
            kind = message["type"]
            if kind == "add-message":
                inner = message["message"]
                self._message(call, inner["role"], inner["content"])
                if message.get("triggerResponseEnabled", True):
                    self._message(call, "bot", "(emulated assistant response)")
            elif kind == "say":
                self._message(call, "bot", message["content"])
                if message.get("endCallAfterSpoken"):
                    call["endedReason"] = _wire.ASSISTANT_ENDED_CALL_AFTER_MESSAGE_SPOKEN
                    self.apply_status(call, "ended")
            elif kind == "end-call":
                call["endedReason"] = _wire.ASSISTANT_ENDED_CALL
                self.apply_status(call, "ended")
            elif kind == "transfer":
                call["destination"] = message["destination"]
                call["endedReason"] = _wire.ASSISTANT_FORWARDED_CALL
                self.apply_status(call, "ended")
            return JSONResponse({})


def create_app(
    *, api_key: str | None = None, phone_numbers: tuple[str, ...] = DEFAULT_PHONE_NUMBERS
) -> VapiEmulator:
    """A new Vapi emulator (an ASGI app) that owns ``phone_numbers``."""
    return VapiEmulator(api_key=api_key, phone_numbers=phone_numbers)
