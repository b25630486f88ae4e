"""Retell webhook rules: ``x-retell-signature`` verification and event mapping.

Wire facts (``retell-sdk`` 6.2.13, ``retell/lib/webhook_auth.py``;
https://docs.retellai.com/features/secure-webhook):

* header ``x-retell-signature: v=<unix ms>,d=<hex>``, where ``d`` is the hex
  HMAC-SHA256, keyed with the Retell API key, of the raw body followed by ``str(ms)``;
* refused when ``ms`` is more than five minutes from now, either way;
* body ``{"event": ..., "call": {...}}`` with events ``call_started``, ``call_ended``,
  ``call_analyzed``, ``transcript_updated`` and ``transfer_started`` / ``_bridged`` /
  ``_cancelled`` / ``_ended``.

Retell sends no event id and no event time: the id is derived from the payload
(:func:`callswitch.webhooks.derive_event_id`), the time is the signed ``v=`` timestamp
(or, for a stored payload, the call's start or end time).

The SDK also ships an RSA (asymmetric) variant; Retell's webhook pages do not document
it for webhooks, so it is not supported here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from callswitch.errors import InvalidSignatureError
from callswitch.plugin import (
    CallEvent,
    EventType,
    Headers,
    WebhookSecret,
    call_event,
    check_freshness,
    event_name,
    fixed_secret,
    mapped_call,
)

__all__ = ["EVENT_TYPES", "RULES", "SIGNATURE_HEADER", "RetellWebhookRules"]

PROVIDER = "retell"
SIGNATURE_HEADER = "x-retell-signature"

#: Retell event name -> neutral type. Anything else is ``EventType.OTHER``.
EVENT_TYPES: Mapping[str, EventType] = {
    "call_started": EventType.CALL_STARTED,
    "call_ended": EventType.CALL_ENDED,
    "call_analyzed": EventType.CALL_ANALYZED,
    "transcript_updated": EventType.CALL_TRANSCRIPT,
    "transfer_started": EventType.CALL_TRANSFER,
    "transfer_bridged": EventType.CALL_TRANSFER,
    "transfer_cancelled": EventType.CALL_TRANSFER,
    "transfer_ended": EventType.CALL_TRANSFER,
}

# The SDK's pattern is r"v=(\d+),d=([0-9a-f]{64})"; upper-case hex is also read (the
# digest is compared as bytes, so this widens nothing).
_SIGNATURE = re.compile(r"v=(\d{1,16}),d=([0-9a-fA-F]{64})")


#: The mapping API responses use, imported on first use.
_TO_CALL = "callswitch_retell._mapping:to_call"


class RetellWebhookRules:
    """Retell's signing scheme and event names (see the module docstring)."""

    default_tolerance = 300.0
    #: Retell signs with the workspace's API key (``callswitch webhooks listen`` reads
    #: ``RETELL_API_KEY`` when ``RETELL_WEBHOOK_SECRET`` is not set).
    signs_with_api_key = True

    def verify(
        self,
        headers: Headers,
        body: bytes,
        secret: WebhookSecret,
        *,
        tolerance: float,
        now: float,
    ) -> datetime | None:
        # Signed with the API key of the workspace that owns the agent.
        key = fixed_secret(secret, PROVIDER, "your Retell API key").encode("utf-8")
        value = headers.single(SIGNATURE_HEADER, PROVIDER)
        if value is None:
            raise InvalidSignatureError(
                f"retell webhook has no {SIGNATURE_HEADER} header; the request is not from "
                "Retell, or a proxy dropped the header"
            )
        match = _SIGNATURE.fullmatch(value.strip())
        if match is None:
            raise InvalidSignatureError(
                f"retell webhook {SIGNATURE_HEADER} header is malformed: expected "
                "'v=<unix ms>,d=<64 hex digits>'"
            )
        stamp, digest = match.group(1), match.group(2)
        try:
            signed_at = datetime.fromtimestamp(int(stamp) / 1000.0, UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidSignatureError(
                f"retell webhook {SIGNATURE_HEADER} header is malformed: v={stamp} is not a "
                "usable time in epoch milliseconds"
            ) from None
        check_freshness(signed_at, now=now, tolerance=tolerance, provider=PROVIDER)
        expected = hmac.new(key, body + stamp.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, bytes.fromhex(digest)):
            raise InvalidSignatureError(
                "retell webhook signature does not match the body: wrong API key (Retell "
                "signs with the key of the workspace that owns the agent), or the body was "
                "changed (pass the raw bytes as received)"
            )
        return signed_at

    def sign(self, body: bytes, secret: str, *, now: float) -> dict[str, str]:
        """``x-retell-signature`` as Retell sends it (the SDK's ``sign``)."""
        stamp = str(int(now * 1000))
        digest = hmac.new(secret.encode("utf-8"), body + stamp.encode("ascii"), hashlib.sha256)
        return {SIGNATURE_HEADER: f"v={stamp},d={digest.hexdigest()}"}

    def parse(self, payload: dict[str, Any], *, signed_at: datetime | None) -> CallEvent:
        raw_type = event_name(
            payload, "event", provider=PROVIDER, shape='{"event": ..., "call": {...}}'
        )
        call_payload = payload.get("call")
        return call_event(
            PROVIDER,
            type=EVENT_TYPES.get(raw_type, EventType.OTHER),
            raw_type=raw_type,
            raw=payload,
            call=None if call_payload is None else mapped_call(PROVIDER, _TO_CALL, call_payload),
            times=(signed_at,),
        )


#: What ``ProviderSpec.webhooks`` names: ``"callswitch_retell.webhooks:RULES"``.
RULES = RetellWebhookRules()
