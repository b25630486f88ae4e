"""Webhook events: each vendor's documented events parse to the right neutral event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from callswitch import webhooks
from callswitch.errors import InvalidRequestError
from callswitch.models import CallDirection, CallKind, CallStatus, EndReason, Sentiment
from callswitch.webhooks import CallEvent, EventType

Signed = Callable[[str, dict[str, Any]], tuple[dict[str, str], bytes]]


def _parse(
    signed: Signed, samples: ModuleType, provider: str, payload: dict[str, Any]
) -> CallEvent:
    headers, body = signed(provider, payload)
    return webhooks.parse(provider, headers=headers, body=body, secret=samples.KEY, now=samples.NOW)


# ------------------------------------------------------------------- payloads vs SDK types


def test_retell_samples_match_the_sdk_call_type(samples: ModuleType) -> None:
    """The Retell call objects used here validate as retell-sdk PhoneCallResponse."""
    from retell.types import PhoneCallResponse

    for payload in samples.retell_payloads().values():
        PhoneCallResponse.model_validate(payload["call"])


def test_vapi_samples_match_the_sdk_server_message_types(samples: ModuleType) -> None:
    """The Vapi messages used here validate as vapi-server-sdk ServerMessage* types."""
    import vapi.types as vt

    classes = {
        "status-update": vt.ServerMessageStatusUpdate,
        "end-of-call-report": vt.ServerMessageEndOfCallReport,
        "transcript": vt.ServerMessageTranscript,
        "conversation-update": vt.ServerMessageConversationUpdate,
        "transfer-update": vt.ServerMessageTransferUpdate,
        "speech-update": vt.ServerMessageSpeechUpdate,
    }
    for payload in samples.vapi_payloads().values():
        message = payload["message"]
        classes[message["type"]].model_validate(message)


# ----------------------------------------------------------------------- event types

RETELL_TYPES = {
    "call_started": EventType.CALL_STARTED,
    "call_ended": EventType.CALL_ENDED,
    "call_analyzed": EventType.CALL_ANALYZED,
    "transcript_updated": EventType.CALL_TRANSCRIPT,
    "transfer_started": EventType.CALL_TRANSFER,
    "transfer_bridged": EventType.CALL_TRANSFER,
    "transfer_cancelled": EventType.CALL_TRANSFER,
    "transfer_ended": EventType.CALL_TRANSFER,
}
VAPI_TYPES = {
    "status-update:in-progress": EventType.CALL_STARTED,
    "status-update:ended": EventType.CALL_STATUS_CHANGED,
    "end-of-call-report": EventType.CALL_ENDED,
    "transcript": EventType.CALL_TRANSCRIPT,
    "conversation-update": EventType.CALL_TRANSCRIPT,
    "transfer-update": EventType.CALL_TRANSFER,
    "speech-update": EventType.OTHER,
}
TRUEDY_TYPES = {
    "call.started": EventType.CALL_STARTED,
    "call.ended": EventType.CALL_ENDED,
    "call.completed": EventType.CALL_ENDED,
    "call.failed": EventType.CALL_ENDED,
    "call.billed": EventType.CALL_BILLED,
    "call.joined": EventType.CALL_ANSWERED,
    "call.analyzed": EventType.CALL_ANALYZED,
}


@pytest.mark.parametrize(
    ("provider", "table", "builder"),
    [
        ("retell", RETELL_TYPES, "retell_payloads"),
        ("vapi", VAPI_TYPES, "vapi_payloads"),
        ("truedy", TRUEDY_TYPES, "truedy_payloads"),
    ],
)
def test_every_documented_event_maps_to_its_type(
    provider: str,
    table: dict[str, EventType],
    builder: str,
    samples: ModuleType,
    signed: Signed,
) -> None:
    """Each vendor event name maps as documented; the call is the mapped call; raw is kept."""
    payloads = getattr(samples, builder)()
    assert set(payloads) == set(table)
    for name, payload in payloads.items():
        event = _parse(signed, samples, provider, payload)
        assert event.type is table[name], name
        assert event.provider == provider
        assert event.raw == payload
        assert event.call is not None
        assert event.call.id == samples.CALL_ID
        assert event.call.provider == provider
        assert event.occurred_at.tzinfo is not None
        assert event.key == f"{provider}:{event.id}"


def test_unknown_event_names_are_other_not_errors(samples: ModuleType, signed: Signed) -> None:
    """A new vendor event name becomes EventType.OTHER with the vendor's word kept."""
    retell = _parse(
        signed, samples, "retell", {"event": "call_reanimated", "call": {"call_id": "c1"}}
    )
    assert (retell.type, retell.raw_type) == (EventType.OTHER, "call_reanimated")
    vapi = _parse(signed, samples, "vapi", {"message": {"type": "assistant-request"}})
    assert (vapi.type, vapi.call) == (EventType.OTHER, None)
    truedy = _parse(signed, samples, "truedy", {"event": "agent.updated", "data": {}})
    assert (truedy.type, truedy.call) == (EventType.OTHER, None)


