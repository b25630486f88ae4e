"""The Truedy and Vapi utterance helpers were rewritten for speed (``_utterance``, then
``_rows`` with its inline path for the documented turn): they must give what the previous
versions (kept here verbatim as the reference) gave, on any input."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from callswitch.models import UtteranceRole
from callswitch.plugin import finite_float
from callswitch_truedy import _mapping as truedy
from callswitch_vapi import _mapping as vapi

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import payloads


def _old_truedy(item: Any) -> Any:
    if isinstance(item, str):
        return {"text": item} if item else None
    if not isinstance(item, dict):
        return None

    def text_of(value: Any) -> str | None:
        return value if isinstance(value, str) and value else None

    text = text_of(item.get("text")) or text_of(item.get("content"))
    if text is None:
        return None
    word = text_of(item.get("role")) or text_of(item.get("speaker"))
    role = truedy._ROLES.get(word.lower(), UtteranceRole.UNKNOWN) if word else UtteranceRole.UNKNOWN
    start = finite_float(item.get("timestamp"))
    if start is None:
        start = finite_float(item.get("start"))
    return {"role": role, "text": text, "start": start, "end": finite_float(item.get("end"))}


def _old_vapi_role(raw: object) -> UtteranceRole:
    if not isinstance(raw, str):
        return UtteranceRole.UNKNOWN
    role = raw.lower()
    if role in {"bot", "assistant"}:
        return UtteranceRole.AGENT
    if role in {"user", "customer"}:
        return UtteranceRole.USER
    if role == "system":
        return UtteranceRole.SYSTEM
    if role.startswith("tool") or role == "function":
        return UtteranceRole.TOOL
    return UtteranceRole.UNKNOWN


def _old_vapi(message: Mapping[str, Any]) -> Any:
    role = _old_vapi_role(message.get("role"))
    text = message.get("message")
    if not isinstance(text, str) or not text:
        if isinstance(message.get("result"), str):
            text = message["result"]
        elif message.get("toolCalls") is not None:
            text = json.dumps(message["toolCalls"], separators=(",", ":"), sort_keys=True)
        else:
            text = ""
    start = finite_float(message.get("secondsFromStart"))
    end = None
    began, finished = finite_float(message.get("time")), finite_float(message.get("endTime"))
    if start is not None and began is not None and finished is not None and finished >= began:
        end = start + (finished - began) / 1000.0
    return {"role": role, "text": text, "start": start, "end": end}


ROLES = st.sampled_from(
    [
        "agent",
        "Agent",
        "USER",
        "bot",
        "Bot",
        "assistant",
        "customer",
        "caller",
        "contact",
        "system",
        "tool",
        "tool_calls",
        "Tool_Call_Result",
        "function",
        "",
        "other",
        "Ünïcode",
    ]
)
NUMBERS = st.one_of(
    st.none(),
    st.integers(-(10**20), 10**400),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=3),
)
TEXTS = st.one_of(st.none(), st.text(max_size=8), st.integers(), st.lists(st.integers()))


TRUEDY_ITEMS = st.one_of(
    st.text(max_size=5),
    st.integers(),
    st.fixed_dictionaries(
        {},
        optional={
            "text": TEXTS,
            "content": TEXTS,
            "role": st.one_of(ROLES, TEXTS),
            "speaker": st.one_of(ROLES, TEXTS),
            "timestamp": NUMBERS,
            "start": NUMBERS,
            "end": NUMBERS,
        },
    ),
)


@settings(max_examples=400, deadline=None)
@given(TRUEDY_ITEMS)
def test_truedy_utterance_matches_the_previous_version(item: Any) -> None:
    assert repr(truedy._utterance(item)) == repr(_old_truedy(item))


VAPI_MESSAGES = st.fixed_dictionaries(
    {},
    optional={
        "role": st.one_of(ROLES, TEXTS),
        "message": TEXTS,
        "result": TEXTS,
        "toolCalls": st.one_of(st.none(), st.lists(st.integers(), max_size=2)),
        "secondsFromStart": NUMBERS,
        "time": NUMBERS,
        "endTime": NUMBERS,
    },
)


@settings(max_examples=400, deadline=None)
@given(VAPI_MESSAGES)
def test_vapi_utterance_matches_the_previous_version(message: dict[str, Any]) -> None:
    assert repr(vapi._utterance(message)) == repr(_old_vapi(message))


# Turns shaped like the documented ones (the fast path of _rows), with odd values mixed in.
FLOATS = st.one_of(st.floats(allow_nan=True), NUMBERS)
TRUEDY_TURNS = st.fixed_dictionaries(
    {"role": ROLES, "text": st.one_of(st.text(max_size=4), TEXTS), "timestamp": FLOATS},
    optional={"end": NUMBERS, "content": TEXTS, "speaker": ROLES},
)
VAPI_SPOKEN = st.fixed_dictionaries(
    {
        "role": ROLES,
        "message": st.one_of(st.text(max_size=4), TEXTS),
        "secondsFromStart": FLOATS,
        "time": FLOATS,
        "endTime": FLOATS,
    },
    optional={"result": TEXTS},
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TRUEDY_TURNS, TRUEDY_ITEMS), max_size=6))
def test_truedy_rows_match_the_previous_version(items: list[Any]) -> None:
    expected = [row for row in map(_old_truedy, items) if row is not None]
    assert repr(truedy._rows(items)) == repr(expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(VAPI_SPOKEN, VAPI_MESSAGES, st.integers(), st.none()), max_size=6))
def test_vapi_rows_match_the_previous_version(messages: list[Any]) -> None:
    expected = [_old_vapi(m) for m in messages if isinstance(m, dict)]
    assert repr(vapi._rows(messages)) == repr(expected)


def test_the_benchmark_transcripts_map_as_before() -> None:
    rows = payloads.truedy_call()["data"]["transcript"]
    assert [truedy._utterance(r) for r in rows] == [_old_truedy(r) for r in rows]
    messages = payloads.vapi_call()["artifact"]["messages"]
    assert [vapi._utterance(m) for m in messages] == [_old_vapi(m) for m in messages]
    assert truedy._rows(rows) == [_old_truedy(r) for r in rows]
    assert vapi._rows(messages) == [_old_vapi(m) for m in messages]
    assert len(truedy.to_call(payloads.truedy_call()["data"]).transcript) == 40


def test_the_edges_of_the_inline_path_map_as_before() -> None:
    spoken = {"role": "bot", "message": "hi", "secondsFromStart": 1.5}
    messages: list[Any] = [
        {**spoken, "time": 1000.0, "endTime": 1000.0},  # no length: end == start
        {**spoken, "time": 2000.0, "endTime": 1000.0},  # ends before it began: no end
        {**spoken, "time": 1000, "endTime": 2500},  # integer milliseconds
        {**spoken, "time": 1000.0, "endTime": float("inf")},
        {**spoken, "role": "Bot", "time": 1000.0, "endTime": 1500.0},
        {**spoken, "message": "", "result": "done", "time": 1000.0, "endTime": 1500.0},
    ]
    assert repr(vapi._rows(messages)) == repr([_old_vapi(m) for m in messages])
    assert vapi._rows(messages)[0]["end"] == 1.5
    turns: list[Any] = [
        {"role": "agent", "text": "hi", "timestamp": 2.0},
        {"role": "agent", "text": "hi", "timestamp": 2.0, "end": 3.0},
        {"role": "Agent", "text": "hi", "timestamp": 2.0},
        {"role": "agent", "text": "", "content": "hi", "timestamp": 2.0},
        {"role": "agent", "text": "hi", "timestamp": 2},
        {"role": "agent", "text": "hi", "timestamp": float("nan"), "start": 1.0},
    ]
    assert repr(truedy._rows(turns)) == repr([_old_truedy(t) for t in turns])
