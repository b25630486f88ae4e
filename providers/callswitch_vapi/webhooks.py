"""Vapi webhook ("server message") rules: credential check and event mapping.

Wire facts (``vapi-server-sdk`` 3.0.0 types ``ServerMessage*``,
``HmacAuthenticationPlan``, ``BearerAuthenticationPlan``;
https://docs.vapi.ai/server-url/server-authentication):

* authentication is whatever the user configured on the server credential:
  a bearer token (``Authorization: Bearer <token>``; header name and prefix are
  configurable), the legacy ``X-Vapi-Secret: <secret>``, or HMAC: ``x-signature`` over
  ``{timestamp}.{body}`` with ``x-timestamp``, ``sha256`` (or ``sha512``/``sha1``),
  ``hex`` (or ``base64``), all header names, a prefix and the payload format configurable;
* body ``{"message": {"type": ..., "call": {...}, "timestamp": ..., ...}}``.

``secret=`` takes the secret string, which accepts any of the three default setups (an
``x-signature`` header means HMAC; otherwise ``X-Vapi-Secret``; otherwise
``Authorization``), or an explicit :class:`~callswitch.webhooks.HmacAuth` /
:class:`~callswitch.webhooks.SharedSecretAuth` for custom header names, algorithms or
encodings, and to insist on one scheme; :class:`VapiHmacAuth` for a ``payloadFormat``
with ``{method}``, ``{url}`` or ``{svix-id}`` (see :mod:`callswitch_vapi._hmac`). Only
HMAC signs a timestamp, so only HMAC refuses replays; with a shared secret, de-duplicate.

Event mapping (decided here; Vapi has no neutral names):

* ``status-update`` with ``status: in-progress`` -> ``call.started``; any other status
  (``ended`` included) -> ``call.status_changed``. Vapi always follows an ended call with
  an ``end-of-call-report``, which is the ``call.ended`` event, so that every call ends
  exactly once whatever messages the assistant subscribes to.
* ``end-of-call-report`` -> ``call.ended`` (it also carries the analysis).
* ``transcript`` (and ``transcript[transcriptType="final"]``), ``conversation-update``
  -> ``call.transcript``; ``transfer-update`` -> ``call.transfer``; anything else
  (``tool-calls``, ``assistant-request``, ``speech-update``...) -> ``other``.

The message's own fields are laid over ``message.call`` before the call is mapped (the
report's ``endedReason``, ``startedAt``, ``endedAt``, ``cost``, ``costs``, ``artifact``,
``analysis``; a status update's ``status`` and ``endedReason``; the message's
``phoneNumber`` and ``customer`` where the call lacks them), and an end-of-call
report sets ``status: ended`` [INF: the report is sent after the call ended]. So
``event.call.raw`` is that merged object; ``event.raw`` is the body untouched.

``message.timestamp`` is a number whose unit the SDK does not state; values above 1e11
are read as epoch milliseconds, others as seconds [INF]. No event id is sent: the id is
derived from the payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callswitch.errors import InvalidRequestError, InvalidSignatureError
from callswitch.plugin import (
    CallEvent,
    EventType,
    Headers,
    HmacAuth,
    HmacScheme,
    SharedSecretAuth,
    WebhookSecret,
    call_event,
    event_time,
    mapped_call,
    secret_text,
    verify_hmac,
    verify_shared_secret,
)
from callswitch_vapi._hmac import VapiHmacAuth, resolved_auth

__all__ = ["EVENT_TYPES", "HMAC_DEFAULTS", "RULES", "VapiHmacAuth", "VapiWebhookRules"]

PROVIDER = "vapi"

#: Vapi message type -> neutral type (``status-update`` is decided by its status).
EVENT_TYPES: Mapping[str, EventType] = {
    "end-of-call-report": EventType.CALL_ENDED,
    "transcript": EventType.CALL_TRANSCRIPT,
    'transcript[transcriptType="final"]': EventType.CALL_TRANSCRIPT,
    "conversation-update": EventType.CALL_TRANSCRIPT,
    "transfer-update": EventType.CALL_TRANSFER,
}

#: The defaults of Vapi's HMAC server credential (SDK ``HmacAuthenticationPlan``); an
#: :class:`~callswitch.webhooks.HmacAuth` passed as ``secret=`` overrides any of them.
HMAC_DEFAULTS = HmacScheme(
    signature_header="x-signature",
    timestamp_header="x-timestamp",
    algorithm="sha256",
    encoding="hex",
    payload_format="{timestamp}.{body}",
)

_REPORT_FIELDS = ("endedReason", "startedAt", "endedAt", "cost", "costs", "artifact", "analysis")
_STATUS_FIELDS = ("status", "endedReason")
_CONTEXT_FIELDS = ("phoneNumber", "customer")


#: The mapping API responses use, imported on first use.
_TO_CALL = "callswitch_vapi._mapping:to_call"


class VapiWebhookRules:
    """Vapi's server credentials and message types (see the module docstring)."""

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
        if isinstance(secret, VapiHmacAuth):
            secret = resolved_auth(secret, headers, PROVIDER)
        if isinstance(secret, HmacAuth):
            return verify_hmac(
                headers,
                body,
                secret,
                tolerance=tolerance,
                now=now,
                provider=PROVIDER,
                default=HMAC_DEFAULTS,
            )
        if isinstance(secret, SharedSecretAuth):
            verify_shared_secret(headers, secret, provider=PROVIDER)
            return None
        text = secret_text(secret, PROVIDER)
        if HMAC_DEFAULTS.signature_header in headers:
            auth = HMAC_DEFAULTS.auth(text)
            return verify_hmac(headers, body, auth, tolerance=tolerance, now=now, provider=PROVIDER)
        if "x-vapi-secret" in headers:
            shared = SharedSecretAuth(text, header="x-vapi-secret", bearer_prefix=False)
            verify_shared_secret(headers, shared, provider=PROVIDER)
            return None
        authorization = headers.single("authorization", PROVIDER)
        if authorization is not None:
            # bearerPrefixEnabled defaults to true but can be turned off: read both.
            bearer = authorization.partition(" ")[0].lower() == "bearer"
            shared = SharedSecretAuth(text, header="authorization", bearer_prefix=bearer)
            verify_shared_secret(headers, shared, provider=PROVIDER)
            return None
        raise InvalidSignatureError(
            "vapi webhook has no x-signature, X-Vapi-Secret or Authorization header; set a "
            "server credential on the assistant (or phone number) that sends it, or pass "
            "HmacAuth/SharedSecretAuth with the header names you configured"
        )

    def sign(self, body: bytes, secret: str, *, now: float) -> dict[str, str]:
        """An HMAC server credential with Vapi's defaults (``x-signature``, ``x-timestamp``
        in epoch milliseconds [INF: the SDK does not state the unit])."""
        return HMAC_DEFAULTS.sign(secret, body, str(int(now * 1000)))

    def parse(self, payload: dict[str, Any], *, signed_at: datetime | None) -> CallEvent:
        message = payload.get("message")
        raw_type = message.get("type") if isinstance(message, dict) else None
        if not isinstance(message, dict) or not isinstance(raw_type, str) or not raw_type:
            raise InvalidRequestError(
                "vapi webhook body has no message type; expected "
                '{"message": {"type": ..., "call": {...}}}'
            )
        kind = EVENT_TYPES.get(raw_type, EventType.OTHER)
        if raw_type == "status-update":
            in_progress = message.get("status") == "in-progress"
            kind = EventType.CALL_STARTED if in_progress else EventType.CALL_STATUS_CHANGED
        call = None
        call_payload = message.get("call")
        if call_payload is not None:
            if isinstance(call_payload, dict):
                call_payload = _merged_call(raw_type, message, call_payload)
            call = mapped_call(PROVIDER, _TO_CALL, call_payload)
        return call_event(
            PROVIDER,
            type=kind,
            raw_type=raw_type,
            raw=payload,
            call=call,
            times=(event_time(message.get("timestamp")), signed_at),
        )


def _merged_call(
    raw_type: str, message: Mapping[str, Any], call: Mapping[str, Any]
) -> dict[str, Any]:
    fields: tuple[str, ...] = ()
    if raw_type == "end-of-call-report":
        fields = _REPORT_FIELDS
    elif raw_type == "status-update":
        fields = _STATUS_FIELDS
    merged = dict(call)
    # The message names the phone number and customer it is about; the call object often
    # carries only phoneNumberId / customerId. Fill them in, never overwrite.
    for name in _CONTEXT_FIELDS:
        if merged.get(name) is None and isinstance(message.get(name), dict):
            merged[name] = message[name]
    for name in fields:
        if message.get(name) is not None:
            merged[name] = message[name]
    if raw_type == "end-of-call-report":
        merged["status"] = "ended"
    return merged


#: What ``ProviderSpec.webhooks`` names: ``"callswitch_vapi.webhooks:RULES"``.
RULES = VapiWebhookRules()
