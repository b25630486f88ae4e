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

from callswitch.errors import InvalidRequestError
from callswitch.models import Call
from callswitch.webhooks import (
    CallEvent,
    EventType,
    Headers,
    HmacAuth,
    SharedSecretAuth,
    WebhookSecret,
    derive_event_id,
    first_time,
    mapped_call,
    parse_timestamp,
    secret_text,
    verify_hmac,
)

__all__ = ["EVENT_TYPES", "RULES", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "TruedyWebhookRules"]

PROVIDER = "truedy"
SIGNATURE_HEADER = "x-truedy-signature"
TIMESTAMP_HEADER = "x-truedy-timestamp"

#: Truedy event name -> neutral type. Anything else is ``EventType.OTHER``.
EVENT_TYPES: Mapping[str, EventType] = {
    "call.started": EventType.CALL_STARTED,
    "call.ended": EventType.CALL_ENDED,
    "call.completed": EventType.CALL_ENDED,
    "call.failed": EventType.CALL_ENDED,
}


def _to_call(payload: Any) -> Call:
    from callswitch_truedy._mapping import to_call

    return to_call(payload)


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
        if isinstance(secret, HmacAuth | SharedSecretAuth):
            raise InvalidRequestError(
                "truedy signs webhooks one fixed way: pass secret=<webhook signing secret> "
                f"(a str or callswitch.Secret), not {type(secret).__name__}"
            )
        auth = HmacAuth(
            secret_text(secret, PROVIDER),
            signature_header=SIGNATURE_HEADER,
            timestamp_header=TIMESTAMP_HEADER,
            payload_format="{timestamp}.{body}",
        )
        return verify_hmac(headers, body, auth, tolerance=tolerance, now=now, provider=PROVIDER)

    def parse(self, payload: dict[str, Any], *, signed_at: datetime | None) -> CallEvent:
        raw_type = payload.get("event")
        if not isinstance(raw_type, str) or not raw_type:
            raise InvalidRequestError(
                'truedy webhook body has no \'event\' name; expected {"event", "timestamp", '
                '"data", "id"}'
            )
        kind = EVENT_TYPES.get(raw_type, EventType.OTHER)
        data = payload.get("data")
        call = None
        if isinstance(data, dict) and data.get("id"):
            if raw_type == "call.failed" and not data.get("status"):
                data = {**data, "status": "failed"}
            call = mapped_call(PROVIDER, _to_call, data)
        event_id = payload.get("id")
        if not isinstance(event_id, str) or not event_id:
            event_id = derive_event_id(PROVIDER, raw_type, call.id if call else None, payload)
        return CallEvent(
            id=event_id,
            provider=PROVIDER,
            type=kind,
            raw_type=raw_type,
            occurred_at=first_time(_time(payload.get("timestamp")), signed_at),
            call=call,
            raw=payload,
        )


def _time(value: Any) -> datetime | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return parse_timestamp(value)
        except (ValueError, OverflowError, OSError):
            return None
    return None


#: What ``ProviderSpec.webhooks`` names: ``"callswitch_truedy.webhooks:RULES"``.
RULES = TruedyWebhookRules()
