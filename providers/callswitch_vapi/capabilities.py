"""What Vapi can do through callswitch, declared as data (one row per capability).

Every claim names its source, so a stale one can be found and checked again:
``SDK`` is ``vapi-server-sdk`` 3.0.0 (the file under ``vapi/`` is named); live control
and webhook authentication, which the SDK does not cover, cite Vapi's documentation pages.
"""

from __future__ import annotations

from callswitch.plugin import Capabilities, supported, unsupported

__all__ = ["CAPABILITIES", "CONTROL_CONDITION"]

_SDK = "vapi-server-sdk 3.0.0"
_CALLS = f"{_SDK} calls/raw_client.py"
_CONTROL_DOC = (
    "Vapi docs, Live Call Control (monitor.controlUrl): https://docs.vapi.ai/calls/call-features"
)

#: When every live action applies. Shared by the rows below and by the adapter's errors.
CONTROL_CONDITION = (
    "the call is in progress and has monitor.controlUrl, which Vapi only sets when the "
    "assistant's monitorPlan.controlEnabled is true"
)

CAPABILITIES = Capabilities(
    "vapi",
    (
        # -- operations ---------------------------------------------------------------
        supported("calls.get", "GET /call/{id}.", _CALLS),
        supported(
            "calls.list",
            "GET /call returns a bare array; callswitch pages it by a moving createdAt "
            "window. status and direction filters are applied by callswitch after fetching.",
            f"{_CALLS} (list: no cursor); paging by a createdAt window is inferred [INF]",
        ),
        supported(
            "calls.create_phone",
            "POST /call with assistantId, phoneNumberId and customer.number. from_number is "
            "a Vapi phone number id, or an E.164 number callswitch looks up in GET "
            "/phone-number. Vapi has no idempotency key, so a create is never retried once sent.",
            f"{_CALLS} (create); {_SDK} phone_numbers/raw_client.py (list)",
            condition="agent_id (assistant id) and from_number are required",
        ),
        unsupported(
            "calls.create_web",
            "The SDK has no web-call method and does not document what POST /call/web returns "
            "to join with (only a CreateWebCallDto type and a mention in Call.artifactPlan); "
            "web calls are started in the browser with Vapi's web SDK and public key.",
            f"{_SDK} types/create_web_call_dto.py, types/call.py",
        ),
        supported(
            "calls.update",
            "PATCH /call/{id}; the only writable field is name.",
            f"{_CALLS} (update takes name only)",
        ),
        supported(
            "calls.control",
            "One POST of a control message to the call's monitor.controlUrl per action; the URL "
            "is fetched once per call and cached for the client's life.",
            _CONTROL_DOC,
            condition=CONTROL_CONDITION,
        ),
        supported(
            "calls.end",
            "Sends an end-call control message to monitor.controlUrl (DELETE does not hang up).",
            _CONTROL_DOC,
            condition=CONTROL_CONDITION,
        ),
        supported(
            "calls.delete",
            "DELETE /call/{id} deletes the call's record only; it does not hang up "
            "(use calls.end for that).",
            f"{_CALLS} (delete); hanging up is end-call in {_CONTROL_DOC}",
        ),
        supported(
            "webhooks.verify",
            "Checks the credential configured on the Vapi server URL: a bearer or "
            "X-Vapi-Secret header, or an HMAC x-signature with x-timestamp.",
            "Vapi docs, Server authentication: "
            "https://docs.vapi.ai/server-url/server-authentication; the SDK has no verify helper",
            condition="the secret passed to parse() must match the credential set in Vapi",
        ),
        # -- create arguments -------------------------------------------------------
        supported(
            "create.metadata",
            "Sent as assistantOverrides.metadata on POST /call.",
            f"{_SDK} types/assistant_overrides.py (metadata)",
        ),
        supported(
            "create.variables",
            "Sent as assistantOverrides.variableValues on POST /call.",
            f"{_SDK} types/assistant_overrides.py (variable_values)",
        ),
        # -- list filters -------------------------------------------------------------
        supported(
            "list.status",
            "Filtered by callswitch: GET /call has no status parameter.",
            f"{_CALLS} (list: no status parameter)",
            client_side=True,
        ),
        supported(
            "list.agent_id",
            "GET /call?assistantId= for one id; with several, callswitch filters the pages.",
            f"{_CALLS} (list: assistant_id)",
        ),
        supported(
            "list.direction",
            "Filtered by callswitch from the call type (inboundPhoneCall, outboundPhoneCall): "
            "GET /call has no direction parameter.",
            f"{_CALLS} (list: no type parameter)",
            client_side=True,
        ),
        supported(
            "list.created_after",
            "GET /call?createdAtGt= on Vapi's createdAt.",
            f"{_CALLS} (list: created_at_gt)",
        ),
        supported(
            "list.created_before",
            "GET /call?createdAtLt= on Vapi's createdAt.",
            f"{_CALLS} (list: created_at_lt)",
        ),
        # -- CallUpdate fields ------------------------------------------------------------
        unsupported(
            "update.metadata",
            "Metadata lives in assistantOverrides.metadata, set at creation; PATCH /call/{id} "
            "only accepts name.",
            f"{_CALLS} (update takes name only)",
        ),
        unsupported(
            "update.variables",
            "Variables live in assistantOverrides.variableValues, set at creation; PATCH "
            "/call/{id} only accepts name, and no control message overrides them.",
            f"{_CALLS} (update takes name only)",
        ),
        unsupported(
            "update.data_storage",
            "No per-call data storage setting; retention is set on the assistant or org.",
            f"{_CALLS} (update takes name only)",
        ),
        unsupported(
            "update.recording_enabled",
            "Recording is set by the assistant's artifactPlan, not per call after creation.",
            f"{_CALLS} (update takes name only)",
        ),
        unsupported(
            "update.transcription_enabled",
            "Transcription is part of the assistant's configuration, not changeable per call.",
            f"{_CALLS} (update takes name only)",
        ),
        unsupported(
            "update.greeting",
            "The first message is the assistant's firstMessage, set at creation through "
            "assistantOverrides; it cannot change afterwards.",
            f"{_CALLS} (update takes name only)",
        ),
        supported("update.name", "PATCH /call/{id} {name}.", f"{_CALLS} (update)"),
        # -- LiveControl fields ------------------------------------------------------------
        supported(
            "control.inject_context",
            "add-message with a system message, added to the assistant's context.",
            _CONTROL_DOC,
            condition=CONTROL_CONDITION,
        ),
        supported(
            "control.trigger_response",
            "triggerResponseEnabled on the add-message; Vapi has no standalone trigger.",
            _CONTROL_DOC,
            condition=f"only together with inject_context; {CONTROL_CONDITION}",
        ),
        unsupported(
            "control.variables",
            "No control message changes variableValues on a running call.",
            _CONTROL_DOC,
        ),
        supported(
            "control.say",
            "say message: the assistant speaks the exact text.",
            _CONTROL_DOC,
            condition=CONTROL_CONDITION,
        ),
        supported(
            "control.end_call",
            "end-call message (after a say in the same request, the say ends the call once "
            "spoken instead).",
            _CONTROL_DOC,
            condition=CONTROL_CONDITION,
        ),
        supported(
            "control.transfer",
            "transfer message to a number (E.164) or a sip: URI destination.",
            _CONTROL_DOC,
            condition=CONTROL_CONDITION,
        ),
        supported(
            "control.mute",
            "control message mute-assistant / unmute-assistant.",
            _CONTROL_DOC,
            condition=CONTROL_CONDITION,
        ),
    ),
)
