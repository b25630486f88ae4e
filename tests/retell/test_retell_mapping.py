"""Retell payloads -> Call: documented examples, every enum value, and lenient parsing."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callswitch import CallDirection, CallKind, CallStatus, EndReason, Sentiment, UtteranceRole
from callswitch.errors import InvalidRequestError, ProviderError
from callswitch_retell import _mapping


def test_seed_001_update_call_response(payload: Any) -> None:
    """The update-call example (seed 001) parses with the documented values."""
    data = payload("seed001_update_call_response.json")
    call = _mapping.to_call(data)
    assert call.id == "Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6"
    assert call.provider == "retell"
    assert call.kind is CallKind.WEB
    assert call.status is CallStatus.QUEUED  # "registered"
    assert call.agent_id == "oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD"
    assert call.access_token == "eyJhbGciOiJIUzI1NiJ9.eyJ2aWRlbyI6eyJyb29tSm9p"
    assert call.variables == {"customer_name": "John Doe"}
    assert call.metadata == {}
    assert call.started_at == datetime(2023, 12, 23, 3, 33, 27, 333000, tzinfo=UTC)
    assert call.ended_at == datetime(2023, 12, 23, 3, 33, 48, 855000, tzinfo=UTC)
    # No duration_ms in this example: the span between the two timestamps.
    assert call.duration == timedelta(milliseconds=1703302428855 - 1703302407333)
    assert len(call.transcript) == 1
    first = call.transcript[0]
    assert (first.role, first.text, first.start, first.end) == (
        UtteranceRole.AGENT,
        "hi how are you doing?",
        0.7,
        1.3,
    )
    assert call.recording_url is not None
    assert call.recording_url.endswith("/recording.wav")
    assert call.summary is not None
    assert call.summary.startswith("The agent called the user")
    assert call.sentiment is Sentiment.POSITIVE
    assert call.successful is True
    assert call.cost is not None
    assert call.cost.amount == Decimal("0.70")
    assert call.cost.currency == "USD"
    assert call.end_reason is EndReason.AGENT_HANGUP
    assert call.raw_end_reason == "agent_hangup"
    assert call.raw == data
    # A field the model lacks stays in raw.
    assert call.raw["opt_out_sensitive_data_storage"] is True


def test_seed_004_v2_web_call_response(payload: Any) -> None:
    """The create-web-call v2 response (seed 004 schema examples) parses, duration_ms wins."""
    data = payload("seed004_create_web_call_v2_response.json")
    call = _mapping.call_from_web_create(data, agent_id="ignored", body={})
    assert call.id == "Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6"
    assert call.agent_id == "oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD"
    assert call.kind is CallKind.WEB
    assert call.duration == timedelta(seconds=10)
    assert call.direction is CallDirection.UNKNOWN
    assert call.access_token == data["access_token"]
    assert call.raw == data


def test_v3_web_create_response_fills_in_what_was_sent() -> None:
    """A v3 create-web-call answer (no status) becomes a queued web call with our inputs."""
    answer = {
        "access_token": "tok",
        "call_id": "call_9",
        "expires_at": 1703302467333,
        "ice_servers": [],
        "transport": "gateway",
    }
    body = {"metadata": {"a": 1}, "retell_llm_dynamic_variables": {"x": "y"}}
    call = _mapping.call_from_web_create(answer, agent_id="agent_1", body=body)
    assert (call.id, call.status, call.kind, call.agent_id) == (
        "call_9",
        CallStatus.QUEUED,
        CallKind.WEB,
        "agent_1",
    )
    assert call.metadata == {"a": 1}
    assert call.variables == {"x": "y"}
    assert call.raw == answer


@pytest.mark.parametrize(
    ("wire", "neutral"),
    [
        ("registered", CallStatus.QUEUED),
        ("not_connected", CallStatus.FAILED),
        ("ongoing", CallStatus.ONGOING),
        ("ended", CallStatus.ENDED),
        ("error", CallStatus.FAILED),
        ("teleported", CallStatus.UNKNOWN),
        (None, CallStatus.UNKNOWN),
        (7, CallStatus.UNKNOWN),
    ],
)
def test_call_status(wire: Any, neutral: CallStatus) -> None:
    assert _mapping.to_call({"call_id": "c", "call_status": wire}).status is neutral


def _sdk_disconnection_reasons() -> set[str]:
    from retell.types.phone_call_response import PhoneCallResponse
    from retell.types.web_call_response import WebCallResponse

    reasons: set[str] = set()
    for model in (PhoneCallResponse, WebCallResponse):
        annotation = model.model_fields["disconnection_reason"].annotation
        (literal, _none) = typing.get_args(annotation)
        reasons |= set(typing.get_args(literal))
    return reasons


def test_every_sdk_disconnection_reason_is_mapped() -> None:
    """Each value the SDK's Literal allows has an explicit neutral mapping."""
    reasons = _sdk_disconnection_reasons()
    assert len(reasons) == 39
    missing = reasons - set(_mapping.END_REASONS)
    assert not missing


@pytest.mark.parametrize(
    ("wire", "neutral"),
    [
        ("user_hangup", EndReason.USER_HANGUP),
        ("agent_hangup", EndReason.AGENT_HANGUP),
        ("call_transfer", EndReason.TRANSFERRED),
        ("voicemail_reached", EndReason.VOICEMAIL),
        ("inactivity", EndReason.INACTIVITY),
        ("max_duration_reached", EndReason.MAX_DURATION),
        ("dial_busy", EndReason.BUSY),
        ("dial_no_answer", EndReason.NO_ANSWER),
        ("dial_failed", EndReason.DIAL_FAILED),
        ("manual_stopped", EndReason.ENDED_BY_API),
        ("error_llm_websocket_open", EndReason.ERROR),
        ("a_reason_from_2027", EndReason.UNKNOWN),
    ],
)
def test_end_reason(wire: str, neutral: EndReason) -> None:
    call = _mapping.to_call({"call_id": "c", "disconnection_reason": wire})
    assert call.end_reason is neutral
    assert call.raw_end_reason == wire


