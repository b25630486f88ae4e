"""Vapi messages with odd numbers: never a crash, and the utterance keeps its text."""

from __future__ import annotations

from typing import Any

import pytest

from callswitch import UtteranceRole
from callswitch_vapi._mapping import to_call


def _one(message: dict[str, Any]) -> Any:
    call = to_call({"id": "c1", "artifact": {"messages": [message]}})
    (utterance,) = call.transcript
    return utterance


def test_a_timed_message() -> None:
    got = _one(
        {"role": "bot", "message": "hi", "secondsFromStart": 2, "time": 1000, "endTime": 2500}
    )
    assert (got.role, got.text, got.start, got.end) == (UtteranceRole.AGENT, "hi", 2.0, 3.5)
    assert type(got.start) is float


@pytest.mark.parametrize(
    ("fields", "start"),
    [
        ({"secondsFromStart": 10**400}, None),
        ({"secondsFromStart": 1, "time": 10**400, "endTime": 10**401}, 1.0),
        ({"secondsFromStart": True, "time": 1, "endTime": 2}, None),
        ({"secondsFromStart": float("inf")}, None),
    ],
)
def test_numbers_beyond_a_float_or_not_numbers_are_absent(
    fields: dict[str, Any], start: float | None
) -> None:
    got = _one({"role": "user", "message": "yes", **fields})
    assert (got.text, got.start, got.end) == ("yes", start, None)
