"""Truedy webhook rules: ``X-Truedy-Signature`` verification and event mapping.

Wire facts (https://docs.truedy.ai/guides/webhooks, /guides/available-webhooks and
/guides/webhooks-overview; Truedy publishes no SDK):

* ``X-Truedy-Signature`` = hex HMAC-SHA256, keyed with the webhook secret, of
  ``timestamp + "." + raw_body``, where ``timestamp`` is the ``X-Truedy-Timestamp``
  header's value;
* the body is ``{"event", "timestamp", "data"}``; the top-level ``event`` is already
  normalised (``call.completed`` arrives as ``call.ended``) and ``data`` is the original
  Ultravox event: the call id is ``data.call.callId`` (or ``data.call_id`` /
  ``data.callId``), the agent ``data.call.agent.agentId``, the event id ``data.id`` (or
  ``data.eventId``); batch events carry ``data.batch_id`` / ``data.batchId``. No field
  is guaranteed present. The webhooks guide also shows an older flat example,
  ``data: {call_id, status, agent_id, duration_seconds}`` with the event id at the top
  level (``id`` or ``event_id``): both are read;
* events ``call.started``, ``call.joined`` (the participant joined: ``call.answered``),
  ``call.ended``, ``call.billed``, ``call.failed``, ``call.analyzed`` (named in the
  call-management guide: the transcript and analysis are ready), ``batch.status.changed``,
  ``batch.completed``; ``voice.training.*`` and anything else is ``other``;
* delivery is at least once: de-duplicate on the event id.

Assumptions [INF], not documented by Truedy:

* the timestamp's format: the header value is signed verbatim, so any format verifies;
  for the freshness check we accept epoch seconds, epoch milliseconds or ISO 8601;
* the tolerance: five minutes, like Retell;
* the call is built from ``data``'s call id and agent id plus any flat call fields in
  ``data`` named as in ``GET /calls/{id}`` (``status``, ``duration_seconds``...); the
  rest of the Ultravox call object is not mapped (it stays in ``Call.raw``);
* a ``call.failed`` without a status is a ``failed`` call and a ``call.joined`` one an
  ongoing call; other events without a status leave it ``unknown``;
* ``call.failed`` becomes ``call.ended`` (the call is over; ``call.status`` says it
  failed), so apps that clean up on ``call.ended`` see every call end once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callswitch.plugin import (
    CallEvent,
    EventType,
    Headers,
    HmacScheme,
    WebhookSecret,
    call_event,
    event_name,
    event_time,
    fixed_secret,
    mapped_call,
    verify_hmac,
)

__all__ = [
    "EVENT_TYPES",
    "RULES",
    "SCHEME",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TruedyWebhookRules",
]

PROVIDER = "truedy"
SIGNATURE_HEADER = "x-truedy-signature"
TIMESTAMP_HEADER = "x-truedy-timestamp"

#: Truedy's one signing scheme: hex HMAC-SHA256 of ``timestamp + "." + raw_body``.
SCHEME = HmacScheme(
    signature_header=SIGNATURE_HEADER,
    timestamp_header=TIMESTAMP_HEADER,
    algorithm="sha256",
    encoding="hex",
    payload_format="{timestamp}.{body}",
)

#: Truedy event name -> neutral type. Anything else is ``EventType.OTHER``.
EVENT_TYPES: Mapping[str, EventType] = {
    "call.started": EventType.CALL_STARTED,
    "call.joined": EventType.CALL_ANSWERED,
    "call.ended": EventType.CALL_ENDED,
    "call.completed": EventType.CALL_ENDED,
    "call.failed": EventType.CALL_ENDED,
    "call.billed": EventType.CALL_BILLED,
    "call.analyzed": EventType.CALL_ANALYZED,
    "batch.status.changed": EventType.BATCH_STATUS_CHANGED,
    "batch.completed": EventType.BATCH_COMPLETED,
}

#: A status implied by the event name when ``data`` carries none [assumption].
_IMPLIED_STATUS: Mapping[str, str] = {"call.failed": "failed", "call.joined": "in-progress"}

#: Keys of ``data`` that name the event or its subject, not fields of the call.
_EVENT_KEYS = frozenset(
    {"event", "call", "id", "eventId", "event_id", "callId", "call_id", "batch_id", "batchId"}
)


#: The mapping API responses use, imported on first use.
_TO_CALL = "callswitch_truedy._mapping:to_call"


class TruedyWebhookRules:
    """Truedy's signing scheme and event names (see the module docstring)."""

    default_tolerance = 300.0

    def verify(
        self,
        headers: Headers,
        body: bytes,
        secret: WebhookSecret,
        *,
        tolerance: float,
        now: float,
    ) -> datetime | None:
        auth = SCHEME.auth(fixed_secret(secret, PROVIDER, "webhook signing secret"))
        return verify_hmac(headers, body, auth, tolerance=tolerance, now=now, provider=PROVIDER)

    def sign(self, body: bytes, secret: str, *, now: float) -> dict[str, str]:
        """``X-Truedy-Signature`` and ``X-Truedy-Timestamp`` (epoch seconds [INF])."""
        return SCHEME.sign(secret, body, str(int(now)))

    def parse(self, payload: dict[str, Any], *, signed_at: datetime | None) -> CallEvent:
        raw_type = event_name(
            payload, "event", provider=PROVIDER, shape='{"event", "timestamp", "data"}'
        )
        data = payload.get("data")
        data = data if isinstance(data, dict) else {}
        call = None
        record = _call_record(data, raw_type)
        if record is not None:
            # raw is the Ultravox event as received, not the record built from it.
            call = mapped_call(PROVIDER, _TO_CALL, record).model_copy(update={"raw": data})
        return call_event(
            PROVIDER,
            type=EVENT_TYPES.get(raw_type, EventType.OTHER),
            raw_type=raw_type,
            raw=payload,
            call=call,
            event_id=_first_text(data, "id", "eventId") or _first_text(payload, "id", "event_id"),
            times=(event_time(payload.get("timestamp")), signed_at),
        )


def _first_text(container: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = container.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _call_record(data: Mapping[str, Any], raw_type: str) -> dict[str, Any] | None:
    """A call object for the mapping, from an event's ``data``; ``None`` when ``data``
    names no call (batch and voice events, or a call event without a call id)."""
    nested = data.get("call")
    nested = nested if isinstance(nested, dict) else {}
    call_id = _first_text(nested, "callId") or _first_text(data, "call_id", "callId")
    if call_id is None:
        return None
    record = {key: value for key, value in data.items() if key not in _EVENT_KEYS}
    record["id"] = call_id
    agent = nested.get("agent")
    agent_id = _first_text(agent, "agentId") if isinstance(agent, dict) else None
    if agent_id is not None and not _first_text(record, "agent_id"):
        record["agent_id"] = agent_id
    implied = _IMPLIED_STATUS.get(raw_type)
    if implied is not None and not record.get("status"):
        record["status"] = implied
    return record


#: What ``ProviderSpec.webhooks`` names: ``"callswitch_truedy.webhooks:RULES"``.
RULES = TruedyWebhookRules()
