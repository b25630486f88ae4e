"""Vapi call payloads (built with the SDK's own types) -> the neutral Call."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vapi.types import (
    Analysis,
    Artifact,
    AssistantOverrides,
    BotMessage,
    CreateCustomerDto,
    Monitor,
    SystemMessage,
    ToolCallResultMessage,
    UserMessage,
)
from vapi.types.call_ended_reason import CallEndedReason
from vapi.types.call_status import CallStatus as VapiStatus
from vapi.types.call_type import CallType as VapiType

from callswitch import CallDirection, CallKind, CallStatus, EndReason, UtteranceRole
from callswitch.errors import ProviderError
from callswitch_vapi._mapping import end_reason, to_call

T0 = datetime(2024, 5, 1, 12, 0, 1, tzinfo=UTC)


def _full(kit: SimpleNamespace, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = kit.sdk_call(
        type="outboundPhoneCall",
        status="ended",
        ended_reason="customer-ended-call",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=61, milliseconds=500),
        cost=0.1234,
        assistant_id="asst-1",
        phone_number_id="pn-1",
        customer=CreateCustomerDto(number="+14155550123"),
        assistant_overrides=AssistantOverrides(
            variable_values={"name": "Ann", "visits": 3}, metadata={"crm_id": 7}
        ),
        monitor=Monitor(control_url="https://control.example/c1", listen_url="wss://l/c1"),
        analysis=Analysis(summary="Booked a table.", success_evaluation="true"),
        artifact=Artifact(
            messages=[
                SystemMessage(
                    role="system", message="You are Ann.", time=1.7e12, seconds_from_start=0
                ),
                BotMessage(
                    role="bot",
                    message="Hi, this is Ann.",
                    time=1714564801000,
                    end_time=1714564802500,
                    seconds_from_start=0.5,
                ),
                UserMessage(
                    role="user",
                    message="Hello",
                    time=1714564803000,
                    end_time=1714564804000,
                    seconds_from_start=2.5,
                ),
                ToolCallResultMessage(
                    role="tool_call_result",
                    tool_call_id="t1",
                    name="book",
                    result="ok",
                    time=1714564805000,
                    seconds_from_start=4.0,
                ),
            ],
            recording_url="https://storage.example/rec.wav",
            transcript="AI: Hi, this is Ann.\nUser: Hello",
        ),
        **extra,
    )
    return payload


def test_full_payload_maps_every_field(kit: SimpleNamespace) -> None:
    """A complete ended outbound call fills every neutral field it has data for."""
    payload = _full(kit)
    call = to_call(payload)
    assert call.id == "c1"
    assert call.provider == "vapi"
    assert call.status is CallStatus.ENDED
    assert call.kind is CallKind.PHONE
    assert call.direction is CallDirection.OUTBOUND
    assert call.agent_id == "asst-1"
    assert call.to_number == "+14155550123"
    assert call.from_number is None  # only the phone number's id is on the call
    assert call.created_at == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert call.started_at == T0
    assert call.duration == timedelta(seconds=61, milliseconds=500)
    assert call.metadata == {"crm_id": 7}
    assert call.variables == {"name": "Ann", "visits": "3"}
    assert call.cost is not None
    assert call.cost.amount == Decimal("0.1234")
    assert call.cost.currency == "USD"
    assert call.summary == "Booked a table."
    assert call.successful is True
    assert call.recording_url == "https://storage.example/rec.wav"
    assert call.end_reason is EndReason.USER_HANGUP
    assert call.raw_end_reason == "customer-ended-call"
    assert call.raw == payload


def test_transcript_from_artifact_messages(kit: SimpleNamespace) -> None:
    """artifact.messages become utterances: bot -> agent, tool results -> tool, times in
    seconds from the start."""
    transcript = to_call(_full(kit)).transcript
    assert [(u.role, u.text) for u in transcript] == [
        (UtteranceRole.SYSTEM, "You are Ann."),
        (UtteranceRole.AGENT, "Hi, this is Ann."),
        (UtteranceRole.USER, "Hello"),
        (UtteranceRole.TOOL, "ok"),
    ]
    assert transcript[1].start == 0.5
    assert transcript[1].end == pytest.approx(2.0)
    assert transcript[2].start == 2.5
    assert transcript[2].end == pytest.approx(3.5)


def test_transcript_falls_back_to_text(kit: SimpleNamespace) -> None:
    """With no messages, artifact.transcript lines are split by speaker."""
    payload = kit.sdk_call(artifact=Artifact(transcript="AI: Hello there\nUser: Hi\nnoise"))
    transcript = to_call(payload).transcript
    assert [(u.role, u.text) for u in transcript] == [
        (UtteranceRole.AGENT, "Hello there"),
        (UtteranceRole.USER, "Hi"),
        (UtteranceRole.UNKNOWN, "noise"),
    ]


def test_inbound_numbers_are_swapped(kit: SimpleNamespace) -> None:
    """Inbound: the customer called us, so the customer's number is from_number."""
    payload = kit.sdk_call(
        type="inboundPhoneCall", customer=CreateCustomerDto(number="+14155550123")
    )
    payload["phoneNumber"] = {"number": "+14155550999"}
    call = to_call(payload)
    assert (call.direction, call.from_number, call.to_number) == (
        CallDirection.INBOUND,
        "+14155550123",
        "+14155550999",
    )