# ------------------------------------------------------------------------- call fields


def test_retell_call_ended_fields(samples: ModuleType, signed: Signed) -> None:
    event = _parse(signed, samples, "retell", samples.retell_payloads()["call_ended"])
    call = event.call
    assert call is not None
    assert call.status is CallStatus.ENDED
    assert call.end_reason is EndReason.USER_HANGUP
    assert call.raw_end_reason == "user_hangup"
    assert call.duration == timedelta(seconds=142)
    assert call.cost is not None
    assert call.cost.amount == Decimal("0.7")
    assert [u.text for u in call.transcript] == ["hi how are you doing?", "Doing pretty well."]
    assert call.recording_url is not None
    assert event.raw_type == "call_ended"


def test_retell_call_analyzed_carries_the_analysis(samples: ModuleType, signed: Signed) -> None:
    event = _parse(signed, samples, "retell", samples.retell_payloads()["call_analyzed"])
    call = event.call
    assert call is not None
    assert call.summary == "The user confirmed the appointment."
    assert call.sentiment is Sentiment.POSITIVE
    assert call.successful is True


def test_vapi_report_fields_are_laid_over_the_call(samples: ModuleType, signed: Signed) -> None:
    """endedReason, times, cost, artifact and analysis come from the report message."""
    payload = samples.vapi_payloads()["end-of-call-report"]
    event = _parse(signed, samples, "vapi", payload)
    call = event.call
    assert call is not None
    assert payload["message"]["call"]["status"] == "in-progress"  # lagging snapshot
    assert call.status is CallStatus.ENDED
    assert call.end_reason is EndReason.USER_HANGUP
    assert call.raw_end_reason == "customer-ended-call"
    assert call.duration == timedelta(seconds=142)
    assert call.cost is not None
    assert call.cost.amount == Decimal("0.7")
    assert call.summary == "The user confirmed the appointment."
    assert call.recording_url == "https://storage.vapi.ai/call-42-mono.wav"
    assert len(call.transcript) == 2
    assert call.from_number == samples.FROM  # from the message's phoneNumber
    assert event.occurred_at == samples.ENDED + timedelta(seconds=1.5)  # message.timestamp ms
    assert event.raw == payload  # the body itself is untouched


def test_vapi_status_update_ended_is_a_status_change(samples: ModuleType, signed: Signed) -> None:
    """Only the end-of-call report is call.ended; the ended status update carries the reason."""
    event = _parse(signed, samples, "vapi", samples.vapi_payloads()["status-update:ended"])
    assert event.type is EventType.CALL_STATUS_CHANGED
    assert event.call is not None
    assert event.call.status is CallStatus.ENDED
    assert event.call.end_reason is EndReason.USER_HANGUP


