"""What Truedy can do, declared as data: one :class:`Support` row per capability.

Truedy publishes no SDK. The claims rest on its public API reference
(https://docs.truedy.ai/api-reference/introduction): the Calls page, the OpenAPI text of
``PATCH /calls/{call_id}``, and the webhooks guide. When Truedy documents a new
endpoint, re-check the row that cites the page it belongs to.
"""

from __future__ import annotations

from callswitch.plugin import Capabilities, Support, supported, unsupported

__all__ = ["CAPABILITIES", "NAME"]

NAME = "truedy"

_REF = "Truedy API reference, Calls: https://docs.truedy.ai/api-reference/calls"
_PATCH = "Truedy API reference, Update Call: https://docs.truedy.ai/api-reference/calls/update-call"
_NO_ENDPOINT = (
    "Truedy API reference, no such endpoint: https://docs.truedy.ai/api-reference/introduction"
)
_WEBHOOKS = "Truedy webhooks guide (X-Truedy-Signature): https://docs.truedy.ai/guides/webhooks"
_LIST_GUIDE = "Truedy call management guide: https://docs.truedy.ai/guides/call-management"
_LIVE_EFFECT = "the effect on a call already in progress is undocumented"
_NO_LIVE = "Truedy documents no live-control API"

_ROWS: tuple[Support, ...] = (
    # -- operations
    supported("calls.get", "GET /calls/{id}, answer wrapped in {data, meta}", _REF),
    supported(
        "calls.list",
        "GET /calls, offset pagination (limit 1-100); filters status, direction, agent_id, "
        "created_after, created_before",
        _REF,
    ),
    supported(
        "calls.create_phone",
        "POST /calls with an X-Idempotency-Key per logical call, so retries never dial twice",
        _REF,
        condition="needs agent_id; metadata is not accepted on create",
    ),
    supported(
        "calls.create_web",
        "POST /webrtc/call {agent_id, variables}; the answer {joinUrl, callId, agentName} "
        "becomes a web call whose access_token is the single-use join URL",
        "https://docs.truedy.ai/api-reference/webrtc",
        condition="metadata is not accepted; join promptly, the URL expires",
    ),
    supported(
        "calls.update",
        "PATCH /calls/{id} with variables and call_settings",
        _PATCH,
        condition=_LIVE_EFFECT,
    ),
    unsupported("calls.control", _NO_LIVE + " (no inject, say, transfer or mute)", _NO_ENDPOINT),
    unsupported("calls.end", "Truedy documents no way to hang up a call by API", _NO_ENDPOINT),
    unsupported("calls.delete", "Truedy documents no way to delete a call record", _NO_ENDPOINT),
    supported(
        "webhooks.verify",
        "HMAC-SHA256 of timestamp + '.' + body in X-Truedy-Signature, with X-Truedy-Timestamp",
        _WEBHOOKS,
    ),
    # -- create arguments
    unsupported(
        "create.metadata",
        "POST /calls and POST /webrtc/call document no metadata field; pass variables= for "
        "data the agent should use",
        f"{_REF}; https://docs.truedy.ai/api-reference/webrtc",
    ),
    supported(
        "create.variables",
        "variables on POST /calls and POST /webrtc/call",
        f"{_REF}; https://docs.truedy.ai/api-reference/webrtc",
    ),
    # -- list filters
    supported(
        "list.status",
        "GET /calls?status= for one status; for several, or for failed (which also covers "
        "Truedy's cancelled), callswitch filters the pages",
        _LIST_GUIDE,
    ),
    supported(
        "list.agent_id",
        "GET /calls?agent_id= for one id; for several, callswitch filters the pages",
        _LIST_GUIDE,
    ),
    supported(
        "list.direction",
        "GET /calls?direction= for one direction; for both, callswitch filters the pages",
        _LIST_GUIDE,
    ),
    supported("list.created_after", "GET /calls?created_after= on created_at", _LIST_GUIDE),
    supported("list.created_before", "GET /calls?created_before= on created_at", _LIST_GUIDE),
    # -- CallUpdate fields
    unsupported(
        "update.metadata",
        "calls carry metadata, but PATCH /calls/{id} accepts only variables and call_settings",
        _PATCH,
    ),
    supported(
        "update.variables", "PATCH /calls/{id} body 'variables'", _PATCH, condition=_LIVE_EFFECT
    ),
    unsupported(
        "update.data_storage",
        "Truedy has no data-storage (retention) setting per call",
        _PATCH,
    ),
    supported(
        "update.recording_enabled",
        "PATCH /calls/{id} body call_settings.recording_enabled",
        _PATCH,
        condition=_LIVE_EFFECT,
    ),
    supported(
        "update.transcription_enabled",
        "PATCH /calls/{id} body call_settings.transcription_enabled",
        _PATCH,
        condition=_LIVE_EFFECT,
    ),
    supported(
        "update.greeting",
        "PATCH /calls/{id} body call_settings.greeting",
        _PATCH,
        condition=_LIVE_EFFECT,
    ),
    unsupported("update.name", "Truedy calls have no name or label field", _PATCH),
    # -- LiveControl fields
    unsupported("control.inject_context", _NO_LIVE, _NO_ENDPOINT),
    unsupported("control.trigger_response", _NO_LIVE, _NO_ENDPOINT),
    unsupported(
        "control.variables",
        _NO_LIVE + "; calls.update(CallUpdate(variables=...)) patches the call record, "
        "whose effect on a call in progress is undocumented",
        _NO_ENDPOINT,
    ),
    unsupported("control.say", _NO_LIVE, _NO_ENDPOINT),
    unsupported("control.end_call", _NO_LIVE + "; no hang-up endpoint either", _NO_ENDPOINT),
    unsupported("control.transfer", _NO_LIVE, _NO_ENDPOINT),
    unsupported("control.mute", _NO_LIVE, _NO_ENDPOINT),
)

#: Truedy's declarations. ``Capabilities`` refuses a missing or duplicated row.
CAPABILITIES = Capabilities(NAME, _ROWS, idempotent_create=True)
