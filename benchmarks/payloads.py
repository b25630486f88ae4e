"""Realistic call payloads for the benchmarks: a long call, as vendors return it.

The documented examples (Retell's seed-001 call in ``tests/retell/data``, a Vapi call
built by the SDK's ``vapi.types.Call``, Truedy's ``{data, meta}`` example in
``providers/callswitch_truedy/openapi_fragment.yaml``) carry a two-line transcript; a real
ended call carries dozens of utterances. These builders start from those documented
payloads and add a 40-utterance conversation in each vendor's transcript shape:

- Retell (about 70 KB): ``transcript``, ``transcript_object`` and
  ``transcript_with_tool_calls``, each utterance with per-word timings.
- Vapi (about 21 KB): ``artifact.messages`` (``role``, ``message``, ``time``,
  ``endTime``, ``secondsFromStart``, ``duration``), their OpenAI-formatted copy and the
  plain ``artifact.transcript``.
- Truedy (about 6 KB): ``transcript`` as a list of ``{role, text, timestamp}``.

Deterministic: the same bytes on every run. ``python benchmarks/payloads.py`` prints sizes.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CALL_ID = "call_bench_0001"
UTTERANCES = 40

_SENTENCES = (
    "Hi, this is Ava from Northwind Dental calling about your appointment tomorrow",
    "Oh hello, yes, I was actually going to call you about that this morning",
    "No problem at all, would you like to keep the ten thirty slot or move it",
    "Could we move it to later in the afternoon, maybe around three if possible",
    "Let me check the schedule for you, one moment please while I look that up",
)


def _sentence(i: int) -> str:
    return _SENTENCES[i % len(_SENTENCES)]


def _role(i: int, agent: str, user: str) -> str:
    return agent if i % 2 == 0 else user


def _retell_words(text: str, start: float, per_word: int) -> list[dict[str, Any]]:
    words = text.split()
    out = []
    t = start
    for n in range(per_word):
        word = words[n % len(words)]
        out.append({"word": word, "start": round(t, 3), "end": round(t + 0.28, 3)})
        t += 0.31
    return out


def retell_call(status: str = "ended", utterances: int = UTTERANCES) -> dict[str, Any]:
    """Retell's documented call with a long transcript (about 70 KB as JSON)."""
    path = ROOT / "tests" / "retell" / "data" / "seed001_update_call_response.json"
    data: dict[str, Any] = json.loads(path.read_text())
    data["call_id"] = CALL_ID
    data["call_status"] = status
    turns = []
    t = 0.6
    for i in range(utterances):
        text = _sentence(i)
        words = _retell_words(text, t, 14)
        turns.append({"role": _role(i, "agent", "user"), "content": text, "words": words})
        t = words[-1]["end"] + 0.5
    data["transcript_object"] = turns
    data["transcript_with_tool_calls"] = copy.deepcopy(turns)
    data["transcript"] = "".join(
        f"{'Agent' if u['role'] == 'agent' else 'User'}: {u['content']}\n" for u in turns
    )
    return data


def vapi_call(
    control_url: str = "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c1/control",
    utterances: int = UTTERANCES,
) -> dict[str, Any]:
    """A Vapi call built by the SDK's own ``vapi.types.Call``, with an artifact holding a
    long conversation (about 21 KB as JSON)."""
    from vapi.types import Call, Monitor

    when = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    call = Call(
        id=CALL_ID,
        org_id="org-1",
        created_at=when,
        updated_at=when,
        type="outboundPhoneCall",
        status="in-progress",
        assistant_id="asst-1",
        name="bench",
        monitor=Monitor(control_url=control_url, listen_url="wss://listen.example/c1"),
    )
    data: dict[str, Any] = call.model_dump(mode="json", by_alias=True, exclude_none=True)
    epoch_ms = when.timestamp() * 1000
    messages: list[dict[str, Any]] = [
        {"role": "system", "message": "You are Ava, a scheduling assistant.", "time": epoch_ms}
    ]
    openai: list[dict[str, Any]] = [{"role": "system", "content": messages[0]["message"]}]
    offset = 0.6
    for i in range(utterances):
        text = _sentence(i)
        length = 4.2 + (i % 3) * 0.7
        began = epoch_ms + offset * 1000
        messages.append(
            {
                "role": _role(i, "bot", "user"),
                "message": text,
                "time": began,
                "endTime": began + length * 1000,
                "secondsFromStart": round(offset, 3),
                "duration": length * 1000,
                "source": "",
            }
        )
        openai.append({"role": _role(i, "assistant", "user"), "content": text})
        offset += length + 0.5
    transcript = "".join(
        f"{'AI' if m['role'] == 'bot' else 'User'}: {m['message']}\n" for m in messages[1:]
    )
    data["artifact"] = {
        "messages": messages,
        "messagesOpenAIFormatted": openai,
        "transcript": transcript,
        "recordingUrl": "https://storage.vapi.example/c1-mono.wav",
        "stereoRecordingUrl": "https://storage.vapi.example/c1-stereo.wav",
    }
    data["analysis"] = {
        "summary": "The caller moved the appointment to three in the afternoon.",
        "successEvaluation": "true",
    }
    data["costs"] = [
        {"type": kind, "cost": 0.0123 + n / 1000, "minutes": 3.1, "characters": 1800 + n}
        for n, kind in enumerate(("transport", "transcriber", "model", "voice", "vapi") * 9)
    ]
    data["endedReason"] = "customer-ended-call"
    return data


def truedy_call(utterances: int = UTTERANCES) -> dict[str, Any]:
    """Truedy's documented ``{data, meta}`` answer with a transcript list (about 6 KB)."""
    import yaml

    spec = yaml.safe_load((ROOT / "providers/callswitch_truedy/openapi_fragment.yaml").read_text())
    op = spec["paths"]["/calls/{call_id}"]["patch"]
    example: dict[str, Any] = op["responses"]["200"]["content"]["application/json"]["example"]
    example = copy.deepcopy(example)
    example["data"]["id"] = CALL_ID
    rows = []
    t = 0.6
    for i in range(utterances):
        text = _sentence(i)
        rows.append({"role": _role(i, "agent", "user"), "text": text, "timestamp": round(t, 2)})
        t += 4.8
    example["data"]["transcript"] = rows
    return example


def retell_call_ended_event() -> dict[str, Any]:
    """A Retell ``call_ended`` webhook body around the long call (about 70 KB)."""
    return {"event": "call_ended", "call": retell_call("ended")}


if __name__ == "__main__":
    for name, value in (
        ("retell", retell_call()),
        ("vapi", vapi_call()),
        ("truedy", truedy_call()),
    ):
        print(f"{name}: {len(json.dumps(value)) / 1000:.1f} KB")
