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
_NUMBERS = f"{_SDK} phone_numbers/raw_client.py"
_MESSAGES = f"{_SDK} types/client_inbound_message_say.py, client_inbound_message_transfer.py"
#: How live control is authenticated; shared by the control rows' conditions.
_CONTROL_AUTH = (
    "; with monitorPlan.controlAuthenticationEnabled also "
    'provider_options={"vapi": {"publicKey": <Vapi public API key>}}'
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
        supported(
            "calls.get",
            "GET /call/{id}. A call placed with phoneNumberId has no number in its record: "
            "callswitch reads it with GET /phone-number/{id}, once per id per client.",
            f"{_CALLS} (get); {_NUMBERS} (get)",
        ),
        supported(
            "calls.list",
            "GET /call returns a bare array; callswitch pages it by a moving createdAt "
            "window. status and direction filters are applied by callswitch after fetching. "
            "Our number comes from GET /phone-number/{id}, once per id per client.",
            f"{_CALLS} (list: no cursor); {_NUMBERS} (get); paging by a createdAt window is "
            "inferred [INF]",
        ),
        supported(
            "calls.create_phone",
            "POST /call with assistantId, phoneNumberId and customer.number. from_number is "
            "a Vapi phone number id, or an E.164 number callswitch finds with one GET "
            "/v2/phone-number?search=. provider_options objects (assistantOverrides.monitorPlan, "
            "say) merge key by key with what callswitch sets. Vapi has no idempotency key, so "
            "a create is never retried once sent.",
            f"{_CALLS} (create); {_NUMBERS} (phone_number_controller_find_all_paginated)",
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
            "is fetched once per call and cached for the client's life. provider_options "
            "publicKey authenticates it (a 401 says so), muteCustomer sends mute-customer / "
            "unmute-customer, interruptionsEnabled and interruptAssistantEnabled go on the say, "
            "transferContent on the transfer.",
            f"{_CONTROL_DOC}; {_SDK} types/monitor_plan.py, {_MESSAGES}",
            condition=CONTROL_CONDITION + _CONTROL_AUTH,
        ),
        supported(
            "calls.end",
            "Sends an end-call control message to monitor.controlUrl (DELETE does not hang up). "
            "A control URL that needs the public key takes calls.control with end_call and "
            "provider_options publicKey instead.",
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
            "X-Vapi-Secret header, or an HMAC x-signature with x-timestamp; a payloadFormat "
            "with {method}, {url} or {svix-id} through callswitch_vapi.webhooks.VapiHmacAuth.",
            "Vapi docs, Server authentication: "
            "https://docs.vapi.ai/server-url/server-authentication; "
            f"{_SDK} types/hmac_authentication_plan.py; the SDK has no verify helper",
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
            "say message: the assistant speaks the exact text (provider_options "
            "interruptionsEnabled / interruptAssistantEnabled set its flags).",
            f"{_CONTROL_DOC}; {_MESSAGES}",
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
            "transfer message to a number (E.164) or a sip: URI destination (provider_options "
            "transferContent: what is said first).",
            f"{_CONTROL_DOC}; {_MESSAGES}",
            condition=CONTROL_CONDITION,
        ),
        supported(
            "control.mute",
            "control message mute-assistant / unmute-assistant; provider_options muteCustomer "
            "sends mute-customer / unmute-customer alongside another action.",
            f"{_CONTROL_DOC}; {_SDK} types/client_inbound_message_control_control.py",
            condition=CONTROL_CONDITION,
        ),
    ),
)
