"""An in-memory emulator of the Retell call API (``https://api.retellai.com``).

Paths, bodies, status names and error bodies follow ``retell-sdk`` 6.2.13 and the
Retell docs (seed 000 for ``update-live-call``). Where Retell's behaviour is not
documented the emulator assumes, and says so next to the code (``ASSUMPTION``):

* an unknown or deleted call id answers 404 ``{"status": "error", "message": ...}``
  (the real API may answer 422 "Cannot find requested asset");
* live control (``update-live-call``, ``stop-call``, listen, take-over) on a call that is
  not ``ongoing`` answers 400; so does ``update-call`` on a call that is not ``ended``
  (Retell's rule since 2026-08-31) and a data-storage downgrade;
* request bodies are checked against the SDK's field lists: an unknown property is a
  400, as seed 000 documents for ``update-live-call``;
* ``stop-call`` sets ``disconnection_reason`` to ``manual_stopped``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from callswitch.emulators import CallNotFound, Emulator, JSONBodyError

__all__ = ["RetellEmulator", "create_app"]

STORAGE_ORDER = ("everything", "everything_except_pii", "basic_attributes_only")
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_CREATE_PHONE_FIELDS = frozenset(
    {
        "from_number",
        "to_number",
        "agent_override",
        "custom_sip_headers",
        "honor_internal_dnc",
        "idempotency_key",
        "ignore_e164_validation",
        "metadata",
        "override_agent_id",
        "override_agent_version",
        "retell_llm_dynamic_variables",
    }
)
_CREATE_WEB_FIELDS = frozenset(
    {
        "agent_id",
        "agent_override",
        "agent_version",
        "current_node_id",
        "current_state",
        "metadata",
        "retell_llm_dynamic_variables",
    }
)
_UPDATE_FIELDS = frozenset(
    {
        "metadata",
        "data_storage_setting",
        "custom_attributes",
        # Deprecated or legacy, still documented (seed 001 shows the opt-out flag).
        "override_dynamic_variables",
        "opt_out_sensitive_data_storage",
    }
)
_LIST_FIELDS = frozenset(
    {"filter_criteria", "include_total", "limit", "pagination_key", "skip", "sort_order"}
)
_OVERRIDE_FIELDS = frozenset({"override_dynamic_variables", "metadata", "data_storage_setting"})
_CONTROL_FIELDS = frozenset({"additional_context", "trigger_response"})
# v3 list items leave these out (fetch the call for them).
_V3_LIST_OMITS = (
    "transcript",
    "transcript_object",
    "transcript_with_tool_calls",
    "recording_url",
    "recording_multi_channel_url",
    "scrubbed_recording_url",
)
IDEMPOTENCY_TTL_S = 3600.0
_GREETING = "Hello, this is the assistant. How can I help you today?"
_REPLY = "Hi, I'm calling about my order."


class _BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class RetellEmulator(Emulator):
    """Retell's ``/v2`` and ``/v3`` call endpoints, from memory."""

    name = "retell"

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__(api_key=api_key)
        # Facts kept beside the records, never shown in them.
        self._idempotency: dict[str, tuple[str, float]] = {}
        self._base_variables: dict[str, dict[str, str]] = {}
        self._clock_ms: dict[str, int] = {}

    # -- vendor hooks -------------------------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        h = self._guard
        return [
            Route("/v2/get-call/{call_id}", h(self._get), methods=["GET"]),
            Route("/v3/list-calls", h(self._list_v3), methods=["POST"]),
            Route("/v2/list-calls", h(self._list_v2), methods=["POST"]),
            Route("/v2/create-phone-call", h(self._create_phone), methods=["POST"]),
            Route("/v2/create-web-call", h(self._create_web_v2), methods=["POST"]),
            Route("/v3/create-web-call", h(self._create_web_v3), methods=["POST"]),
            Route("/v2/update-call/{call_id}", h(self._update), methods=["PATCH"]),
            Route("/v2/update-live-call/{call_id}", h(self._update_live), methods=["PATCH"]),
            Route("/v2/stop-call/{call_id}", h(self._stop), methods=["POST"]),
            Route("/v2/delete-call/{call_id}", h(self._delete), methods=["DELETE"]),
            Route("/v2/listen-live-call/{call_id}", h(self._listen), methods=["POST"]),
            Route("/v2/take-over-live-call/{call_id}", h(self._take_over), methods=["POST"]),
        ]

    def error_response(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        return JSONResponse(
            {"status": "error", "message": message}, status_code=status, headers=headers
        )

    def call_id(self, record: Mapping[str, Any]) -> str:
        return str(record["call_id"])

    def vendor_status(self, call: Mapping[str, Any]) -> str:
        return str(call["call_status"])

    def new_call(self, status: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        kind = fields.get("call_type", "phone_call")
        if kind == "web_call":
            record = self._web_record(str(fields.get("agent_id", "agent_emulator")), {})
        else:
            record = self._phone_record(
                {
                    "from_number": fields.get("from_number", "+14155550100"),
                    "to_number": fields.get("to_number", "+14155550199"),
                }
            )
        record.update({k: v for k, v in fields.items() if k not in ("call_type",)})
        with self.lock:
            self._remember(record)
            self.walk_to(record, status)
        return record

    def apply_status(self, call: dict[str, Any], status: str) -> None:
        now = self._ms()
        current = call["call_status"]
        if status == "queued":
            call["call_status"] = "registered"
            for key in ("start_timestamp", "end_timestamp", "duration_ms", "disconnection_reason"):
                call.pop(key, None)
        elif status == "ongoing":
            call["call_status"] = "ongoing"
            call.setdefault("start_timestamp", now)
            if not call.get("transcript_object"):
                self._say(call, "agent", _GREETING)
        elif status == "ended":
            if current in ("ended", "not_connected", "error"):
                return
            started = call.setdefault("start_timestamp", now)
            call["call_status"] = "ended"
            call["end_timestamp"] = max(now, started)
            call["duration_ms"] = call["end_timestamp"] - started
            call.setdefault("disconnection_reason", "user_hangup")
            self._finish(call)
        elif status == "failed":
            # ASSUMPTION: a call that never connected is "not_connected" (no answer); one
            # that fails mid-call is "error".
            if current == "ongoing":
                call["call_status"] = "error"
                call["disconnection_reason"] = "error_unknown"
                call["end_timestamp"] = now
                call["duration_ms"] = now - call.get("start_timestamp", now)
            else:
                call["call_status"] = "not_connected"
                call["disconnection_reason"] = "dial_no_answer"

    # -- records ------------------------------------------------------------------------
    def _ms(self) -> int:
        return int(self.now() * 1000)

    def _remember(self, record: dict[str, Any]) -> None:
        call_id = record["call_id"]
        self.calls[call_id] = record
        self._base_variables[call_id] = dict(record.get("retell_llm_dynamic_variables") or {})
        self._clock_ms[call_id] = self._ms()

    def _common(self, agent_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "call_id": self.new_id("call_", 14),
            "agent_id": agent_id,
            "agent_version": _int_or(body.get("agent_version"), 1),
            "call_status": "registered",
            "metadata": body.get("metadata") if body.get("metadata") is not None else {},
            "retell_llm_dynamic_variables": dict(body.get("retell_llm_dynamic_variables") or {}),
            "collected_dynamic_variables": {},
            "data_storage_setting": "everything",
            "opt_in_signed_url": False,
            "transcript_object": [],
            "transcript_with_tool_calls": [],
        }

    def _phone_record(self, body: Mapping[str, Any]) -> dict[str, Any]:
        # ASSUMPTION: the emulator has no phone numbers bound to agents; a call without
        # override_agent_id gets a placeholder agent id.
        agent_id = str(body.get("override_agent_id") or "agent_emulator_default")
        record = self._common(agent_id, body)
        record.update(
            {
                "call_type": "phone_call",
                "direction": "outbound",
                "from_number": body["from_number"],
                "to_number": body["to_number"],
            }
        )
        if body.get("override_agent_version") is not None:
            record["agent_version"] = _int_or(body["override_agent_version"], 1)
        if body.get("custom_sip_headers"):
            record["custom_sip_headers"] = dict(body["custom_sip_headers"])
        return record

    def _web_record(self, agent_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        record = self._common(agent_id, body)
        record["call_type"] = "web_call"
        record["access_token"] = "eyJhbGciOiJIUzI1NiJ9." + self.new_id(nbytes=24)
        return record

    def _elapsed_s(self, call: Mapping[str, Any]) -> float:
        start = call.get("start_timestamp") or self._clock_ms.get(call["call_id"], self._ms())
        return round(max(0, self._ms() - int(start)) / 1000.0, 3)

    def _say(self, call: dict[str, Any], role: str, text: str) -> None:
        start = self._elapsed_s(call)
        words, t = [], start
        for word in text.split():
            words.append({"word": word, "start": round(t, 3), "end": round(t + 0.3, 3)})
            t += 0.35
        utterance = {"role": role, "content": text, "words": words}
        call.setdefault("transcript_object", []).append(utterance)
        call.setdefault("transcript_with_tool_calls", []).append(dict(utterance))
        self._retext(call)

    def _inject(self, call: dict[str, Any], text: str) -> None:
        time_sec = self._elapsed_s(call)
        item = {"role": "injected", "content": text, "time_sec": time_sec}
        # Seed 000: "appended to the call transcript with role injected".
        call.setdefault("transcript_object", []).append({**item, "words": []})
        call.setdefault("transcript_with_tool_calls", []).append(item)

    def _retext(self, call: dict[str, Any]) -> None:
        lines = [
            f"{'Agent' if u['role'] == 'agent' else 'User'}: {u['content']}"
            for u in call.get("transcript_object", [])
            if u["role"] in ("agent", "user")
        ]
        call["transcript"] = "\n".join(lines) + ("\n" if lines else "")

    def _finish(self, call: dict[str, Any]) -> None:
        if not any(u["role"] == "user" for u in call.get("transcript_object", [])):
            self._say(call, "user", _REPLY)
        call["recording_url"] = f"https://retell-emulator.invalid/{call['call_id']}/recording.wav"
        call["public_log_url"] = f"https://retell-emulator.invalid/{call['call_id']}/log.txt"
        seconds = call["duration_ms"] / 1000.0
        call["call_analysis"] = {
            "call_summary": "Emulated call: the agent greeted the user, who asked about an order.",
            "in_voicemail": False,
            "user_sentiment": "Neutral",
            "call_successful": True,
            "custom_analysis_data": {},
        }
        cost = round(seconds * 0.1, 4)  # cents, like Retell's call_cost
        call["call_cost"] = {
            "product_costs": [{"product": "emulator", "unit_price": 0.1, "cost": cost}],
            "total_duration_seconds": round(seconds),
            "total_duration_unit_price": 0.1,
            "combined_cost": cost,
        }

    # -- request plumbing ---------------------------------------------------------------
    def _guard(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                response: Response = await handler(request)
                return response
            except _BadRequest as exc:
                return self.error_response(exc.status, exc.message)
            except JSONBodyError as exc:
                return self.error_response(400, f"Invalid request format: {exc}.")
            except CallNotFound:
                return self.error_response(404, "The requested resource was not found.")

        return endpoint

    async def _object(self, request: Request, allowed: frozenset[str]) -> dict[str, Any]:
        body = await self.json_body(request)
        if not isinstance(body, dict):
            raise _BadRequest("Invalid request format, please check API reference.")
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise _BadRequest(f"Invalid request format: unknown property {', '.join(unknown)}.")
        return body

    def _live(self, call_id: str) -> dict[str, Any]:
        call = self.find(call_id)
        if call["call_status"] != "ongoing":
            raise _BadRequest(f"Call {call_id} is not ongoing (status {call['call_status']}).")
        return call

    # -- endpoints ----------------------------------------------------------------------
    async def _get(self, request: Request) -> Response:
        with self.lock:
            return JSONResponse(self.find(request.path_params["call_id"]))

    async def _create_phone(self, request: Request) -> Response:
        body = await self._object(request, _CREATE_PHONE_FIELDS)
        for field in ("from_number", "to_number"):
            value = body.get(field)
            if not isinstance(value, str) or not value:
                raise _BadRequest(f"{field} is required and must be a string.")
            checked = field == "to_number" or not body.get("ignore_e164_validation")
            if checked and not _E164.match(value):
                raise _BadRequest(f"{field} must be a phone number in E.164 format.")
        _check_variables(body.get("retell_llm_dynamic_variables"), "retell_llm_dynamic_variables")
        _check_object(body.get("metadata"), "metadata")
        key = body.get("idempotency_key")
        if key is not None and (not isinstance(key, str) or not key):
            raise _BadRequest("idempotency_key must be a non-empty string.")
        with self.lock:
            if key is not None:
                seen = self._idempotency.get(key)
                if seen is not None and seen[1] > self.now() and seen[0] in self.calls:
                    return JSONResponse(self.calls[seen[0]], status_code=201)
            record = self._phone_record(body)
            self._remember(record)
            if key is not None:
                self._idempotency[key] = (record["call_id"], self.now() + IDEMPOTENCY_TTL_S)
            return JSONResponse(record, status_code=201)

    async def _web(self, request: Request) -> dict[str, Any]:
        body = await self._object(request, _CREATE_WEB_FIELDS)
        agent_id = body.get("agent_id")
        if not isinstance(agent_id, str) or not agent_id:
            raise _BadRequest("agent_id is required and must be a string.")
        _check_variables(body.get("retell_llm_dynamic_variables"), "retell_llm_dynamic_variables")
        _check_object(body.get("metadata"), "metadata")
        with self.lock:
            record = self._web_record(agent_id, body)
            self._remember(record)
            return record

    async def _create_web_v2(self, request: Request) -> Response:
        # Seed 004: v2 answers the web call object, access_token included.
        return JSONResponse(await self._web(request), status_code=201)

    async def _create_web_v3(self, request: Request) -> Response:
        record = await self._web(request)
        return JSONResponse(
            {
                "access_token": record["access_token"],
                "call_id": record["call_id"],
                "expires_at": self._ms() + 30_000,
                "ice_servers": [{"urls": "stun:stun.emulator.invalid:3478"}],
                "transport": "gateway",
            },
            status_code=201,
        )

    async def _update(self, request: Request) -> Response:
        body = await self._object(request, _UPDATE_FIELDS)
        _check_object(body.get("metadata"), "metadata")
        _check_variables(body.get("override_dynamic_variables"), "override_dynamic_variables")
        attributes = body.get("custom_attributes")
        if attributes is not None and (
            not isinstance(attributes, dict)
            or not all(isinstance(v, str | int | float | bool) for v in attributes.values())
        ):
            raise _BadRequest("custom_attributes values must be strings, numbers or booleans.")
        with self.lock:
            call = self.find(request.path_params["call_id"])
            if call["call_status"] != "ended":
                raise _BadRequest(
                    f"Call {call['call_id']} has not ended; update-call only updates ended "
                    "calls. Use /v2/update-live-call for an ongoing call."
                )
            self._set_storage(call, body.get("data_storage_setting"))
            if "metadata" in body:
                call["metadata"] = body["metadata"]
            if attributes is not None:
                call.setdefault("custom_attributes", {}).update(attributes)
            if body.get("override_dynamic_variables") is not None:
                call["retell_llm_dynamic_variables"].update(body["override_dynamic_variables"])
            if "opt_out_sensitive_data_storage" in body:
                call["opt_out_sensitive_data_storage"] = bool(
                    body["opt_out_sensitive_data_storage"]
                )
            return JSONResponse(call)

    def _set_storage(self, call: dict[str, Any], setting: Any) -> None:
        if setting is None:
            return
        if setting not in STORAGE_ORDER:
            raise _BadRequest(f"data_storage_setting must be one of {', '.join(STORAGE_ORDER)}.")
        current = call.get("data_storage_setting") or "everything"
        if STORAGE_ORDER.index(setting) < STORAGE_ORDER.index(current):
            raise _BadRequest(
                f"Cannot downgrade data_storage_setting from {current} to {setting}; it can "
                "only move to a more restrictive setting."
            )
        call["data_storage_setting"] = setting

    async def _update_live(self, request: Request) -> Response:
        body = await self._object(request, frozenset({"fields_to_override", "call_control"}))
        overrides = body.get("fields_to_override", {})
        control = body.get("call_control", {})
        for name, part, allowed in (
            ("fields_to_override", overrides, _OVERRIDE_FIELDS),
            ("call_control", control, _CONTROL_FIELDS),
        ):
            if not isinstance(part, dict):
                raise _BadRequest(f"{name} must be an object.")
            unknown = sorted(set(part) - allowed)
            if unknown:
                raise _BadRequest(
                    f"Invalid request format: unknown property {name}.{', '.join(unknown)}."
                )
        if "override_dynamic_variables" in overrides:
            _check_variables(overrides["override_dynamic_variables"], "override_dynamic_variables")
        if "metadata" in overrides and not isinstance(overrides["metadata"], dict):
            raise _BadRequest("metadata must be an object.")
        if len(json.dumps(overrides.get("metadata", {}))) > 50_000:
            raise _BadRequest("metadata is limited to 50kB.")
        context = control.get("additional_context")
        if "additional_context" in control and (not isinstance(context, str) or not context):
            raise _BadRequest("additional_context must be a non-empty string.")
        trigger = control.get("trigger_response")
        if "trigger_response" in control and not isinstance(trigger, bool):
            raise _BadRequest("trigger_response must be a boolean.")
        with self.lock:
            call = self._live(request.path_params["call_id"])
            self._set_storage(call, overrides.get("data_storage_setting"))
            if "override_dynamic_variables" in overrides:
                delta = overrides["override_dynamic_variables"]
                base = self._base_variables.get(call["call_id"], {})
                call["retell_llm_dynamic_variables"] = (
                    dict(base)
                    if delta is None
                    else {**call["retell_llm_dynamic_variables"], **delta}
                )
            if "metadata" in overrides:
                call["metadata"] = overrides["metadata"]
            if context:
                self._inject(call, context)
            if trigger is True:
                # The emulator has no agent; it records a stand-in reply so that the
                # triggered response is visible in the transcript.
                self._say(call, "agent", "(emulated agent response)")
            return JSONResponse({"success": True})

    async def _stop(self, request: Request) -> Response:
        with self.lock:
            call = self._live(request.path_params["call_id"])
            call["disconnection_reason"] = "manual_stopped"
            self.apply_status(call, "ended")
        return Response(status_code=204)

    async def _delete(self, request: Request) -> Response:
        with self.lock:
            call_id = request.path_params["call_id"]
            self.find(call_id)
            del self.calls[call_id]
            self._base_variables.pop(call_id, None)
        return Response(status_code=204)

    async def _listen(self, request: Request) -> Response:
        with self.lock:
            call = self._live(request.path_params["call_id"])
            return JSONResponse(
                {
                    "access_token": "eyJhbGciOiJIUzI1NiJ9." + self.new_id(nbytes=16),
                    "expires_at": self._ms() + 300_000,
                    "participant_id": self.new_id("listener_", 6),
                    "room_name": call["call_id"],
                    "transport": "gateway",
                }
            )

    async def _take_over(self, request: Request) -> Response:
        body = await self._object(request, frozenset({"participant_id"}))
        if not isinstance(body.get("participant_id"), str) or not body["participant_id"]:
            raise _BadRequest("participant_id is required.")
        with self.lock:
            self._live(request.path_params["call_id"])
            return JSONResponse({"success": True})

    def _listing(self, body: dict[str, Any], *, legacy: bool) -> tuple[list[Any], Any]:
        order = body.get("sort_order", "descending")
        if order not in ("ascending", "descending"):
            raise _BadRequest("sort_order must be ascending or descending.")
        limit = body.get("limit", 50)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
            raise _BadRequest("limit must be an integer from 1 to 1000.")
        key, skip = body.get("pagination_key"), body.get("skip")
        if key is not None and skip is not None:
            raise _BadRequest("Use either pagination_key or skip, not both.")
        if skip is not None and (not isinstance(skip, int) or skip < 0):
            raise _BadRequest("skip must be a non-negative integer.")
        criteria = body.get("filter_criteria") or {}
        if not isinstance(criteria, dict):
            raise _BadRequest("filter_criteria must be an object.")
        with self.lock:
            calls = [c for c in self.calls.values() if _matches(c, criteria)]
            calls.sort(key=self._sort_key, reverse=order == "descending")
            total = len(calls)
            start = skip or 0
            if key is not None:
                start = self._after(calls, key, legacy=legacy)
            page = calls[start : start + limit]
            items = [dict(c) for c in page]
        more = start + limit < total
        return items, (more, total)

    def _sort_key(self, call: Mapping[str, Any]) -> tuple[int, str]:
        started = call.get("start_timestamp") or self._clock_ms.get(call["call_id"], 0)
        return int(started), str(call["call_id"])

    def _after(self, calls: list[dict[str, Any]], key: Any, *, legacy: bool) -> int:
        if not isinstance(key, str):
            raise _BadRequest("pagination_key must be a string.")
        call_id = key
        if not legacy:
            try:
                call_id = json.loads(base64.urlsafe_b64decode(key.encode()))["after"]
            except (ValueError, KeyError, TypeError):
                raise _BadRequest("pagination_key is invalid.") from None
        for index, call in enumerate(calls):
            if call["call_id"] == call_id:
                return index + 1
        raise _BadRequest("pagination_key is invalid or expired.")

    async def _list_v3(self, request: Request) -> Response:
        body = await self._object(request, _LIST_FIELDS)
        items, (more, total) = self._listing(body, legacy=False)
        for item in items:
            for field in _V3_LIST_OMITS:
                item.pop(field, None)
        result: dict[str, Any] = {"items": items, "has_more": more}
        if more and items:
            cursor = json.dumps({"after": items[-1]["call_id"]}).encode()
            result["pagination_key"] = base64.urlsafe_b64encode(cursor).decode()
        if body.get("include_total"):
            result["total"] = total
        return JSONResponse(result)

    async def _list_v2(self, request: Request) -> Response:
        body = await self._object(request, _LIST_FIELDS)
        items, _ = self._listing(body, legacy=True)
        return JSONResponse(items)


def _int_or(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _check_variables(value: Any, name: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _BadRequest(f"{name} must be an object of string keys and string values.")


def _check_object(value: Any, name: str) -> None:
    if value is not None and not isinstance(value, dict):
        raise _BadRequest(f"{name} must be an object.")


_ENUM_FILTERS = {
    "call_status": "call_status",
    "call_type": "call_type",
    "direction": "direction",
    "data_storage_setting": "data_storage_setting",
    "disconnection_reason": "disconnection_reason",
}
_NUMBER_FILTERS = ("start_timestamp", "end_timestamp", "duration_ms")
_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def _matches(call: Mapping[str, Any], criteria: Mapping[str, Any]) -> bool:
    for name, rule in criteria.items():
        if name == "agent":
            wanted = {a.get("agent_id") for a in rule if isinstance(a, dict)}
            if call.get("agent_id") not in wanted:
                return False
        elif name in _ENUM_FILTERS:
            if not isinstance(rule, dict) or rule.get("op") != "in":
                raise _BadRequest(f"filter_criteria.{name} must be {{op: in, value: [...]}}.")
            if call.get(_ENUM_FILTERS[name]) not in rule.get("value", []):
                return False
        elif name in _NUMBER_FILTERS:
            value = call.get(name)
            if not isinstance(rule, dict) or value is None:
                return False
            if rule.get("op") == "bt":
                low, high = rule.get("value", [None, None])
                if not low <= value <= high:
                    return False
            elif rule.get("op") in _COMPARE:
                if not _COMPARE[rule["op"]](value, rule.get("value")):
                    return False
            else:
                raise _BadRequest(f"filter_criteria.{name} has an unknown op.")
        else:
            raise _BadRequest(
                f"filter_criteria.{name} is not modeled by the callswitch emulator "
                "(supported: agent, call_status, call_type, direction, data_storage_setting, "
                "disconnection_reason, start_timestamp, end_timestamp, duration_ms)."
            )
    return True


def create_app(*, api_key: str | None = None) -> RetellEmulator:
    """A new, empty Retell emulator (an ASGI app). ``api_key``: accept only this key."""
    return RetellEmulator(api_key=api_key)
