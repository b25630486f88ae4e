"""Live control beyond the neutral model: provider_options publicKey (control URLs with
monitorPlan.controlAuthenticationEnabled), muteCustomer, the say flags, transferContent."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from vapi.types import (
    ClientInboundMessageControl,
    ClientInboundMessageSay,
    ClientInboundMessageTransfer,
)

import callswitch
from callswitch import LiveControl, Secret
from callswitch.emulators import running
from callswitch.errors import AuthenticationError, InvalidRequestError
from callswitch_vapi.emulator import VapiEmulator, create_app

PUBLIC = "pub-key-0123456789"


def _server(kit: SimpleNamespace, key: str | None = None) -> Any:
    """A call whose control URL answers 401 unless it gets ``Bearer <key>`` (when set)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=kit.ongoing_call())
        if key is not None and request.headers.get("authorization") != f"Bearer {key}":
            return httpx.Response(401, json={"message": "Unauthorized", "statusCode": 401})
        return httpx.Response(200, json={})

    return kit.Recorder(handler)


def test_public_key_goes_to_the_control_url_only(kit: SimpleNamespace, connect: Any) -> None:
    rec = _server(kit, key=PUBLIC)
    result = connect(rec).calls.control(
        "c1", LiveControl(say="hi"), provider_options={"vapi": {"publicKey": Secret(PUBLIC)}}
    )
    assert result.applied == ("control.say",)
    get, post = rec.requests
    assert get.headers["authorization"] == f"Bearer {kit.API_KEY}"
    assert post.headers["authorization"] == f"Bearer {PUBLIC}"
    assert str(post.url) == kit.CONTROL_URL


def test_a_401_says_what_to_set_and_hides_the_key(kit: SimpleNamespace, connect: Any) -> None:
    rec = _server(kit, key=PUBLIC)
    with pytest.raises(AuthenticationError, match="controlAuthenticationEnabled") as info:
        connect(rec).calls.control("c1", LiveControl(say="hi"))
    assert 'provider_options={"vapi": {"publicKey"' in str(info.value)
    with pytest.raises(AuthenticationError, match="publicKey given") as wrong:
        connect(rec).calls.control(
            "c1", LiveControl(say="hi"), provider_options={"vapi": {"publicKey": "nope-key"}}
        )
    copy = pickle.loads(pickle.dumps(wrong.value))  # noqa: S301 - our own bytes
    text = repr(wrong.value) + str(wrong.value) + repr(copy) + str(wrong.value.__cause__)
    assert "nope-key" not in text
    with pytest.raises(AuthenticationError, match="LiveControl\\(end_call=True\\)"):
        connect(rec).calls.end("c1")


def test_mute_customer_say_flags_and_transfer_content(kit: SimpleNamespace, connect: Any) -> None:
    """Each option lands in the SDK's own message shape; the customer mute goes before the
    transfer, which hands the call on."""
    rec = _server(kit)
    result = connect(rec).calls.control(
        "c1",
        LiveControl(say="One moment.", transfer_to="+14155550111"),
        provider_options={
            "vapi": {
                "muteCustomer": True,
                "interruptionsEnabled": False,
                "transferContent": "Transferring you now.",
            }
        },
    )
    sent = [kit.body_of(r) for r in rec.requests[1:]]
    assert sent == [
        {
            "type": "say",
            "content": "One moment.",
            "endCallAfterSpoken": False,
            "interruptionsEnabled": False,
        },
        {"type": "control", "control": "mute-customer"},
        {
            "type": "transfer",
            "destination": {"type": "number", "number": "+14155550111"},
            "content": "Transferring you now.",
        },
    ]
    ClientInboundMessageSay.model_validate(sent[0])
    assert ClientInboundMessageControl.model_validate(sent[1]).control == "mute-customer"
    assert ClientInboundMessageTransfer.model_validate(sent[2]).content == "Transferring you now."
    assert result.applied == ("control.say", "control.mute", "control.transfer")


def test_unmute_customer_goes_before_a_say_that_hangs_up(
    kit: SimpleNamespace, connect: Any
) -> None:
    rec = _server(kit)
    connect(rec).calls.control(
        "c1",
        LiveControl(say="Bye.", end_call=True),
        provider_options={"vapi": {"muteCustomer": False}},
    )
    types = [(kit.body_of(r)["type"], kit.body_of(r).get("control")) for r in rec.requests[1:]]
    assert types == [("control", "unmute-customer"), ("say", None)]


@pytest.mark.parametrize(
    ("control", "options", "needle"),
    [
        (LiveControl(say="hi"), {"muteCustomers": True}, "does not take muteCustomers"),
        (LiveControl(end_call=True), {"interruptionsEnabled": True}, "only applies to a say"),
        (LiveControl(say="hi"), {"transferContent": "x"}, "only applies to a transfer"),
        (LiveControl(say="hi"), {"muteCustomer": "yes"}, "must be true or false"),
        (LiveControl(say="hi"), {"publicKey": 42}, "public API key"),
        (LiveControl(say="hi"), {"publicKey": " "}, "empty"),
    ],
)
def test_bad_options_refused_before_sending(
    kit: SimpleNamespace, connect: Any, control: LiveControl, options: dict[str, Any], needle: str
) -> None:
    rec = _server(kit)
    with pytest.raises(InvalidRequestError, match=needle):
        connect(rec).calls.control("c1", control, provider_options={"vapi": options})
    assert rec.requests == []


@pytest.fixture
def emu() -> Iterator[VapiEmulator]:
    app = create_app()
    with running(app):
        yield app


def _authenticated_call(emu: VapiEmulator, client: Any) -> str:
    call = client.calls.create_phone(
        from_number=next(iter(emu.phone_numbers)),
        to_number="+14155550123",
        agent_id="asst-1",
        provider_options={
            "vapi": {"assistantOverrides": {"monitorPlan": {"controlAuthenticationEnabled": True}}}
        },
    )
    emu.set_status(call.id, "ongoing")
    return str(call.id)


def test_emulator_control_auth_sync(emu: VapiEmulator) -> None:
    """The emulator's control URL of a call created with controlAuthenticationEnabled
    answers 401 without the public key and accepts it with it."""
    with callswitch.connect("vapi", api_key="k", base_url=emu.socket_url) as client:
        call_id = _authenticated_call(emu, client)
        with pytest.raises(AuthenticationError, match="publicKey"):
            client.calls.control(call_id, LiveControl(say="hi"))
        options = {"vapi": {"publicKey": emu.public_key, "muteCustomer": True}}
        done = client.calls.control(call_id, LiveControl(end_call=True), provider_options=options)
    assert done.applied == ("control.mute", "control.end_call")
    assert [m["type"] for m in emu.live_messages[call_id]] == ["control", "end-call"]


def test_emulator_control_auth_async(emu: VapiEmulator) -> None:
    async def run() -> Any:
        async with callswitch.connect_async("vapi", api_key="k", base_url=emu.socket_url) as c:
            with callswitch.connect("vapi", api_key="k", base_url=emu.socket_url) as sync:
                call_id = _authenticated_call(emu, sync)
            with pytest.raises(AuthenticationError):
                await c.calls.control(call_id, LiveControl(say="hi"))
            options = {"vapi": {"publicKey": emu.public_key, "interruptionsEnabled": True}}
            return call_id, await c.calls.control(
                call_id, LiveControl(say="hi"), provider_options=options
            )

    call_id, result = asyncio.run(run())
    assert result.applied == ("control.say",)
    assert emu.live_messages[call_id][-1]["interruptionsEnabled"] is True