def test_truedy_failed_is_ended_with_failed_status(samples: ModuleType, signed: Signed) -> None:
    event = _parse(signed, samples, "truedy", samples.truedy_payloads()["call.failed"])
    assert event.type is EventType.CALL_ENDED
    assert event.call is not None
    assert event.call.status is CallStatus.FAILED
    payload = samples.truedy_payloads()["call.failed"]
    del payload["data"]["status"]
    event = _parse(signed, samples, "truedy", payload)
    assert event.call is not None
    assert event.call.status is CallStatus.FAILED
    assert "status" not in event.raw["data"]


def test_truedy_uses_vendor_event_id_and_time(samples: ModuleType, signed: Signed) -> None:
    event = _parse(signed, samples, "truedy", samples.truedy_payloads()["call.ended"])
    assert event.id == "evt_002"
    assert event.occurred_at == samples.ENDED


# ------------------------------------------------------------------------ ids


def test_derived_ids_are_stable_across_redeliveries(samples: ModuleType) -> None:
    """The same Retell event signed at two different times gets the same id."""
    payload = samples.retell_payloads()["call_ended"]
    body = samples.dumps(payload)
    ids = set()
    for offset in (0, 30_000):
        ms = int(samples.NOW * 1000) + offset
        header = {"x-retell-signature": samples.sign_retell(body, ms=ms)}
        event = webhooks.parse(
            "retell", headers=header, body=body, secret=samples.KEY, now=samples.NOW
        )
        ids.add(event.id)
    assert len(ids) == 1


def test_derived_ids_differ_between_events(samples: ModuleType) -> None:
    """Different events of one call, and the same event of two calls, never collide."""
    events = [webhooks.event_from_payload("retell", p) for p in samples.retell_payloads().values()]
    other_call = samples.retell_payloads()["call_ended"]
    other_call["call"]["call_id"] = "call-43"
    events.append(webhooks.event_from_payload("retell", other_call))
    ids = [e.id for e in events]
    assert len(set(ids)) == len(ids)


# --------------------------------------------------------------- same event, three vendors


def _normalized(event: CallEvent) -> dict[str, Any]:
    call = event.call
    assert call is not None
    return {
        "type": event.type,
        "call_id": call.id,
        "status": call.status,
        "direction": call.direction,
        "kind": call.kind,
        "from": call.from_number,
        "to": call.to_number,
        "started_at": call.started_at,
        "ended_at": call.ended_at,
        "duration": call.duration,
        "cost": call.cost,
        "summary": call.summary,
        "metadata": call.metadata,
    }


def test_same_call_ended_from_three_vendors_normalizes_equally(
    samples: ModuleType, signed: Signed
) -> None:
    """Retell call_ended (with analysis), Vapi end-of-call-report, Truedy call.ended agree."""
    retell_payload = samples.retell_payloads()["call_analyzed"]
    retell_payload["event"] = "call_ended"  # a call_ended that already carries the summary
    retell = _parse(signed, samples, "retell", retell_payload)
    vapi = _parse(signed, samples, "vapi", samples.vapi_payloads()["end-of-call-report"])
    truedy = _parse(signed, samples, "truedy", samples.truedy_payloads()["call.ended"])
    expected = {
        "type": EventType.CALL_ENDED,
        "call_id": samples.CALL_ID,
        "status": CallStatus.ENDED,
        "direction": CallDirection.OUTBOUND,
        "kind": CallKind.PHONE,
        "from": samples.FROM,
        "to": samples.TO,
        "started_at": samples.STARTED,
        "ended_at": samples.ENDED,
        "duration": timedelta(seconds=142),
        "summary": "The user confirmed the appointment.",
    }
    for event in (retell, vapi, truedy):
        got = _normalized(event)
        assert {k: got[k] for k in expected} == expected, event.provider
        assert got["cost"] is not None
        assert got["cost"].amount == Decimal("0.7")
        assert got["cost"].currency == "USD"
    # Metadata: Retell's metadata, Vapi's assistantOverrides.metadata, Truedy's metadata.
    assert retell.call
    assert vapi.call
    assert truedy.call
    assert retell.call.metadata == vapi.call.metadata == truedy.call.metadata
    # End reason: Retell and Vapi report one; Truedy's call object has no such field.
    assert retell.call.end_reason is vapi.call.end_reason is EndReason.USER_HANGUP
    assert truedy.call.end_reason is None