@pytest.mark.parametrize(
    ("vapi_type", "kind", "direction"),
    [
        ("inboundPhoneCall", CallKind.PHONE, CallDirection.INBOUND),
        ("outboundPhoneCall", CallKind.PHONE, CallDirection.OUTBOUND),
        ("webCall", CallKind.WEB, CallDirection.UNKNOWN),
        ("vapi.websocketCall", CallKind.WEB, CallDirection.UNKNOWN),
        ("holographicCall", CallKind.UNKNOWN, CallDirection.UNKNOWN),
    ],
)
def test_types(
    kit: SimpleNamespace, vapi_type: str, kind: CallKind, direction: CallDirection
) -> None:
    call = to_call(kit.sdk_call(type=vapi_type))
    assert (call.kind, call.direction) == (kind, direction)


def test_every_sdk_type_is_mapped() -> None:
    """No call type the SDK knows falls through to unknown."""
    for value in typing.get_args(typing.get_args(VapiType)[0]):
        assert to_call({"id": "x", "type": value}).kind is not CallKind.UNKNOWN, value


STATUSES = {
    "scheduled": CallStatus.QUEUED,
    "queued": CallStatus.QUEUED,
    "ringing": CallStatus.RINGING,
    "in-progress": CallStatus.ONGOING,
    "forwarding": CallStatus.ONGOING,
    "ended": CallStatus.ENDED,
    "not-found": CallStatus.UNKNOWN,
    "deletion-failed": CallStatus.UNKNOWN,
}


def test_status_table_covers_the_sdk() -> None:
    """Every status the SDK lists is pinned here, and maps as pinned."""
    sdk_values = set(typing.get_args(typing.get_args(VapiStatus)[0]))
    assert sdk_values == set(STATUSES)
    for raw, expected in STATUSES.items():
        assert to_call({"id": "x", "status": raw}).status is expected, raw
    assert to_call({"id": "x", "status": "teleporting"}).status is CallStatus.UNKNOWN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("customer-ended-call", EndReason.USER_HANGUP),
        ("customer-ended-call-during-transfer", EndReason.USER_HANGUP),
        ("assistant-ended-call", EndReason.AGENT_HANGUP),
        ("assistant-said-end-call-phrase", EndReason.AGENT_HANGUP),
        ("assistant-forwarded-call", EndReason.TRANSFERRED),
        ("voicemail", EndReason.VOICEMAIL),
        ("customer-did-not-answer", EndReason.NO_ANSWER),
        ("customer-busy", EndReason.BUSY),
        ("exceeded-max-duration", EndReason.MAX_DURATION),
        ("silence-timed-out", EndReason.INACTIVITY),
        ("manually-canceled", EndReason.CANCELLED),
        ("twilio-failed-to-connect-call", EndReason.DIAL_FAILED),
        ("pipeline-error-openai-voice-failed", EndReason.ERROR),
        ("call.in-progress.error-vapifault-openai-voice-failed", EndReason.ERROR),
        ("call.start.error-get-assistant", EndReason.ERROR),
        ("assistant-request-failed", EndReason.ERROR),
        ("pipeline-error-some-provider-added-next-year", EndReason.ERROR),
        ("a-reason-nobody-has-seen", EndReason.UNKNOWN),
    ],
)
def test_end_reason_families(raw: str, expected: EndReason) -> None:
    assert end_reason(raw) is expected


