"""Truedy webhook rules: ``X-Truedy-Signature`` verification and event mapping.

Wire facts (``shared/vendors.md``, Truedy public docs; no SDK exists):

* ``X-Truedy-Signature`` = hex HMAC-SHA256, keyed with the webhook secret, of
  ``timestamp + "." + raw_body``, where ``timestamp`` is the ``X-Truedy-Timestamp``
  header's value;
* body ``{"event", "timestamp", "data", "id"}``; events ``call.started``, ``call.ended``
  (``call.completed`` is the same event), ``call.failed``, ``call.billed``...;
* delivery is at least once: de-duplicate on the event ``id``.

Assumptions [INF], not documented by Truedy:

* the timestamp's format: the header value is signed verbatim, so any format verifies;
  for the freshness check we accept epoch seconds, epoch milliseconds or ISO 8601;
* the tolerance: five minutes, like Retell;
* ``data`` is the call object (the schema of ``GET /calls/{id}``'s ``data``);
* ``call.failed`` becomes ``call.ended`` (the call is over; ``call.status`` says it
  failed, and is set to ``failed`` when the payload omits it), so apps that clean up on
  ``call.ended`` see every call end once.
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
    "call.ended": EventType.CALL_ENDED,
    "call.completed": EventType.CALL_ENDED,
    "call.failed": EventType.CALL_ENDED,
}


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
            payload, "event", provider=PROVIDER, shape='{"event", "timestamp", "data", "id"}'
        )
        data = payload.get("data")
        call = None
        # ``data`` of an event about no call (call.billed, say) may not be a call object.
        if isinstance(data, dict) and data.get("id"):
            if raw_type == "call.failed" and not data.get("status"):
                data = {**data, "status": "failed"}
            call = mapped_call(PROVIDER, _TO_CALL, data)
        return call_event(
            PROVIDER,
            type=EVENT_TYPES.get(raw_type, EventType.OTHER),
            raw_type=raw_type,
            raw=payload,
            call=call,
            event_id=payload.get("id"),
            times=(event_time(payload.get("timestamp")), signed_at),
        )


#: What ``ProviderSpec.webhooks`` names: ``"callswitch_truedy.webhooks:RULES"``.
RULES = TruedyWebhookRules()