def test_same_call_started_from_three_vendors_normalizes_equally(
    samples: ModuleType, signed: Signed
) -> None:
    events = [
        _parse(signed, samples, "retell", samples.retell_payloads()["call_started"]),
        _parse(signed, samples, "vapi", samples.vapi_payloads()["status-update:in-progress"]),
        _parse(signed, samples, "truedy", samples.truedy_payloads()["call.started"]),
    ]
    for event in events:
        got = _normalized(event)
        assert got["type"] is EventType.CALL_STARTED
        assert got["call_id"] == samples.CALL_ID
        assert got["status"] is CallStatus.ONGOING
        assert (got["from"], got["to"]) == (samples.FROM, samples.TO)
        assert got["started_at"] == samples.STARTED
        assert got["ended_at"] is None


# ---------------------------------------------------------------------- bad payloads


@pytest.mark.parametrize(
    ("provider", "payload", "message"),
    [
        ("retell", {"call": {"call_id": "c1"}}, "no 'event' name"),
        ("retell", {"event": "call_ended", "call": "c1"}, "call object could not be read"),
        ("retell", {"event": "call_ended", "call": {"agent_id": "a"}}, "could not be read"),
        ("vapi", {"type": "status-update"}, "no message type"),
        ("vapi", {"message": {"type": "status-update", "call": []}}, "not an object"),
        ("vapi", {"message": {"type": "status-update", "call": {"status": "x"}}}, "no id"),
        ("truedy", {"data": {"id": "c1"}}, "no 'event' name"),
    ],
)
def test_verified_but_unreadable_payloads_are_request_errors(
    provider: str, payload: dict[str, Any], message: str, samples: ModuleType, signed: Signed
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        _parse(signed, samples, provider, payload)


def test_event_from_payload_needs_an_object() -> None:
    with pytest.raises(InvalidRequestError, match="JSON object"):
        webhooks.event_from_payload("retell", ["not", "an", "object"])  # type: ignore[arg-type]


def test_call_event_is_frozen_and_needs_aware_time() -> None:
    event = CallEvent(
        id="e1",
        provider="p",
        type=EventType.OTHER,
        raw_type="x",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="frozen"):
        event.id = "e2"  # type: ignore[misc]
    with pytest.raises(ValueError, match="timezone-aware"):
        CallEvent(
            id="e1", provider="p", type="other", raw_type="x", occurred_at=datetime(2026, 1, 1)
        )


def test_truedy_event_without_times_falls_back_to_the_call(samples: ModuleType) -> None:
    """Like Retell and Vapi, a Truedy event with no event time takes the call's end time."""
    payload = dict(samples.truedy_payloads()["call.ended"])
    del payload["timestamp"]
    event = webhooks.event_from_payload("truedy", payload)
    assert event.call is not None
    assert event.occurred_at == event.call.ended_at == datetime(2026, 3, 3, 20, 2, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_700_000_000, datetime.fromtimestamp(1_700_000_000, UTC)),
        ("1700000000000", datetime.fromtimestamp(1_700_000_000, UTC)),
        ("2026-03-03T20:00:00", datetime(2026, 3, 3, 20, tzinfo=UTC)),
        ("soon", None),
        (True, None),
        (None, None),
    ],
)
def test_event_time(value: Any, expected: datetime | None) -> None:
    assert webhooks.event_time(value) == expected


# ------------------------------------------------------------ Truedy's documented shapes


