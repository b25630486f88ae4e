"""Echo Voice adapter: pure translation between callswitch's model and the Echo API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from callswitch.errors import ProviderError
from callswitch.models import (
    Call,
    CallKind,
    CallStatus,
    CallUpdate,
    ControlResult,
    LiveControl,
    NewPhoneCall,
    UpdateResult,
)
from callswitch.plugin import (
    Adapter,
    ErrorDetails,
    Page,
    Plan,
    Request,
    Response,
    Safety,
    merge_options,
)
from callswitch_echo.capabilities import NAME

_STATES = {
    "waiting": CallStatus.QUEUED,
    "ringing": CallStatus.RINGING,
    "live": CallStatus.ONGOING,
    "done": CallStatus.ENDED,
    "failed": CallStatus.FAILED,
}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _created(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def _to_call(data: Any, response: Response) -> Call:
    if not isinstance(data, dict) or not _str(data.get("id")):
        raise ProviderError(
            "Echo answered without a call id",
            provider=NAME,
            status_code=response.status_code,
            body=response.text[:2000],
        )
    meta = data.get("meta")
    variables = data.get("vars")
    return Call(
        id=data["id"],
        provider=NAME,
        status=_STATES.get(str(data.get("state")), CallStatus.UNKNOWN),
        kind=CallKind.PHONE,
        agent_id=_str(data.get("agent")),
        from_number=_str(data.get("from")),
        to_number=_str(data.get("to")),
        created_at=_created(data.get("created")),
        metadata=meta if isinstance(meta, dict) else {},
        variables={k: v for k, v in variables.items() if isinstance(v, str)}
        if isinstance(variables, dict)
        else {},
        raw=data,
    )


class EchoAdapter(Adapter):
    name = NAME
    default_page_size = 50

    def auth_headers(self, api_key: str) -> dict[str, str]:
        return {"X-Api-Key": api_key}

    def get(self, call_id: str) -> Plan[Call]:
        response = yield Request("GET", f"/calls/{call_id}", operation="calls.get")
        return _to_call(response.json(), response)

    def list_page(
        self, *, filters: Mapping[str, Any], page_size: int, cursor: Any
    ) -> Plan[Page[Call]]:
        # Echo filters nothing server-side; callswitch only passes filters it accepts.
        params: dict[str, str | int | float | bool] = {"limit": page_size}
        if cursor:
            params["cursor"] = str(cursor)
        response = yield Request("GET", "/calls", params=params, operation="calls.list")
        data = response.json_object()
        items = data.get("calls")
        calls = tuple(_to_call(c, response) for c in items) if isinstance(items, list) else ()
        return Page(calls, _str(data.get("next_cursor")))

    def create_phone(self, new: NewPhoneCall, options: Mapping[str, Any]) -> Plan[Call]:
        body: dict[str, Any] = {"to": new.to_number}
        for key, value in (
            ("from", new.from_number),
            ("agent", new.agent_id),
            ("vars", new.variables),
            ("meta", new.metadata),
        ):
            if value is not None:
                body[key] = value
        response = yield Request(
            "POST",
            "/calls",
            json=merge_options(NAME, body, options),
            safety=Safety.UNSAFE,
            operation="calls.create_phone",
        )
        return _to_call(response.json(), response)

    def update(
        self, call_id: str, update: CallUpdate, options: Mapping[str, Any]
    ) -> Plan[UpdateResult]:
        body: dict[str, Any] = {}
        applied: list[str] = []
        for field, key, cap in (
            ("metadata", "meta", "update.metadata"),
            ("variables", "vars", "update.variables"),
            ("name", "label", "update.name"),
        ):
            value = getattr(update, field)
            if value is not None:
                body[key] = value
                applied.append(cap)
        response = yield Request(
            "PATCH",
            f"/calls/{call_id}",
            json=merge_options(NAME, body, options),
            operation="calls.update",
        )
        return UpdateResult(call=_to_call(response.json(), response), applied=tuple(applied))

    def control(
        self, call_id: str, control: LiveControl, options: Mapping[str, Any]
    ) -> Plan[ControlResult]:
        applied: list[str] = []
        if control.say is not None:
            yield Request(
                "POST",
                f"/calls/{call_id}/say",
                json=merge_options(NAME, {"text": control.say}, options),
                safety=Safety.UNSAFE,
                operation="calls.control",
            )
            applied.append("control.say")
        if control.end_call:
            yield from self.end(call_id)
            applied.append("control.end_call")
        return ControlResult(call_id=call_id, applied=tuple(applied))

    def end(self, call_id: str) -> Plan[None]:
        yield Request(
            "POST", f"/calls/{call_id}/hangup", safety=Safety.UNSAFE, operation="calls.end"
        )

    def error_details(self, response: Response) -> ErrorDetails:
        try:
            data = response.json()
        except ProviderError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return ErrorDetails(message=data["error"])
        return ErrorDetails(message=response.text[:500] or f"HTTP {response.status_code}")
