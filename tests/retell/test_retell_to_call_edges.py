"""Retell to_call on odd shapes: word timings, nested objects that are not dicts, duration."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from typing import Any

import pytest

from callswitch import CallDirection, Sentiment, UtteranceRole
from callswitch_retell._mapping import to_call, to_utterances


def test_word_timings_come_from_the_first_and_last_timed_words() -> None:
    words = [
        "not a word",
        {"word": "um"},  # untimed
        {"word": "hi", "start": 1, "end": "x"},
        {"word": "there", "start": 2.5, "end": 3.25},
        {"word": "you", "start": float("nan"), "end": True},
        None,
    ]
    (utterance,) = to_utterances([{"role": "user", "content": "hi there", "words": words}])
    assert (utterance.role, utterance.text, utterance.start, utterance.end) == (
        UtteranceRole.USER,
        "hi there",
        1.0,
        3.25,
    )
    assert type(utterance.start) is float


@pytest.mark.parametrize("words", [None, 5, True, "abc", {"start": 1, "end": 2}, [], [1, "x"]])
def test_words_that_are_not_a_list_of_objects_give_no_timings(words: Any) -> None:
    (utterance,) = to_utterances([{"role": "agent", "content": "ok", "words": words}])
    assert (utterance.start, utterance.end) == (None, None)


def test_utterance_roles_and_texts() -> None:
    items = [
        {"role": "agent", "content": "a"},
        {"role": "transfer_target", "content": 3},
        {"role": None, "content": ""},
        "not an object",
        MappingProxyType({"role": "user", "content": "b", "words": ({"start": 0, "end": 1},)}),
    ]
    got = [(u.role, u.text, u.start, u.end) for u in to_utterances(items)]
    assert got == [
        (UtteranceRole.AGENT, "a", None, None),
        (UtteranceRole.USER, "", None, None),  # transfer_target, with a non-text content
        (UtteranceRole.UNKNOWN, "", None, None),
        (UtteranceRole.USER, "b", 0.0, 1.0),
    ]


def test_nested_mappings_that_are_not_dicts_are_read() -> None:
    payload = MappingProxyType(
        {
            "call_id": "c1",
            "direction": "inbound",
            "call_analysis": MappingProxyType({"user_sentiment": "Negative"}),
            "call_cost": MappingProxyType({"combined_cost": 12}),
            "metadata": MappingProxyType({"k": "v"}),
        }
    )
    call = to_call(payload)
    assert call.direction is CallDirection.INBOUND
    assert call.sentiment is Sentiment.NEGATIVE
    assert call.cost is not None
    assert str(call.cost.amount) == "0.12"
    assert call.metadata == {"k": "v"}
    assert type(call.metadata) is dict
    assert call.raw == dict(payload)
    assert type(call.raw) is dict


def test_raw_and_metadata_are_copies() -> None:
    payload: dict[str, Any] = {"call_id": "c1", "metadata": {"k": "v"}}
    call = to_call(payload)
    payload["metadata"]["k"] = "changed"
    payload["extra"] = 1
    assert call.metadata == {"k": "v"}
    assert "extra" not in call.raw


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"duration_ms": 1500, "start_timestamp": 0, "end_timestamp": 9000},
            timedelta(seconds=1.5),
        ),
        ({"start_timestamp": 1000, "end_timestamp": 4500}, timedelta(seconds=3.5)),
        ({"start_timestamp": 4500, "end_timestamp": 1000}, None),
        ({"start_timestamp": 1000}, None),
        ({"duration_ms": -5, "start_timestamp": 1000, "end_timestamp": 2000}, timedelta(seconds=1)),
    ],
)
def test_duration_prefers_duration_ms_then_the_span(
    fields: dict[str, Any], expected: timedelta | None
) -> None:
    assert to_call({"call_id": "c1", **fields}).duration == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("inbound", CallDirection.INBOUND),
        ("unknown", CallDirection.UNKNOWN),
        ("up", None),
        (["x"], None),
    ],
)
def test_direction_values(value: Any, expected: CallDirection | None) -> None:
    got = to_call({"call_id": "c1", "direction": value}).direction
    assert got is (expected or CallDirection.UNKNOWN)