def test_truedy_documented_example_gives_the_call_not_the_event_id(
    samples: ModuleType, signed: Signed
) -> None:
    """The available-webhooks guide's example: the call is data.call.callId, the event id
    data.id, the agent data.call.agent.agentId, the time the top-level timestamp."""
    event = _parse(signed, samples, "truedy", samples.TRUEDY_DOC_EXAMPLE)
    assert event.type is EventType.CALL_ENDED
    assert event.id == "uv_evt_123"
    assert event.call is not None
    assert event.call.id == "uv_call_123"
    assert event.call.agent_id == "uv_agent_123"
    assert event.call.raw == samples.TRUEDY_DOC_EXAMPLE["data"]
    assert event.occurred_at == datetime(2026, 3, 18, 14, 30, tzinfo=UTC)
    assert event.raw == samples.TRUEDY_DOC_EXAMPLE


@pytest.mark.parametrize(
    ("data", "call_id", "event_id"),
    [
        ({"call_id": "c-flat", "id": "e1"}, "c-flat", "e1"),
        ({"callId": "c-camel", "eventId": "e2"}, "c-camel", "e2"),
        ({"call": {"callId": "c-nested"}, "call_id": "ignored", "id": "e3"}, "c-nested", "e3"),
    ],
)
def test_truedy_every_documented_call_id_and_event_id_spelling(
    data: dict[str, Any], call_id: str, event_id: str, samples: ModuleType, signed: Signed
) -> None:
    payload = {"event": "call.started", "timestamp": "2026-03-18T14:30:00Z", "data": data}
    event = _parse(signed, samples, "truedy", payload)
    assert event.call is not None
    assert event.call.id == call_id
    assert event.id == event_id


def test_truedy_older_flat_example_with_top_level_id(samples: ModuleType, signed: Signed) -> None:
    """The webhooks guide's flat example: data.call_id, data.status, top-level id."""
    payload = {
        "event": "call.ended",
        "timestamp": "2026-03-03T12:00:00Z",
        "data": {
            "call_id": "uuid",
            "status": "completed",
            "agent_id": "uuid-agent",
            "duration_seconds": 120,
        },
        "id": "evt_abc123",
    }
    event = _parse(signed, samples, "truedy", payload)
    assert event.id == "evt_abc123"
    assert event.call is not None
    assert (event.call.id, event.call.status) == ("uuid", CallStatus.ENDED)
    assert event.call.agent_id == "uuid-agent"
    assert event.call.duration == timedelta(seconds=120)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("batch.status.changed", EventType.BATCH_STATUS_CHANGED),
        ("batch.completed", EventType.BATCH_COMPLETED),
        ("voice.training.completed", EventType.OTHER),
    ],
)
def test_truedy_batch_and_voice_events_are_typed_without_a_call(
    name: str, expected: EventType, samples: ModuleType, signed: Signed
) -> None:
    payload = {"event": name, "timestamp": "2026-03-18T14:30:00Z", "data": {"batch_id": "b1"}}
    event = _parse(signed, samples, "truedy", payload)
    assert event.type is expected
    assert event.call is None
    assert event.raw_type == name


def test_truedy_ultravox_events_imply_a_status_only_where_documented(
    samples: ModuleType, signed: Signed
) -> None:
    """call.joined: the participant joined (ongoing); call.failed: failed; call.ended
    without a status says nothing about whether the call connected."""
    statuses = {}
    for name in ("call.joined", "call.failed", "call.ended", "call.started"):
        payload = {"event": name, "data": {"call": {"callId": "c1"}, "id": f"e-{name}"}}
        event = _parse(signed, samples, "truedy", payload)
        assert event.call is not None
        statuses[name] = event.call.status
    assert statuses == {
        "call.joined": CallStatus.ONGOING,
        "call.failed": CallStatus.FAILED,
        "call.ended": CallStatus.UNKNOWN,
        "call.started": CallStatus.UNKNOWN,
    }


def test_truedy_call_event_without_call_id_has_no_call(samples: ModuleType, signed: Signed) -> None:
    """data.id is the event id, never the call id."""
    payload = {"event": "call.ended", "data": {"id": "uv_evt_9", "event": "call.ended"}}
    event = _parse(signed, samples, "truedy", payload)
    assert event.call is None
    assert event.id == "uv_evt_9"
