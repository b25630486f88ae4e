"""Transcripts from the documented payloads (retell-sdk 6.2.13 ``PhoneCallResponse``):
roles, and injected context that only ``transcript_with_tool_calls`` carries."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from retell_fakes import KEY, FakeRetell

import callswitch
from callswitch import UtteranceRole
from callswitch_retell import _mapping

CALL_ID = "call_a4441234567890777c4a4a123e6"


def _said(role: str, text: str, start: float) -> dict[str, Any]:
    words = [
        {"word": w, "start": start + i, "end": start + i + 0.5} for i, w in enumerate(text.split())
    ]
    return {"role": role, "content": text, "words": words}


AGENT = _said("agent", "Hello there", 0.5)
USER = _said("user", "I want a person", 3.0)
TARGET = _said("transfer_target", "Sales here", 9.0)
INJECTED = {"role": "injected", "content": "Caller is a VIP", "time_sec": 5.25}
TOOL = {
    "role": "tool_call_invocation",
    "tool_call_id": "t1",
    "name": "transfer_call",
    "arguments": "{}",
}
TOOL_RESULT = {"role": "tool_call_result", "tool_call_id": "t1", "content": "ok"}


def _payload(**fields: Any) -> dict[str, Any]:
    """A phone call as retell-sdk 6.2.13 types it (validated, so the shape is documented)."""
    from retell.types import PhoneCallResponse

    body = {
        "call_type": "phone_call",
        "call_id": CALL_ID,
        "agent_id": "agent_1",
        "agent_version": 1,
        "call_status": "ended",
        "direction": "outbound",
        "from_number": "+12137771234",
        "to_number": "+12137771235",
        **fields,
    }
    PhoneCallResponse.model_validate(body)
    return body


REAL = _payload(
    transcript_object=[AGENT, USER, TARGET],
    transcript_with_tool_calls=[AGENT, USER, INJECTED, TOOL, TOOL_RESULT, TARGET],
)
EXPECTED = [
    (UtteranceRole.AGENT, "Hello there", 0.5, 2.0),
    (UtteranceRole.USER, "I want a person", 3.0, 6.5),
    (UtteranceRole.INJECTED, "Caller is a VIP", 5.25, 5.25),
    (UtteranceRole.USER, "Sales here", 9.0, 10.5),
]


def _rows(call: callswitch.Call) -> list[tuple[UtteranceRole, str, float | None, float | None]]:
    return [(u.role, u.text, u.start, u.end) for u in call.transcript]


def test_injected_context_is_merged_in_time_order_without_tool_calls() -> None:
    """Injected context (woven transcript only) lands after the utterance that began before
    it; transfer_target speaks as user; tool calls stay out; nothing is doubled."""
    assert _rows(_mapping.to_call(REAL)) == EXPECTED


def test_injected_context_in_both_lists_appears_once() -> None:
    """A payload carrying the injection in both lists (older emulator cassettes) gives it once."""
    both = {**REAL, "transcript_object": [AGENT, USER, {**INJECTED, "words": []}, TARGET]}
    assert _rows(_mapping.to_call(both)) == EXPECTED


def test_the_same_context_injected_twice_shows_twice() -> None:
    later = {**INJECTED, "time_sec": 8.0}
    body = _payload(
        transcript_object=[AGENT, USER, TARGET],
        transcript_with_tool_calls=[AGENT, USER, INJECTED, later, TARGET],
    )
    injected = [u for u in _mapping.to_call(body).transcript if u.role is UtteranceRole.INJECTED]
    assert [(u.text, u.start) for u in injected] == [
        ("Caller is a VIP", 5.25),
        ("Caller is a VIP", 8.0),
    ]


def test_injection_before_anything_was_said_comes_first_and_after_the_end_last() -> None:
    early = {**INJECTED, "time_sec": 0.0}
    late = {**INJECTED, "content": "Wrap up", "time_sec": 60.0}
    body = _payload(
        transcript_object=[AGENT, USER],
        transcript_with_tool_calls=[early, AGENT, USER, late],
    )
    assert [u.text for u in _mapping.to_call(body).transcript] == [
        "Caller is a VIP",
        "Hello there",
        "I want a person",
        "Wrap up",
    ]


def test_only_the_woven_transcript_still_gives_the_spoken_utterances() -> None:
    """No transcript_object: the spoken utterances come from transcript_with_tool_calls."""
    body = _payload(transcript_with_tool_calls=[AGENT, USER, INJECTED, TOOL, TARGET])
    assert _rows(_mapping.to_call(body)) == EXPECTED


def test_sync_and_async_clients_read_injected_context() -> None:
    fake = FakeRetell().on("GET", f"/v2/get-call/{CALL_ID}", json_body=REAL)
    with httpx.Client(transport=httpx.MockTransport(fake)) as http:
        client = callswitch.connect("retell", api_key=KEY, http_client=http, max_retries=0)
        assert _rows(client.calls.get(CALL_ID)) == EXPECTED

    async def main() -> callswitch.Call:
        async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http:
            client = callswitch.connect_async("retell", api_key=KEY, http_client=http)
            return await client.calls.get(CALL_ID)

    assert _rows(asyncio.run(main())) == EXPECTED
