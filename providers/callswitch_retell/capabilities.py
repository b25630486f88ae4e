"""What callswitch can do with Retell, declared as data (one row per capability name).

Each row names the source its claim rests on, so that a stale claim can be re-checked:
``SDK`` is the official ``retell-sdk`` 6.2.13 (``retell/resources/call.py`` and
``retell/types/``), ``DOC`` a page under https://docs.retellai.com. This module imports
only the core's capability types and ``_wire``, so listing providers never loads the
adapter.
"""

from __future__ import annotations

from callswitch.plugin import Capabilities, Support, supported, unsupported
from callswitch_retell._wire import METADATA_LIMIT_BYTES

__all__ = ["CAPABILITIES", "METADATA_LIMIT_BYTES", "NAME"]

NAME = "retell"


_SDK = "retell-sdk 6.2.13"
_LIVE_DOC = "DOC https://docs.retellai.com/api-references/update-live-call; SDK call.update_live"
_UPDATE_DOC = (
    "DOC https://docs.retellai.com/api-references/update-call and its deprecation notice "
    "https://docs.retellai.com/deprecation-notice/2026/08-31_update_call_ended_calls_only; "
    "SDK call.update"
)
_ONGOING = "only while the call is ongoing"

_ROWS: tuple[Support, ...] = (
    # ---- operations
    supported(
        "calls.get",
        "GET /v2/get-call/{call_id}; returns a web or a phone call object.",
        f"{_SDK} call.retrieve",
    ),
    supported(
        "calls.list",
        "POST /v3/list-calls, paged by pagination_key (up to 1000 a page). Filters: see "
        "the list.* rows. v3 items omit transcript and recording fields: get() the call "
        "for those.",
        f"{_SDK} call.list, types/call_list_params.py",
    ),
    supported(
        "calls.create_phone",
        "POST /v2/create-phone-call. from_number (E.164, a number bought from or imported "
        "into Retell) is required. An idempotency_key is generated and reused on retries, so "
        "a retry never dials twice (Retell honours it for one hour).",
        f"{_SDK} call.create_phone_call",
        condition="from_number is required",
    ),
    supported(
        "calls.create_web",
        "POST /v3/create-web-call (what the SDK sends); the result carries access_token "
        "and call_id. Status is reported as queued until the browser joins.",
        f"{_SDK} call.create_web_call, types/create_web_call_response.py",
    ),
    supported(
        "calls.update",
        "Reads the call first (one GET) to route it: an ongoing call is updated through "
        "PATCH /v2/update-live-call (fields_to_override), any other call through PATCH "
        "/v2/update-call, which since 2026-08-31 accepts only calls that have ended. A call "
        "that is registered (not yet connected) cannot be updated.",
        f"{_UPDATE_DOC}; {_LIVE_DOC}",
        condition="not while the call is registered (not yet connected)",
    ),
    supported(
        "calls.control",
        "One PATCH /v2/update-live-call carrying call_control and "
        "fields_to_override.override_dynamic_variables together; end_call is a following "
        "POST /v2/stop-call. Never retried once it may have reached Retell.",
        _LIVE_DOC,
        condition=_ONGOING,
    ),
    supported(
        "calls.end",
        "POST /v2/stop-call/{call_id} hangs up an ongoing call.",
        f"{_SDK} call.stop",
        condition=_ONGOING,
    ),
    supported(
        "calls.delete",
        "DELETE /v2/delete-call/{call_id} deletes the call and its data.",
        f"{_SDK} call.delete",
    ),
    supported(
        "webhooks.verify",
        "x-retell-signature: v=<unix ms>,d=<hex HMAC-SHA256 keyed with the API key over "
        "body + ms>, rejected beyond 5 minutes.",
        f"{_SDK} retell/lib/webhook_auth.py",
    ),
    # ---- create arguments
    supported(
        "create.metadata",
        "metadata on create-phone-call and create-web-call (an object Retell stores and "
        "returns). Larger than 50 kB is refused before sending.",
        f"{_SDK} types/call_create_phone_call_params.py, types/call_create_web_call_params.py",
        condition="at most 50 kB of JSON",
    ),
    supported(
        "create.variables",
        "retell_llm_dynamic_variables on create-phone-call and create-web-call.",
        f"{_SDK} types/call_create_phone_call_params.py, types/call_create_web_call_params.py",
    ),
    # ---- list filters
    supported(
        "list.status",
        "filter_criteria.call_status narrows the pages Retell sends (it cannot filter on "
        "registered, and a neutral status also depends on disconnection_reason); callswitch "
        "then checks each call's neutral status, so the answer matches other providers.",
        f"{_SDK} types/call_list_params.py (FilterCriteriaCallStatus)",
    ),
    supported(
        "list.agent_id",
        "filter_criteria.agent: one entry per agent id.",
        f"{_SDK} types/call_list_params.py (FilterCriteriaAgent)",
    ),
    supported(
        "list.direction",
        "filter_criteria.direction (inbound, outbound).",
        f"{_SDK} types/call_list_params.py (FilterCriteriaDirection)",
    ),
    supported(
        "list.created_after",
        "Filtered by callswitch: Retell records no creation time, so created_at is derived "
        "(start_timestamp, else end_timestamp) and Retell's start_timestamp filter would "
        "miss calls that never started. Pages are fetched unfiltered by time.",
        f"{_SDK} types/call_response.py (no creation timestamp)",
        client_side=True,
    ),
    supported(
        "list.created_before",
        "Filtered by callswitch, like list.created_after: created_at is start_timestamp, "
        "else end_timestamp.",
        f"{_SDK} types/call_response.py (no creation timestamp)",
        client_side=True,
    ),
    # ---- CallUpdate fields
    supported(
        "update.metadata",
        "Replaces the call's metadata: fields_to_override.metadata while ongoing (also "
        "persisted to the record), update-call metadata after the call ended. Larger than "
        "50 kB is refused before sending.",
        f"{_UPDATE_DOC}; {_LIVE_DOC}",
        condition="at most 50 kB of JSON",
    ),
    supported(
        "update.variables",
        "Sent as fields_to_override.override_dynamic_variables (only the keys you give are "
        "overridden). update-call no longer takes dynamic variables, so an ended call is "
        "refused with InvalidCallStateError.",
        _LIVE_DOC,
        condition=_ONGOING,
    ),
    supported(
        "update.data_storage",
        "data_storage_setting; can only move towards more restrictive (everything > "
        "everything_except_pii > basic_attributes_only). A downgrade is refused before "
        "sending when the call's current setting is known.",
        f"{_UPDATE_DOC}; {_LIVE_DOC}",
        condition="only towards more restrictive",
    ),
    unsupported(
        "update.recording_enabled",
        "No per-call recording switch in update-call or update-live-call; use "
        "data_storage (basic_attributes_only keeps no recordings).",
        f"{_SDK} call.update, call.update_live",
    ),
    unsupported(
        "update.transcription_enabled",
        "No per-call transcription switch in update-call or update-live-call.",
        f"{_SDK} call.update, call.update_live",
    ),
    unsupported(
        "update.greeting",
        "The begin message is agent configuration (agent_override at creation), not a call "
        "field that can be changed afterwards.",
        f"{_SDK} call.update, call.update_live",
    ),
    unsupported(
        "update.name",
        "Retell calls have no name or label field.",
        f"{_SDK} call.update, types/call_response.py",
    ),
    # ---- LiveControl fields
    supported(
        "control.inject_context",
        "call_control.additional_context: used for the agent's next response and listed in "
        "transcript_with_tool_calls with role 'injected' (retell-sdk 6.2.13 "
        "InjectedUtterance); Call.transcript shows it in time order.",
        _LIVE_DOC,
        condition=_ONGOING,
    ),
    supported(
        "control.trigger_response",
        "call_control.trigger_response: only true has an effect; a no-op while the user "
        "speaks, or while the agent speaks with interruption_sensitivity 0.",
        _LIVE_DOC,
        condition=_ONGOING,
    ),
    supported(
        "control.variables",
        "fields_to_override.override_dynamic_variables, in the same request as any inject_context.",
        _LIVE_DOC,
        condition=_ONGOING,
    ),
    unsupported(
        "control.say",
        "Retell has no API to make the agent speak exact text; inject_context with "
        "trigger_response is the nearest.",
        f"{_SDK} resources/call.py",
    ),
    supported(
        "control.end_call",
        "POST /v2/stop-call/{call_id}, sent after the update-live-call part (if any).",
        f"{_SDK} call.stop",
        condition=_ONGOING,
    ),
    unsupported(
        "control.transfer",
        "No transfer endpoint in the call API; transfers are agent tools configured on the agent.",
        f"{_SDK} resources/call.py",
    ),
    unsupported(
        "control.mute",
        "No mute endpoint in the call API.",
        f"{_SDK} resources/call.py",
    ),
)

CAPABILITIES = Capabilities(NAME, _ROWS, idempotent_create=True)
