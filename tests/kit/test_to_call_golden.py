"""Every provider's ``to_call`` gives, field by field, the ``Call`` recorded in
``data/to_call_golden.json`` before the mappings were tuned for speed (issue 19).

The inputs are the benchmark payloads (``benchmarks/payloads.py``), the recorded Retell
fixtures, and a hundred payloads per vendor mutated at random from short versions of the
benchmark ones (stored in the golden file itself, so the test does not depend on how
they were made). A case's expected value is ``repr(call.model_dump())`` without ``raw``
(enum members, ``Decimal`` digits, float spellings and time zones all show in a repr),
or the error ``to_call`` raised; ``raw`` is checked to equal the input.

Regenerate only from code whose output is known to be right:
``python tests/kit/test_to_call_golden.py --write``.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from callswitch.models import Call
from callswitch_retell._mapping import to_call as retell_to_call
from callswitch_truedy._mapping import to_call as truedy_to_call
from callswitch_vapi._mapping import to_call as vapi_to_call

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import payloads  # noqa: E402

CASES = 100  # mutated payloads per vendor
GOLDEN = Path(__file__).parent / "data" / "to_call_golden.json"
TO_CALL: dict[str, Callable[[Any], Call]] = {
    "retell": retell_to_call,
    "vapi": vapi_to_call,
    "truedy": truedy_to_call,
}


def _fixed_cases() -> list[tuple[str, str, Any]]:
    data = ROOT / "tests" / "retell" / "data"
    return [
        ("retell", "benchmark", payloads.retell_call()),
        ("retell", "benchmark ongoing", payloads.retell_call("ongoing")),
        ("vapi", "benchmark", payloads.vapi_call()),
        ("truedy", "benchmark", payloads.truedy_call()["data"]),
        ("retell", "seed001", json.loads((data / "seed001_update_call_response.json").read_text())),
        (
            "retell",
            "seed004",
            json.loads((data / "seed004_create_web_call_v2_response.json").read_text()),
        ),
    ]


# ------------------------------------------------------------------ mutated payloads

_WORDS = [
    # statuses, directions, types, roles and end reasons of the three vendors
    "ended",
    "ongoing",
    "registered",
    "not_connected",
    "error",
    "in-progress",
    "queued",
    "ringing",
    "forwarding",
    "scheduled",
    "completed",
    "in_progress",
    "cancelled",
    "failed",
    "inbound",
    "outbound",
    "webrtc",
    "Inbound",
    "web_call",
    "phone_call",
    "webCall",
    "inboundPhoneCall",
    "outboundPhoneCall",
    "vapi.websocketCall",
    "agent",
    "user",
    "bot",
    "Bot",
    "assistant",
    "customer",
    "contact",
    "caller",
    "system",
    "tool",
    "tool_calls",
    "tool_call_result",
    "Tool_Call_Result",
    "function",
    "injected",
    "transfer_target",
    "AGENT",
    "customer-ended-call",
    "pipeline-error-openai",
    "call.start.error-x",
    "customer-did-not-answer",
    "dial_no_answer",
    "user_hangup",
    "agent_hangup",
    "Positive",
    "negative",
    "true",
    "FAILED",
    "pass",
    "positive",
    "Neutral",
    # times, in every shape a vendor might send
    "2024-05-01T12:00:00Z",
    "2024-05-01T12:00:00.123+02:00",
    "2024-05-01T12:00:00",
    " 2024-05-01T12:00:00Z ",
    "2024-05-01",
    "0001-01-01T00:00:00+14:00",
    "yesterday",
    # numbers as text, and plain odd strings
    "12.50",
    " 3 ",
    "1e3",
    "nan",
    "-1",
    "",
    " ",
    "x",
    "Ünïcode",
    "+14155550123",
]
_NUMBERS = [
    0,
    1,
    -1,
    7,
    1714564800123,
    10**30,
    10**400,
    0.0,
    0.5,
    -0.5,
    3.25,
    1714564800123.5,
    1e308,
    math.inf,
    -math.inf,
    math.nan,
    True,
    False,
]


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(_WORDS)
    if kind < 0.8:
        return rng.choice(_NUMBERS)
    if kind < 0.88:
        return None
    if depth > 1:
        return rng.choice(_WORDS)
    if kind < 0.94:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {rng.choice(_WORDS) or "k": _value(rng, depth + 1) for _ in range(rng.randrange(3))}


def _containers(payload: Any) -> list[dict[str, Any]]:
    """Every JSON object inside ``payload`` (itself included), depth first."""
    found: list[dict[str, Any]] = []
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _mutate(rng: random.Random, base: dict[str, Any]) -> dict[str, Any]:
    payload = copy.deepcopy(base)
    for _ in range(rng.randrange(1, 7)):
        target = rng.choice(_containers(payload))
        keys = [k for k in target if not (target is payload and k in ("id", "call_id"))]
        action = rng.random()
        if keys and action < 0.25:
            del target[rng.choice(keys)]
        elif keys and action < 0.85:
            target[rng.choice(keys)] = _value(rng)
        else:
            target[rng.choice(_KEYS)] = _value(rng)
    return payload


# keys the mappings read, so that added keys hit something
_KEYS = [
    "role",
    "speaker",
    "text",
    "content",
    "message",
    "result",
    "toolCalls",
    "timestamp",
    "start",
    "end",
    "time",
    "endTime",
    "secondsFromStart",
    "time_sec",
    "words",
    "status",
    "call_status",
    "direction",
    "type",
    "call_type",
    "endedReason",
    "disconnection_reason",
    "startedAt",
    "endedAt",
    "createdAt",
    "start_timestamp",
    "end_timestamp",
    "created_at",
    "started_at",
    "ended_at",
    "duration_seconds",
    "duration_ms",
    "cost",
    "cost_usd",
    "cost_credits",
    "sentiment",
    "summary",
    "short_summary",
    "transcript",
    "messages",
    "metadata",
    "variables",
    "phone_number",
    "to",
    "from",
    "to_number",
    "from_number",
]


def _mutated_cases() -> list[tuple[str, str, Any]]:
    rng = random.Random(19)
    bases = {
        "retell": payloads.retell_call(utterances=4),
        "vapi": payloads.vapi_call(utterances=6),
        "truedy": payloads.truedy_call(utterances=6)["data"],
    }
    # Small enough to store: short utterances of three timed words, five cost rows.
    for turn in bases["retell"]["transcript_object"]:
        turn["words"] = turn["words"][:3]
        turn["content"] = " ".join(word["word"] for word in turn["words"])
    for row in bases["truedy"]["transcript"] + bases["vapi"]["artifact"]["messages"]:
        key = "text" if "text" in row else "message"
        row[key] = " ".join(row[key].split()[:3])
    bases["retell"]["transcript_with_tool_calls"] = copy.deepcopy(
        bases["retell"]["transcript_object"]
    )
    bases["vapi"]["costs"] = bases["vapi"]["costs"][:5]
    bases["vapi"]["artifact"]["messagesOpenAIFormatted"] = []
    bases["retell"]["transcript"] = bases["vapi"]["artifact"]["transcript"] = "AI: Hi\nUser: Hi\n"
    # Retell's second transcript, which to_call merges injected context from
    bases["retell"]["transcript_with_tool_calls"].insert(
        1, {"role": "injected", "content": "ctx", "time_sec": 1.5}
    )
    cases = []
    for vendor, base in bases.items():
        for n in range(CASES):
            cases.append((vendor, f"mutated {n}", _mutate(rng, base)))
    return cases


# ---------------------------------------------------------------------------- golden


def _outcome(vendor: str, payload: Any) -> dict[str, Any]:
    try:
        call = TO_CALL[vendor](payload)
    except Exception as exc:  # the error is part of the behaviour recorded
        return {"error": f"{type(exc).__name__}: {exc}"}
    assert type(call) is Call
    return {
        "call": repr(call.model_dump(exclude={"raw"})),
        "raw_is_input": call.raw is payload,
        "raw_equals_input": repr(call.raw) == repr(payload),
    }


def _write() -> None:
    fixed = [{"vendor": v, "name": n, "expected": _outcome(v, p)} for v, n, p in _fixed_cases()]
    mutated = [
        {"vendor": v, "name": n, "input": p, "expected": _outcome(v, p)}
        for v, n, p in ((v, n, json.loads(json.dumps(p))) for v, n, p in _mutated_cases())
    ]
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps({"fixed": fixed, "mutated": mutated}, indent=0) + "\n")


@functools.cache
def _golden() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(GOLDEN.read_text())
    return loaded


def test_the_fixed_payloads_map_as_recorded() -> None:
    recorded = {(c["vendor"], c["name"]): c["expected"] for c in _golden()["fixed"]}
    cases = _fixed_cases()
    assert len(recorded) == len(cases)
    for vendor, name, payload in cases:
        assert _outcome(vendor, payload) == recorded[vendor, name], (vendor, name)


@pytest.mark.parametrize("vendor", sorted(TO_CALL))
def test_the_mutated_payloads_map_as_recorded(vendor: str) -> None:
    cases = [c for c in _golden()["mutated"] if c["vendor"] == vendor]
    assert len(cases) == CASES
    assert any("call" in c["expected"] for c in cases)
    for case in cases:
        assert _outcome(vendor, case["input"]) == case["expected"], case["name"]


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    _write()
