"""A tiny in-test provider used to exercise the core without any vendor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callswitch.capabilities import Capabilities, Capability, Support
from callswitch.hookspecs import hookimpl
from callswitch.http import Page, Plan, Request, Response, Safety
from callswitch.models import (
    Call,
    CallStatus,
    CallUpdate,
    ControlResult,
    LiveControl,
    NewPhoneCall,
    NewWebCall,
    UpdateResult,
)
from callswitch.provider import Adapter, ProviderSpec, merge_options

NAME = "fake"
UNSUPPORTED = {
    Capability.UPDATE_GREETING,
    Capability.UPDATE_RECORDING_ENABLED,
    Capability.CONTROL_SAY,
    Capability.CONTROL_MUTE,
    Capability.CALLS_DELETE,
}

CAPS = Capabilities(
    NAME,
    tuple(
        Support(c, c not in UNSUPPORTED, "fake note for " + c.value, "tests/fakeprovider.py")
        for c in Capability
    ),
)


def to_call(data: Mapping[str, Any]) -> Call:
    return Call(id=data["id"], provider=NAME, status=CallStatus(data.get("status")), raw=dict(data))


class FakeAdapter(Adapter):
    name = NAME
    #: Where the tests' absolute (control-style) URLs point.
    trusted_hosts = ("ctl.invalid",)
    default_page_size = 2

    def get(self, call_id: str) -> Plan[Call]:
        response: Response = yield Request("GET", f"/calls/{call_id}", operation="calls.get")
        return to_call(response.json_object())

    def list_page(
        self, *, filters: Mapping[str, Any], page_size: int, cursor: Any
    ) -> Plan[Page[Call]]:
        params: dict[str, str | int] = {"limit": page_size, "offset": cursor or 0}
        response = yield Request("GET", "/calls", params=params)
        items = tuple(to_call(c) for c in response.json_object()["data"])
        nxt = (cursor or 0) + len(items) if response.json_object().get("more") else None
        return Page(items, nxt)

    def create_phone(self, new: NewPhoneCall, options: Mapping[str, Any]) -> Plan[Call]:
        body = merge_options(NAME, {"to": new.to_number}, options)
        response = yield Request("POST", "/calls", json=body, safety=Safety.UNSAFE)
        return to_call(response.json_object())

    def create_web(self, new: NewWebCall, options: Mapping[str, Any]) -> Plan[Call]:
        response = yield Request("POST", "/web", json={"agent": new.agent_id}, safety=Safety.UNSAFE)
        return to_call(response.json_object())

    def update(
        self, call_id: str, update: CallUpdate, options: Mapping[str, Any]
    ) -> Plan[UpdateResult]:
        body = update.model_dump(mode="json", exclude_none=True)
        response = yield Request("PATCH", f"/calls/{call_id}", json=body)
        applied = tuple("update." + k for k in body)
        return UpdateResult(call=to_call(response.json_object()), applied=applied)

    def control(
        self, call_id: str, control: LiveControl, options: Mapping[str, Any]
    ) -> Plan[ControlResult]:
        body = control.model_dump(mode="json", exclude_none=True)
        yield Request("POST", f"/calls/{call_id}/control", json=body, safety=Safety.UNSAFE)
        return ControlResult(call_id=call_id, applied=tuple("control." + k for k in body))

    def end(self, call_id: str) -> Plan[None]:
        yield Request("POST", f"/calls/{call_id}/end", safety=Safety.UNSAFE)


@hookimpl
def register_providers(register: Any) -> None:
    register(
        ProviderSpec(
            name=NAME,
            adapter="fakeprovider:FakeAdapter",
            capabilities=CAPS,
            default_base_url="https://fake.invalid/api",
            api_key_env="FAKE_API_KEY",
        )
    )
