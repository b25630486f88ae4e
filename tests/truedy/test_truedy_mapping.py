"""Truedy payload -> Call: every documented spelling, lenient on the unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callswitch.errors import ProviderError
from callswitch.models import (
    CallDirection,
    CallKind,
    CallStatus,
    EndReason,
    Money,
    Sentiment,
    Utterance,
    UtteranceRole,
)
from callswitch_truedy._mapping import CREDITS, parse_time, to_call, unwrap


def test_schema_example_maps_every_field(schema_call: dict[str, Any]) -> None:
    """The CallResponse schema's own examples fill every neutral field they can."""
    call = to_call(schema_call)
    assert call.id == "call_a1b2c3d4"
    assert call.provider == "truedy"
    assert call.status is CallStatus.ENDED  # "completed"
    assert call.direction is CallDirection.OUTBOUND
    assert call.kind is CallKind.PHONE
    assert call.agent_id == "agt_f9447372"
    assert call.to_number == "+15551234567"
    assert call.from_number == "+15559876543"
    assert call.duration == timedelta(seconds=247)
    assert call.cost == Money(amount=Decimal("0.42"), currency="USD")
    assert call.summary is not None
    assert call.summary.startswith("Customer inquired about billing")
    assert call.recording_url == "https://storage.truedy.ai/recordings/call_a1b2c3d4.mp3"
    assert call.transcript == ()  # the schema's example transcript is []
    assert call.sentiment is Sentiment.POSITIVE
    assert call.started_at == datetime(2026, 3, 3, 20, 25, tzinfo=UTC)
    assert call.ended_at == datetime(2026, 3, 3, 20, 29, 47, tzinfo=UTC)
    assert call.created_at == datetime(2026, 3, 3, 20, 24, 55, 310278, tzinfo=UTC)
    assert call.end_reason is None
    assert call.raw == schema_call


def test_guide_example_spellings(guide_call: dict[str, Any]) -> None:
    """The seed's response example uses to/from/cost_credits and metadata."""
    data, meta = unwrap(guide_call)
    assert meta["request_id"] == "req_32e7531c"
    call = to_call(data)
    assert call.to_number == "+12125551234"
    assert call.from_number == "+18005559876"
    assert call.cost == Money(amount=Decimal(24), currency=CREDITS)
    assert call.metadata == {"campaign_id": "batch_c3d4e5f6", "priority": "high"}
    assert call.duration == timedelta(seconds=142)
    assert call.raw["transcript_url"].endswith("/transcript")


@pytest.mark.parametrize(
    ("word", "status", "reason"),
    [
        ("queued", CallStatus.QUEUED, None),
        ("ringing", CallStatus.RINGING, None),
        ("in_progress", CallStatus.ONGOING, None),
        ("in-progress", CallStatus.ONGOING, None),
        ("completed", CallStatus.ENDED, None),
        ("ended", CallStatus.ENDED, None),
        # Never connected: failed on every provider (docs/statuses.md).
        ("cancelled", CallStatus.FAILED, EndReason.CANCELLED),
        ("failed", CallStatus.FAILED, None),
        ("IN_PROGRESS", CallStatus.ONGOING, None),
        ("voicemail_detected", CallStatus.UNKNOWN, None),
        (None, CallStatus.UNKNOWN, None),
        (3, CallStatus.UNKNOWN, None),
    ],
)
def test_every_status_spelling(word: Any, status: CallStatus, reason: EndReason | None) -> None:
    call = to_call({"id": "c", "status": word})
    assert call.status is status
    assert call.end_reason is reason
    assert call.raw_end_reason == ("cancelled" if reason else None)


def test_to_and_from_spellings_prefer_the_schema_names() -> None:
    call = to_call({"id": "c", "to": "+1", "to_number": "+2", "from": "+3", "from_number": "+4"})
    assert (call.to_number, call.from_number) == ("+2", "+4")


@pytest.mark.parametrize(
    ("direction", "expected_from", "expected_to"),
    [("outbound", None, "+15551234567"), ("inbound", "+15551234567", None), (None, None, None)],
)
def test_phone_number_follows_direction(
    direction: str | None, expected_from: str | None, expected_to: str | None
) -> None:
    """phone_number is the destination outbound and the source inbound; unknown: unused."""
    call = to_call({"id": "c", "direction": direction, "phone_number": "+15551234567"})
    assert (call.from_number, call.to_number) == (expected_from, expected_to)


def test_cost_usd_wins_over_credits_and_stays_exact() -> None:
    call = to_call({"id": "c", "cost_usd": 0.1, "cost_credits": 7})
    assert call.cost == Money(amount=Decimal("0.1"), currency="USD")


