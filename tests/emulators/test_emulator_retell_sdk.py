"""The official retell-sdk, unmodified, against the Retell emulator on a socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import retell

from callswitch.emulators import running
from callswitch_retell.emulator import RetellEmulator, create_app


@pytest.fixture
def emu() -> Iterator[RetellEmulator]:
    app = create_app()
    with running(app):
        yield app


@pytest.fixture
def sdk(emu: RetellEmulator) -> Iterator[retell.Retell]:
    assert emu.socket_url is not None
    client = retell.Retell(api_key="test-key", base_url=emu.socket_url, max_retries=0)
    yield client
    client.close()


def _phone(sdk: retell.Retell, **extra: object) -> str:
    call = sdk.call.create_phone_call(from_number="+14155550100", to_number="+14155550123", **extra)
    assert call.call_type == "phone_call"
    return call.call_id


def test_create_phone_call_returns_a_registered_call(sdk: retell.Retell) -> None:
    """create-phone-call answers a phone call object the SDK parses."""
    call = sdk.call.create_phone_call(
        from_number="+14155550100",
        to_number="+14155550123",
        metadata={"order": 7},
        retell_llm_dynamic_variables={"name": "Ada"},
    )
    assert call.call_status == "registered"
    assert call.metadata == {"order": 7}
    assert call.retell_llm_dynamic_variables == {"name": "Ada"}
    assert sdk.call.retrieve(call.call_id).call_id == call.call_id


def test_idempotency_key_returns_the_same_call(sdk: retell.Retell, emu: RetellEmulator) -> None:
    """The body field idempotency_key makes a repeat return the first call."""
    first = _phone(sdk, idempotency_key="k-1")
    again = _phone(sdk, idempotency_key="k-1")
    other = _phone(sdk, idempotency_key="k-2")
    assert first == again != other
    assert len(emu.calls) == 2


def test_update_live_injects_context_and_overrides(sdk: retell.Retell, emu: RetellEmulator) -> None:
    """update-live-call on an ongoing call: context lands as role 'injected' in
    transcript_with_tool_calls (an InjectedUtterance, as on Retell) and not in
    transcript_object; variables and metadata change."""
    call_id = _phone(sdk, retell_llm_dynamic_variables={"tier": "basic"})
    emu.set_status(call_id, "ongoing")
    result = sdk.call.update_live(
        call_id,
        call_control={"additional_context": "Caller is a VIP", "trigger_response": True},
        fields_to_override={
            "override_dynamic_variables": {"tier": "gold"},
            "metadata": {"crm": "42"},
        },
    )
    assert result.success is True
    call = sdk.call.retrieve(call_id)
    injected = [u for u in call.transcript_with_tool_calls or [] if u.role == "injected"]
    assert [type(u).__name__ for u in injected] == ["TranscriptWithToolCallInjectedUtterance"]
    assert [u.content for u in injected] == ["Caller is a VIP"]
    assert isinstance(injected[0].time_sec, float)
    assert [u.role for u in call.transcript_object or []] == ["agent", "agent"]
    assert call.retell_llm_dynamic_variables == {"tier": "gold"}
    assert call.metadata == {"crm": "42"}


def test_update_live_rejects_unknown_properties(sdk: retell.Retell, emu: RetellEmulator) -> None:
    """Seed 000: additionalProperties false, at the top level and inside each object."""
    call_id = _phone(sdk)
    emu.set_status(call_id, "ongoing")
    with pytest.raises(retell.BadRequestError) as top:
        sdk.call.update_live(call_id, extra_body={"surprise": 1})
    with pytest.raises(retell.BadRequestError) as inner:
        sdk.call.update_live(call_id, call_control={"say": "hi"})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(retell.BadRequestError):
        sdk.call.update_live(call_id, call_control={"additional_context": ""})
    assert top.value.body == {"status": "error", "message": top.value.body["message"]}  # type: ignore[index]
    assert "surprise" in str(top.value.body)
    assert "say" in str(inner.value.body)


def test_live_control_needs_an_ongoing_call(sdk: retell.Retell) -> None:
    """update-live-call and stop-call on a call that is not ongoing fail (400, assumed)."""
    call_id = _phone(sdk)
    with pytest.raises(retell.BadRequestError, match="not ongoing"):
        sdk.call.update_live(call_id, call_control={"trigger_response": True})
    with pytest.raises(retell.BadRequestError):
        sdk.call.stop(call_id)


def test_stop_then_update_then_retrieve(sdk: retell.Retell, emu: RetellEmulator) -> None:
    """stop-call ends the call; update-call works once ended; retrieve shows it all."""
    call_id = _phone(sdk)
    emu.set_status(call_id, "ongoing")
    with pytest.raises(retell.BadRequestError, match="has not ended"):
        sdk.call.update(call_id, metadata={"x": 1})
    assert sdk.call.stop(call_id) is None
    updated = sdk.call.update(
        call_id, metadata={"x": 1}, data_storage_setting="everything_except_pii"
    )
    assert updated.metadata == {"x": 1}
    call = sdk.call.retrieve(call_id)
    assert call.call_status == "ended"
    assert call.disconnection_reason == "manual_stopped"
    assert call.end_timestamp is not None
    assert call.start_timestamp is not None
    assert call.data_storage_setting == "everything_except_pii"
    assert call.transcript


def test_data_storage_cannot_be_downgraded(sdk: retell.Retell, emu: RetellEmulator) -> None:
    """A move to a less restrictive data_storage_setting is refused."""
    call_id = _phone(sdk)
    emu.set_status(call_id, "ended")
    sdk.call.update(call_id, data_storage_setting="basic_attributes_only")
    with pytest.raises(retell.BadRequestError, match="downgrade"):
        sdk.call.update(call_id, data_storage_setting="everything")
    assert emu.get_call(call_id)["data_storage_setting"] == "basic_attributes_only"


def test_errors_have_retells_shape(emu: RetellEmulator, sdk: retell.Retell) -> None:
    """Missing key -> 401, bad body -> 400, unknown and deleted ids -> 404."""
    assert emu.socket_url is not None
    # The SDK refuses to send an empty key (h11 rejects "Bearer "), so go around it.
    for headers in ({}, {"Authorization": "Basic abc"}):
        raw = httpx.get(f"{emu.socket_url}/v2/get-call/call_x", headers=headers)
        assert raw.status_code == 401
        assert raw.json() == {"status": "error", "message": "API key is missing or invalid."}
    strict = create_app(api_key="right-key")
    with running(strict) as url:
        wrong = retell.Retell(api_key="wrong-key", base_url=url, max_retries=0)
        with pytest.raises(retell.AuthenticationError):
            wrong.call.retrieve("call_x")
    with pytest.raises(retell.BadRequestError, match="E.164"):
        sdk.call.create_phone_call(from_number="+14155550100", to_number="555")
    with pytest.raises(retell.NotFoundError):
        sdk.call.retrieve("call_missing")
    call_id = _phone(sdk)
    sdk.call.delete(call_id)
    with pytest.raises(retell.NotFoundError):
        sdk.call.retrieve(call_id)


def test_web_calls_v2_and_v3(sdk: retell.Retell, emu: RetellEmulator) -> None:
    """v3 create-web-call answers connection details; the call is then retrievable."""
    made = sdk.call.create_web_call(agent_id="agent_1", metadata={"a": 1})
    assert made.access_token
    assert made.transport == "gateway"
    call = sdk.call.retrieve(made.call_id)
    assert call.call_type == "web_call"
    assert call.access_token == made.access_token


def test_list_calls_pages_with_pagination_key(sdk: retell.Retell, emu: RetellEmulator) -> None:
    """/v3/list-calls pages with an opaque pagination_key and reports has_more."""
    ids = {_phone(sdk) for _ in range(5)}
    seen: list[str] = []
    page = sdk.call.list(limit=2, include_total=True)
    assert page.total == 5
    while True:
        seen += [item.call_id for item in page.items]
        if not page.has_more:
            break
        assert page.pagination_key
        page = sdk.call.list(limit=2, pagination_key=page.pagination_key)
    assert sorted(seen) == sorted(ids)
    assert len(seen) == 5
