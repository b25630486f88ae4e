"""The official vapi-server-sdk, unmodified, against the Vapi emulator on a socket, plus
raw POSTs to the call's control URL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from vapi import Vapi
from vapi.core.api_error import ApiError

from callswitch.emulators import running
from callswitch_vapi.emulator import VapiEmulator, create_app


@pytest.fixture
def emu() -> Iterator[VapiEmulator]:
    app = create_app()
    with running(app):
        yield app


@pytest.fixture
def sdk(emu: VapiEmulator) -> Iterator[Vapi]:
    assert emu.socket_url is not None
    with httpx.Client() as http:
        yield Vapi(token="test-key", base_url=emu.socket_url, httpx_client=http)


def _create(sdk: Vapi) -> str:
    call = sdk.calls.create(
        assistant_id="asst-1",
        customer={"number": "+14155550123"},
        assistant_overrides={"variable_values": {"name": "Ada"}, "metadata": {"crm": "7"}},
    )
    return str(call.id)  # type: ignore[union-attr]


def test_create_get_update_delete_then_404(sdk: Vapi) -> None:
    """create, get, update (name), delete, and 404 after delete."""
    call_id = _create(sdk)
    got = sdk.calls.get(call_id)
    assert got.status == "queued"
    assert got.type == "outboundPhoneCall"
    assert got.assistant_overrides is not None
    assert got.assistant_overrides.variable_values == {"name": "Ada"}
    assert sdk.calls.update(call_id, name="renamed").name == "renamed"
    deleted = sdk.calls.delete(call_id)
    assert deleted.id == call_id
    with pytest.raises(ApiError) as missing:
        sdk.calls.get(call_id)
    assert missing.value.status_code == 404
    assert missing.value.body == {
        "message": "Call not found",
        "error": "Not Found",
        "statusCode": 404,
    }


def test_update_takes_only_name(emu: VapiEmulator, sdk: Vapi) -> None:
    """PATCH /call/{id} rejects anything but name, NestJS style."""
    call_id = _create(sdk)
    raw = httpx.patch(
        f"{emu.socket_url}/call/{call_id}",
        json={"metadata": {"a": 1}},
        headers={"Authorization": "Bearer test-key"},
    )
    assert raw.status_code == 400
    assert raw.json() == {
        "message": ["property metadata should not exist"],
        "error": "Bad Request",
        "statusCode": 400,
    }


def test_missing_key_is_401(emu: VapiEmulator) -> None:
    """No bearer key -> 401 in Vapi's error shape."""
    raw = httpx.get(f"{emu.socket_url}/call")
    assert raw.status_code == 401
    assert raw.json()["statusCode"] == 401


def test_list_is_a_bare_array_with_created_at_window(sdk: Vapi, emu: VapiEmulator) -> None:
    """GET /call returns a bare array, newest first, filtered by createdAt and limit."""
    ids = [_create(sdk) for _ in range(3)]
    calls = sdk.calls.list(limit=2)
    assert [c.id for c in calls] == ids[::-1][:2]
    oldest = emu.get_call(ids[0])["createdAt"]
    raw = httpx.get(
        f"{emu.socket_url}/call",
        params={"createdAtLe": oldest},
        headers={"Authorization": "Bearer k"},
    )
    assert ids[0] in [c["id"] for c in raw.json()]
    assert isinstance(raw.json(), list)


def test_control_url_steers_an_in_progress_call(sdk: Vapi, emu: VapiEmulator) -> None:
    """monitor.controlUrl is an absolute URL on this emulator; raw POSTs control the call."""
    call_id = _create(sdk)
    emu.set_status(call_id, "ongoing")
    call = sdk.calls.get(call_id)
    assert call.status == "in-progress"
    assert call.monitor is not None
    assert call.monitor.control_url
    url = call.monitor.control_url
    assert url.startswith(str(emu.socket_url))
    added = httpx.post(
        url,
        json={
            "type": "add-message",
            "message": {"role": "system", "content": "Caller is a VIP"},
            "triggerResponseEnabled": False,
        },
    )
    assert added.status_code == 200
    said = httpx.post(
        url, json={"type": "say", "content": "One moment", "endCallAfterSpoken": False}
    )
    assert said.status_code == 200
    bad = httpx.post(url, json={"type": "dance"})
    assert bad.status_code == 400
    assert httpx.post(url, json={"type": "end-call"}).status_code == 200
    ended = sdk.calls.get(call_id)
    assert ended.status == "ended"
    assert ended.ended_reason == "assistant-ended-call"
    assert ended.monitor is None
    messages = [(m.role, m.message) for m in ended.artifact.messages]  # type: ignore[union-attr]
    assert ("system", "Caller is a VIP") in messages
    assert ("bot", "One moment") in messages
    late = httpx.post(url, json={"type": "end-call"})
    assert late.status_code == 400


def test_delete_does_not_hang_up(sdk: Vapi, emu: VapiEmulator) -> None:
    """DELETE removes the record only; the answer is the call as it was."""
    call_id = _create(sdk)
    emu.set_status(call_id, "ongoing")
    assert sdk.calls.delete(call_id).status == "in-progress"
    assert call_id not in emu.calls


def test_phone_number_search_and_get_in_the_sdk_shapes(sdk: Vapi, emu: VapiEmulator) -> None:
    """GET /v2/phone-number?search= (partial match, {results, metadata}) and
    GET /phone-number/{id}, read by the SDK's own methods."""
    wanted = emu.add_phone_number("+14155559900")
    emu.add_phone_number("+141555599001")
    page = sdk.phone_numbers.phone_number_controller_find_all_paginated(search="+14155559900")
    assert {r.id: r.number for r in page.results}[wanted] == "+14155559900"  # type: ignore[union-attr]
    assert len(page.results) == 2
    assert page.metadata.total_items == 2
    none = sdk.phone_numbers.phone_number_controller_find_all_paginated(search="+19999")
    assert none.results == []
    got = sdk.phone_numbers.get(wanted)
    assert got.number == "+14155559900"  # type: ignore[union-attr]
    with pytest.raises(ApiError) as missing:
        sdk.phone_numbers.get("pn-nope")
    assert missing.value.status_code == 404


def test_adapter_fills_from_number_against_the_emulator(emu: VapiEmulator) -> None:
    """create with an E.164 number, then get: from_number is the number, resolved by id."""
    import callswitch

    emu.add_phone_number("+14155559911")
    with callswitch.connect("vapi", api_key="k", base_url=emu.socket_url) as client:
        made = client.calls.create_phone(
            from_number="+14155559911", to_number="+14155550123", agent_id="asst-1"
        )
    with callswitch.connect("vapi", api_key="k", base_url=emu.socket_url) as fresh:
        got = fresh.calls.get(made.id)
    assert made.from_number == got.from_number == "+14155559911"
    assert "phoneNumber" not in got.raw
