"""An in-memory emulator of the Retell call API (``https://api.retellai.com``).

Paths, bodies, status names and error bodies follow ``retell-sdk`` 6.2.13 and the
Retell docs (https://docs.retellai.com/api-references/update-live-call for
``update-live-call``). Where Retell's behaviour is not
documented the emulator assumes, and says so next to the code (``ASSUMPTION``):

* an unknown or deleted call id answers 404 ``{"status": "error", "message": ...}``
  (the real API may answer 422 "Cannot find requested asset");
* live control (``update-live-call``, ``stop-call``, listen, take-over) on a call that is
  not ``ongoing`` answers 400; so does ``update-call`` on a call that is not ``ended``
  (Retell's rule since 2026-08-31) and a data-storage downgrade;
* request bodies are checked against the SDK's field lists: an unknown property is a
  400, as the update-live-call page documents (``additionalProperties: false``);
* ``stop-call`` sets ``disconnection_reason`` to ``manual_stopped``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from callswitch.emulators import CallNotFound, Emulator, JSONBodyError
from callswitch_retell import _emulator_webhooks, _wire
from callswitch_retell._emulator_checks import (
    CONTROL_FIELDS,
    CREATE_PHONE_FIELDS,
    CREATE_WEB_FIELDS,
    E164,
    LIST_FIELDS,
    OVERRIDE_FIELDS,
    STORAGE_ORDER,
    UPDATE_FIELDS,
    V3_LIST_OMITS,
    BadRequest,
    check_metadata_size,
    check_object,
    check_variables,
    int_or,
)
from callswitch_retell._emulator_listing import encode_cursor, select_page

__all__ = ["RetellEmulator", "create_app"]

IDEMPOTENCY_TTL_S = 3600.0
_GREETING = "Hello, this is the assistant. How can I help you today?"
_REPLY = "Hi, I'm calling about my order."


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
            Route(_wire.GET_CALL, h(self._get), methods=["GET"]),
            Route(_wire.LIST_CALLS, h(self._list_v3), methods=["POST"]),
            Route(_wire.LIST_CALLS_V2, h(self._list_v2), methods=["POST"]),
            Route(_wire.CREATE_PHONE_CALL, h(self._create_phone), methods=["POST"]),
            Route(_wire.CREATE_WEB_CALL_V2, h(self._create_web_v2), methods=["POST"]),
            Route(_wire.CREATE_WEB_CALL, h(self._create_web_v3), methods=["POST"]),
            Route(_wire.UPDATE_CALL, h(self._update), methods=["PATCH"]),
            Route(_wire.UPDATE_LIVE_CALL, h(self._update_live), methods=["PATCH"]),
            Route(_wire.STOP_CALL, h(self._stop), methods=["POST"]),
            Route(_wire.DELETE_CALL, h(self._delete), methods=["DELETE"]),
            Route(_wire.LISTEN_LIVE_CALL, h(self._listen), methods=["POST"]),
            Route(_wire.TAKE_OVER_LIVE_CALL, h(self._take_over), methods=["POST"]),
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

    def webhook_payloads(
        self, call: dict[str, Any], before: str, after: str
    ) -> list[tuple[str, dict[str, Any]]]:
        return _emulator_webhooks.payloads(call, before, after)

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
            call["call_status"] = _wire.REGISTERED
            for key in ("start_timestamp", "end_timestamp", "duration_ms", "disconnection_reason"):
                call.pop(key, None)
        elif status == "ongoing":
            call["call_status"] = _wire.ONGOING
            call.setdefault("start_timestamp", now)
            if not call.get("transcript_object"):
                self._say(call, "agent", _GREETING)
        elif status == "ended":
            if current in _wire.OVER:
                return
            started = call.setdefault("start_timestamp", now)
            call["call_status"] = _wire.ENDED
            call["end_timestamp"] = max(now, started)
            call["duration_ms"] = call["end_timestamp"] - started
            call.setdefault("disconnection_reason", _wire.USER_HANGUP)
            self._finish(call)
        elif status == "failed":
            # ASSUMPTION: a call that never connected is "not_connected" (no answer); one
            # that fails mid-call is "error".
            if current == _wire.ONGOING:
                call["call_status"] = _wire.ERROR
                call["disconnection_reason"] = _wire.ERROR_UNKNOWN
                call["end_timestamp"] = now
                call["duration_ms"] = now - call.get("start_timestamp", now)
            else:
                call["call_status"] = _wire.NOT_CONNECTED
                call["disconnection_reason"] = _wire.DIAL_NO_ANSWER

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
            "agent_version": int_or(body.get("agent_version"), 1),
            "call_status": _wire.REGISTERED,
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
            record["agent_version"] = int_or(body["override_agent_version"], 1)
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
        # Only the woven transcript holds it, as on Retell: retell-sdk 6.2.13 types it as
        # InjectedUtterance there, and transcript_object's roles are spoken ones only.
        item = {"role": "injected", "content": text, "time_sec": time_sec}
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
            except BadRequest as exc:
                return self.error_response(exc.status, exc.message)
            except JSONBodyError as exc:
                return self.error_response(400, f"Invalid request format: {exc}.")
            except CallNotFound:
                return self.error_response(404, "The requested resource was not found.")

        return endpoint

    async def _object(self, request: Request, allowed: frozenset[str]) -> dict[str, Any]:
        body = await self.json_body(request)
        if not isinstance(body, dict):
            raise BadRequest("Invalid request format, please check API reference.")
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise BadRequest(f"Invalid request format: unknown property {', '.join(unknown)}.")
        return body

    def _live(self, call_id: str) -> dict[str, Any]:
        call = self.find(call_id)
        if call["call_status"] != _wire.ONGOING:
            raise BadRequest(f"Call {call_id} is not ongoing (status {call['call_status']}).")
        return call

    # -- endpoints ----------------------------------------------------------------------
    async def _get(self, request: Request) -> Response:
        with self.lock:
            return JSONResponse(self.find(request.path_params["call_id"]))

    async def _create_phone(self, request: Request) -> Response:
        body = await self._object(request, CREATE_PHONE_FIELDS)
        for field in ("from_number", "to_number"):
            value = body.get(field)
            if not isinstance(value, str) or not value:
                raise BadRequest(f"{field} is required and must be a string.")
            checked = field == "to_number" or not body.get("ignore_e164_validation")
            if checked and not E164.match(value):
                raise BadRequest(f"{field} must be a phone number in E.164 format.")
        check_variables(body.get("retell_llm_dynamic_variables"), "retell_llm_dynamic_variables")
        check_object(body.get("metadata"), "metadata")
        key = body.get("idempotency_key")
        if key is not None and (not isinstance(key, str) or not key):
            raise BadRequest("idempotency_key must be a non-empty string.")
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
        body = await self._object(request, CREATE_WEB_FIELDS)
        agent_id = body.get("agent_id")
        if not isinstance(agent_id, str) or not agent_id:
            raise BadRequest("agent_id is required and must be a string.")
        check_variables(body.get("retell_llm_dynamic_variables"), "retell_llm_dynamic_variables")
        check_object(body.get("metadata"), "metadata")
        with self.lock:
            record = self._web_record(agent_id, body)
            self._remember(record)
            return record

    async def _create_web_v2(self, request: Request) -> Response:
        # The create-web-call page: v2 answers the web call object, access_token included.
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
        body = await self._object(request, UPDATE_FIELDS)
        check_object(body.get("metadata"), "metadata")
        check_metadata_size(body.get("metadata"))
        check_variables(body.get("override_dynamic_variables"), "override_dynamic_variables")
        attributes = body.get("custom_attributes")
        if attributes is not None and (
            not isinstance(attributes, dict)
            or not all(isinstance(v, str | int | float | bool) for v in attributes.values())
        ):
            raise BadRequest("custom_attributes values must be strings, numbers or booleans.")
        with self.lock:
            call = self.find(request.path_params["call_id"])
            if call["call_status"] != _wire.ENDED:
                raise BadRequest(
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
            raise BadRequest(f"data_storage_setting must be one of {', '.join(STORAGE_ORDER)}.")
        current = call.get("data_storage_setting") or "everything"
        if STORAGE_ORDER.index(setting) < STORAGE_ORDER.index(current):
            raise BadRequest(
                f"Cannot downgrade data_storage_setting from {current} to {setting}; it can "
                "only move to a more restrictive setting."
            )
        call["data_storage_setting"] = setting

    async def _update_live(self, request: Request) -> Response:
        body = await self._object(request, frozenset({"fields_to_override", "call_control"}))
        overrides = body.get("fields_to_override", {})
        control = body.get("call_control", {})
        for name, part, allowed in (
            ("fields_to_override", overrides, OVERRIDE_FIELDS),
            ("call_control", control, CONTROL_FIELDS),
        ):
            if not isinstance(part, dict):
                raise BadRequest(f"{name} must be an object.")
            unknown = sorted(set(part) - allowed)
            if unknown:
                raise BadRequest(
                    f"Invalid request format: unknown property {name}.{', '.join(unknown)}."
                )
        if "override_dynamic_variables" in overrides:
            check_variables(overrides["override_dynamic_variables"], "override_dynamic_variables")
        if "metadata" in overrides and not isinstance(overrides["metadata"], dict):
            raise BadRequest("metadata must be an object.")
        check_metadata_size(overrides.get("metadata"))
        context = control.get("additional_context")
        if "additional_context" in control and (not isinstance(context, str) or not context):
            raise BadRequest("additional_context must be a non-empty string.")
        trigger = control.get("trigger_response")
        if "trigger_response" in control and not isinstance(trigger, bool):
            raise BadRequest("trigger_response must be a boolean.")
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
            call["disconnection_reason"] = _wire.MANUAL_STOPPED
            self.apply_status(call, "ended")
        return Response(status_code=204)

    async def _delete(self, request: Request) -> Response:
        with self.lock:
            call_id = request.path_params["call_id"]
            self.find(call_id)
            self.remove(call_id)
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
            raise BadRequest("participant_id is required.")
        with self.lock:
            self._live(request.path_params["call_id"])
            return JSONResponse({"success": True})

    def _listing(self, body: dict[str, Any], *, legacy: bool) -> tuple[list[Any], Any]:
        with self.lock:
            return select_page(self.calls.values(), body, self._sort_key, legacy=legacy)

    def _sort_key(self, call: Mapping[str, Any]) -> tuple[int, str]:
        started = call.get("start_timestamp") or self._clock_ms.get(call["call_id"], 0)
        return int(started), str(call["call_id"])

    async def _list_v3(self, request: Request) -> Response:
        body = await self._object(request, LIST_FIELDS)
        items, (more, total) = self._listing(body, legacy=False)
        for item in items:
            for field in V3_LIST_OMITS:
                item.pop(field, None)
        result: dict[str, Any] = {"items": items, "has_more": more}
        if more and items:
            result["pagination_key"] = encode_cursor(items[-1]["call_id"])
        if body.get("include_total"):
            result["total"] = total
        return JSONResponse(result)

    async def _list_v2(self, request: Request) -> Response:
        body = await self._object(request, LIST_FIELDS)
        items, _ = self._listing(body, legacy=True)
        return JSONResponse(items)


def create_app(*, api_key: str | None = None) -> RetellEmulator:
    """A new, empty Retell emulator (an ASGI app). ``api_key``: accept only this key."""
    return RetellEmulator(api_key=api_key)