def test_no_end_reason_is_none() -> None:
    call = _mapping.to_call({"call_id": "c", "disconnection_reason": None})
    assert call.end_reason is None
    assert call.raw_end_reason is None


def test_transcript_times_come_from_first_and_last_word() -> None:
    call = _mapping.to_call(
        {
            "call_id": "c",
            "transcript_object": [
                {
                    "role": "user",
                    "content": "one two three",
                    "words": [
                        {"word": "one", "start": 1.5, "end": 1.9},
                        {"word": "two", "start": 2.0, "end": 2.2},
                        {"word": "three", "start": 2.3, "end": 2.75},
                    ],
                },
                {"role": "transfer_target", "content": "hello", "words": []},
                "not an utterance",
            ],
        }
    )
    assert [(u.role, u.text, u.start, u.end) for u in call.transcript] == [
        (UtteranceRole.USER, "one two three", 1.5, 2.75),
        (UtteranceRole.USER, "hello", None, None),  # transfer_target: a human, not the agent
    ]


@pytest.mark.parametrize(
    ("wire", "neutral"),
    [
        ("Positive", Sentiment.POSITIVE),
        ("Negative", Sentiment.NEGATIVE),
        ("Neutral", Sentiment.NEUTRAL),
        ("Unknown", Sentiment.UNKNOWN),
        ("Ecstatic", Sentiment.UNKNOWN),
    ],
)
def test_sentiment(wire: str, neutral: Sentiment) -> None:
    call = _mapping.to_call({"call_id": "c", "call_analysis": {"user_sentiment": wire}})
    assert call.sentiment is neutral


def test_cost_is_cents_to_exact_usd() -> None:
    call = _mapping.to_call({"call_id": "c", "call_cost": {"combined_cost": 12.5}})
    assert call.cost is not None
    assert call.cost.amount == Decimal("0.125")


def test_phone_fields_and_direction() -> None:
    call = _mapping.to_call(
        {
            "call_id": "c",
            "call_type": "phone_call",
            "direction": "inbound",
            "from_number": "+12137771234",
            "to_number": "+12137771235",
            "duration_ms": 61500,
        }
    )
    assert call.kind is CallKind.PHONE
    assert call.direction is CallDirection.INBOUND
    assert (call.from_number, call.to_number) == ("+12137771234", "+12137771235")
    assert call.duration == timedelta(seconds=61.5)


def test_non_string_variables_are_kept_as_json_text() -> None:
    call = _mapping.to_call(
        {"call_id": "c", "retell_llm_dynamic_variables": {"n": 3, "b": True, "s": "x", "z": None}}
    )
    assert call.variables == {"n": "3", "b": "true", "s": "x"}


def test_nulls_everywhere_do_not_crash() -> None:
    keys = [
        "call_type", "agent_id", "call_status", "direction", "from_number", "to_number",
        "metadata", "retell_llm_dynamic_variables", "start_timestamp", "end_timestamp",
        "duration_ms", "transcript_object", "recording_url", "call_analysis", "call_cost",
        "disconnection_reason", "access_token",
    ]  # fmt: skip
    call = _mapping.to_call({"call_id": "c", **dict.fromkeys(keys)})
    assert call.status is CallStatus.UNKNOWN
    assert call.metadata == {}
    assert call.transcript == ()
    assert call.cost is None


def test_missing_call_id_is_a_provider_error() -> None:
    with pytest.raises(ProviderError, match="call_id"):
        _mapping.to_call({"call_status": "ended"})


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
_FIELDS = st.sampled_from(
    [
        "call_type", "call_status", "direction", "start_timestamp", "end_timestamp",
        "duration_ms", "transcript_object", "call_analysis", "call_cost", "metadata",
        "retell_llm_dynamic_variables", "disconnection_reason", "access_token", "a_new_field",
    ]
)  # fmt: skip


@given(st.dictionaries(_FIELDS, _json, max_size=8))
def test_any_field_values_parse(extra: dict[str, Any]) -> None:
    """Whatever types the fields hold, parsing never raises and raw is the payload."""
    data = {"call_id": "c", **extra}
    call = _mapping.to_call(data)
    assert call.raw == data


def test_list_filters_send_no_status_retell_cannot_filter() -> None:
    """queued (registered) is not a call_status list-calls takes: no status criterion is
    sent, and the client keeps the queued calls from the unfiltered pages."""
    assert "call_status" not in _mapping.list_filter_criteria({"status": "queued"})
    assert "call_status" not in _mapping.list_filter_criteria({"status": ["ended", "ringing"]})


def test_list_filters_refuse_bad_values() -> None:
    with pytest.raises(InvalidRequestError, match="timezone-aware"):
        _mapping.list_filter_criteria({"created_after": datetime(2024, 1, 1)})
    with pytest.raises(InvalidRequestError, match="inbound"):
        _mapping.list_filter_criteria({"direction": "sideways"})
    with pytest.raises(InvalidRequestError, match="later than"):
        _mapping.list_filter_criteria(
            {
                "created_after": datetime(2024, 2, 1, tzinfo=UTC),
                "created_before": datetime(2024, 1, 1, tzinfo=UTC),
            }
        )