@pytest.mark.parametrize("value", ["lots", True, None, float("nan"), {"x": 1}])
def test_unusable_cost_is_none(value: Any) -> None:
    assert to_call({"id": "c", "cost_usd": value}).cost is None


def test_transcript_string_is_one_utterance_not_split() -> None:
    """No document promises "Role: text" lines, so the text is kept whole."""
    text = "Agent: Hello\nUser: Hi"
    assert to_call({"id": "c", "transcript": text}).transcript == (Utterance(text=text),)


def test_transcript_list_keeps_text_items() -> None:
    call = to_call(
        {
            "id": "c",
            "transcript": [
                {"role": "agent", "text": "Hello", "start": 0, "end": 1.5},
                {"speaker": "customer", "content": "Hi"},
                {"role": "narrator", "text": "?"},
                "plain line",
                {"no_text": True},
                42,
            ],
        }
    )
    assert call.transcript == (
        Utterance(role=UtteranceRole.AGENT, text="Hello", start=0.0, end=1.5),
        Utterance(role=UtteranceRole.USER, text="Hi"),
        Utterance(role=UtteranceRole.UNKNOWN, text="?"),
        Utterance(text="plain line"),
    )


def test_timestamps_become_aware_utc() -> None:
    assert parse_time("2026-04-05T12:00:00+02:00") == datetime(2026, 4, 5, 10, tzinfo=UTC)
    assert parse_time("2026-04-05T10:00:00") == datetime(2026, 4, 5, 10, tzinfo=UTC)
    assert parse_time("yesterday") is None
    assert parse_time(1712311200) is None


def test_unknown_values_do_not_crash() -> None:
    call = to_call(
        {
            "id": "c",
            "status": "teleported",
            "direction": "sideways",
            "sentiment": "ecstatic",
            "duration_seconds": "long",
            "metadata": "not a dict",
            "started_at": "soon",
            "variables": {"tier": "gold", "vip": True, "n": 3},
            "brand_new_field": {"x": 1},
        }
    )
    assert call.status is CallStatus.UNKNOWN
    assert call.direction is CallDirection.UNKNOWN
    assert call.sentiment is Sentiment.UNKNOWN
    assert call.duration is None
    assert call.metadata == {}
    assert call.started_at is None
    assert call.variables == {"tier": "gold", "vip": "true", "n": "3"}
    assert call.raw["brand_new_field"] == {"x": 1}


def test_summary_falls_back_to_short_summary() -> None:
    assert to_call({"id": "c", "short_summary": "Billing"}).summary == "Billing"


@pytest.mark.parametrize("payload", [{"status": "queued"}, {"id": ""}, ["id"], None])
def test_a_payload_without_an_id_is_a_provider_error(payload: Any) -> None:
    with pytest.raises(ProviderError):
        to_call(payload)


def test_unwrap_accepts_a_bare_object() -> None:
    assert unwrap({"id": "c"}) == ({"id": "c"}, {})


_scalar = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
_json = (
    _scalar
    | st.lists(_scalar, max_size=3)
    | st.dictionaries(st.sampled_from(["role", "text", "x"]), _scalar, max_size=3)
)
_keys = st.sampled_from(
    [
        "status",
        "direction",
        "to",
        "to_number",
        "from",
        "phone_number",
        "cost_usd",
        "cost_credits",
        "duration_seconds",
        "transcript",
        "sentiment",
        "started_at",
        "metadata",
        "variables",
        "summary",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _json))
def test_any_field_values_parse(fields: dict[str, Any]) -> None:
    """Whatever values the documented fields hold, parsing returns a Call."""
    call = to_call({"id": "call_x", **fields})
    assert call.id == "call_x"
    assert call.raw["id"] == "call_x"


def test_documented_transcript_turns() -> None:
    """The call-management guide's turns: speaker agent/contact, text, timestamp seconds."""
    call = to_call(
        {
            "id": "c",
            "transcript": [
                {"speaker": "agent", "text": "Hi, this is Truedy calling.", "timestamp": 0.4},
                {"speaker": "contact", "text": "Hello, who is this?", "timestamp": 3},
                {"speaker": "agent", "text": "Your appointment assistant.", "timestamp": 5.25},
            ],
        }
    )
    assert call.transcript == (
        Utterance(role=UtteranceRole.AGENT, text="Hi, this is Truedy calling.", start=0.4),
        Utterance(role=UtteranceRole.USER, text="Hello, who is this?", start=3.0),
        Utterance(role=UtteranceRole.AGENT, text="Your appointment assistant.", start=5.25),
    )


def test_transcript_null_while_processing_is_empty() -> None:
    """The guide: transcript may be null for a few seconds after the call ends."""
    assert to_call({"id": "c", "transcript": None}).transcript == ()