def _sdk_end_reasons() -> tuple[str, ...]:
    """Every endedReason value of the installed vapi-server-sdk, read from its types."""
    values = typing.get_args(typing.get_args(CallEndedReason)[0])
    assert all(isinstance(v, str) for v in values)
    return tuple(values)


def test_every_sdk_end_reason_is_mapped() -> None:
    """All of the SDK's endedReason values (604 in 3.0.0) map to a known neutral reason:
    a new SDK value that falls through to unknown fails here."""
    values = _sdk_end_reasons()
    assert len(values) >= 604
    unmapped = sorted(v for v in values if end_reason(v) in (None, EndReason.UNKNOWN))
    assert unmapped == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("call.in-progress.twilio-completed-call", EndReason.USER_HANGUP),
        ("call.in-progress.sip-completed-call", EndReason.USER_HANGUP),
        ("vonage-completed", EndReason.USER_HANGUP),
        ("call.ringing.hook-executed-say", EndReason.AGENT_HANGUP),
        ("call.ending.hook-executed-say", EndReason.AGENT_HANGUP),
        ("customer-did-not-give-microphone-permission", EndReason.DIAL_FAILED),
        ("sip-outbound-carrier-released-call", EndReason.DIAL_FAILED),
        # The transfer target was busy / did not answer, not the customer.
        ("call.forwarding.operator-busy", EndReason.TRANSFERRED),
        ("call.forwarding.no-answer", EndReason.TRANSFERRED),
    ],
)
def test_end_reasons_once_unknown_or_about_the_transfer(value: str, expected: EndReason) -> None:
    """The values that used to map to unknown, and call.forwarding.* (the transfer
    target's outcome), each map to the reason stated; the status stays the call's own."""
    assert value in _sdk_end_reasons()
    assert end_reason(value) is expected
    call = to_call({"id": "c1", "status": "ended", "endedReason": value})
    assert call.end_reason is expected
    assert call.status is CallStatus.ENDED
    assert call.raw_end_reason == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("false", False), ("Pass", True), ("fail", False), ("8", None), ("A", None)],
)
def test_success_evaluation(kit: SimpleNamespace, value: str, expected: bool | None) -> None:
    """Only a boolean-like successEvaluation becomes Call.successful."""
    call = to_call(kit.sdk_call(analysis=Analysis(success_evaluation=value)))
    assert call.successful is expected


def test_minimal_and_odd_payloads_never_crash() -> None:
    """Missing, null and wrongly typed fields become None / unknown; raw keeps them."""
    odd = {
        "id": "c9",
        "status": None,
        "type": 7,
        "createdAt": "yesterday",
        "startedAt": "2024-05-01T12:00:00",  # no offset: read as UTC, like every vendor
        "cost": "NaN",
        "assistantOverrides": {"metadata": "not a dict", "variableValues": ["x"]},
        "artifact": {"messages": [{"role": 3}, "junk"]},
        "analysis": {"successEvaluation": {"score": 1}},
        "endedReason": 12,
        "monitor": None,
    }
    call = to_call(odd)
    assert call.status is CallStatus.UNKNOWN
    assert call.kind is CallKind.UNKNOWN
    assert call.created_at is None
    assert call.started_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert call.cost is None
    assert call.metadata == {}
    assert call.variables == {}
    assert [u.role for u in call.transcript] == [UtteranceRole.UNKNOWN]
    assert call.successful is None
    assert call.end_reason is None
    assert call.raw == odd


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_keys = st.sampled_from(
    [
        "status",
        "type",
        "createdAt",
        "startedAt",
        "endedAt",
        "cost",
        "assistantOverrides",
        "artifact",
        "analysis",
        "endedReason",
        "customer",
        "phoneNumber",
        "messages",
        "transcript",
        "monitor",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_keys, _json, max_size=8))
def test_any_json_parses(fields: dict[str, Any]) -> None:
    """Whatever JSON sits in the known fields, parsing returns a Call with raw intact."""
    payload = {"id": "c1", **fields}
    assert to_call(payload).raw == payload


def test_call_without_id_is_refused() -> None:
    """A Vapi call object without an id is a ProviderError (it used to become id="")."""
    with pytest.raises(ProviderError, match="has no id"):
        to_call({"status": "ended"})
