"""Truedy web calls: POST /webrtc/call and its documented answer, sans-IO, through the
sync and async clients, and against the emulator."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import callswitch
from callswitch.errors import InvalidRequestError, ProviderError
from callswitch.http import Request, Response, Safety
from callswitch.models import CallDirection, CallKind, CallStatus, NewWebCall
from callswitch_truedy.adapter import TruedyAdapter
from callswitch_truedy.capabilities import CAPABILITIES
from callswitch_truedy.emulator import TruedyEmulator, create_app

Drive = Callable[..., tuple[list[Request], Any]]
Ok = Callable[..., Response]

#: The WebRTC reference's 200 example (https://docs.truedy.ai/api-reference/webrtc).
DOC_ANSWER = {
    "joinUrl": "wss://voice.ultravox.ai/calls/...",
    "callId": "uv-abc123",
    "agentName": "My Sales Agent",
}
#: The reference's request example "with template variables".
DOC_VARIABLES = {"first_name": "Jane", "company": "Acme Inc", "account_tier": "pro"}


@pytest.fixture
def adapter() -> TruedyAdapter:
    return TruedyAdapter(CAPABILITIES)


def test_declared_supported_with_a_public_source() -> None:
    row = CAPABILITIES["calls.create_web"]
    assert row.supported
    assert row.source == "https://docs.truedy.ai/api-reference/webrtc"


def test_request_and_documented_answer(adapter: TruedyAdapter, drive: Drive, ok: Ok) -> None:
    """POST /webrtc/call {agent_id, variables}; the bare answer becomes a web call."""
    plan = adapter.create_web(NewWebCall(agent_id="AGENT_UUID", variables=DOC_VARIABLES), {})
    sent, call = drive(plan, ok(DOC_ANSWER))
    assert len(sent) == 1
    request = sent[0]
    assert (request.method, request.path) == ("POST", "/webrtc/call")
    assert request.json == {"agent_id": "AGENT_UUID", "variables": DOC_VARIABLES}
    assert request.safety is Safety.UNSAFE  # no idempotency key is documented here
    assert call.id == "uv-abc123"
    assert call.kind is CallKind.WEB
    assert call.status is CallStatus.QUEUED
    assert call.agent_id == "AGENT_UUID"
    assert call.variables == DOC_VARIABLES
    assert call.access_token == "wss://voice.ultravox.ai/calls/..."
    assert call.raw == DOC_ANSWER


def test_minimal_request_has_only_the_agent(adapter: TruedyAdapter) -> None:
    request = next(adapter.create_web(NewWebCall(agent_id="AGENT_UUID"), {}))
    assert request.json == {"agent_id": "AGENT_UUID"}


def test_join_url_is_hidden_from_repr_and_str(adapter: TruedyAdapter, drive: Drive, ok: Ok) -> None:
    _, call = drive(adapter.create_web(NewWebCall(agent_id="a"), {}), ok(DOC_ANSWER))
    assert "wss://" not in repr(call)
    assert "wss://" not in str(call)


def test_metadata_is_refused_before_sending(adapter: TruedyAdapter) -> None:
    with pytest.raises(InvalidRequestError, match="variables="):
        adapter.create_web(NewWebCall(agent_id="a", metadata={"k": 1}), {})


def test_answer_without_call_id_does_not_quote_the_join_url(
    adapter: TruedyAdapter, drive: Drive, ok: Ok
) -> None:
    with pytest.raises(ProviderError) as info:
        drive(adapter.create_web(NewWebCall(agent_id="a"), {}), ok({"joinUrl": "wss://secret"}))
    error = info.value
    assert "callId" in str(error)
    for text in (str(error), repr(error), repr(error.body), pickle.dumps(error).decode("latin1")):
        assert "wss://secret" not in text


def test_webrtc_direction_is_a_web_call() -> None:
    from callswitch_truedy._mapping import to_call

    call = to_call({"id": "c", "direction": "webrtc"})
    assert call.kind is CallKind.WEB
    assert call.direction is CallDirection.UNKNOWN
    assert to_call({"id": "c", "direction": "inbound"}).kind is CallKind.PHONE


@pytest.mark.anyio
async def test_sync_and_async_clients(new_truedy: Callable[[], Any]) -> None:
    sync_mock, async_mock = new_truedy(), new_truedy()
    sync_mock.answer(200, DOC_ANSWER)
    async_mock.answer(200, DOC_ANSWER)
    sync_call = sync_mock.client().calls.create_web(agent_id="AGENT_UUID", variables=DOC_VARIABLES)
    aclient = async_mock.async_client()
    async_call = await aclient.calls.create_web(agent_id="AGENT_UUID", variables=DOC_VARIABLES)
    await aclient.aclose()
    assert sync_call == async_call
    assert sync_call.access_token == DOC_ANSWER["joinUrl"]
    for mock in (sync_mock, async_mock):
        (request,) = mock.requests
        assert str(request.url) == "https://api.truedy.ai/api/public/v1/webrtc/call"
        assert mock.json(0) == {"agent_id": "AGENT_UUID", "variables": DOC_VARIABLES}


def test_client_refuses_metadata_and_sends_nothing(truedy: Any) -> None:
    with pytest.raises(InvalidRequestError):
        truedy.client().calls.create_web(agent_id="a", metadata={"k": 1})
    assert truedy.requests == []


# --------------------------------------------------------------------------- emulator


@pytest.fixture
def emu() -> Iterator[TruedyEmulator]:
    app = create_app()
    with callswitch.emulators.running(app):
        yield app


def test_emulator_answers_the_documented_shape(emu: TruedyEmulator) -> None:
    auth = {"Authorization": "Bearer test-key"}
    with httpx.Client(base_url=f"{emu.socket_url}/api/public/v1", headers=auth) as http:
        answer = http.post("/webrtc/call", json={"agent_id": "AGENT_UUID"})
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"joinUrl", "callId", "agentName"}  # no {data, meta}
        assert body["joinUrl"].startswith("wss://")
        record = http.get(f"/calls/{body['callId']}").json()["data"]
        assert record["direction"] == "webrtc"
        missing = http.post("/webrtc/call", json={"variables": {}})
        assert missing.status_code == 422
        extra = http.post("/webrtc/call", json={"agent_id": "a", "metadata": {}})
        assert extra.status_code == 422


@pytest.mark.anyio
async def test_emulator_web_call_through_both_clients(emu: TruedyEmulator) -> None:
    client = callswitch.connect("truedy", api_key="k", base_url=emu.socket_url)
    call = client.calls.create_web(agent_id="AGENT_UUID", variables={"first_name": "Jane"})
    assert call.kind is CallKind.WEB
    assert call.access_token is not None
    fetched = client.calls.get(call.id)
    assert (fetched.id, fetched.kind) == (call.id, CallKind.WEB)
    aclient = callswitch.connect_async("truedy", api_key="k", base_url=emu.socket_url)
    acall = await aclient.calls.create_web(agent_id="AGENT_UUID")
    await aclient.aclose()
    assert acall.kind is CallKind.WEB
    assert acall.id != call.id
    client.close()
