"""Why each inferred ``disconnection_reason`` classification was chosen.

The reasons Retell's "Debug call disconnection" page
(https://docs.retellai.com/reliability/debug-call-disconnect) lists with a call status
(``ended`` or ``not_connected``) are classified as documented. For every other value the
neutral (status, end reason) pair of :mod:`callswitch_retell._mapping` is an inference,
explained here; ``docs/statuses.md`` marks those rows ``[INF]`` with this text.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["INFERRED"]

_ACCOUNT = "refused by Retell before dialling (account or platform limit): never connected"
_MID_CALL = "an error during a call that had connected"

INFERRED: Mapping[str, str] = {
    "user_requested_dnc": "the agent confirms the request and hangs up",
    "user_requested_callback": "the agent confirms the request and hangs up",
    "transfer_bridged": "the name: the transfer went through",
    "transfer_cancelled": "connected; the docs do not say who ended it",
    "call_take_over": "a human took the call over from the agent: handed on",
    "machine_detected": "dropped on answering-machine detection: a machine answered",
    "manual_stopped": "stopped through the API (stop-call) or the dashboard",
    "user_declined": "the callee rejected the call: nearest neutral reason is busy",
    "registered_call_timeout": "a registered call nobody joined in time",
    "concurrency_limit_reached": _ACCOUNT,
    "no_concurrency_fallback": _ACCOUNT,
    "no_valid_payment": _ACCOUNT,
    "credit_exhausted": _ACCOUNT,
    "budget_reached": _ACCOUNT,
    "scam_detected": _ACCOUNT,
    "error_llm_websocket_open": "the agent's LLM socket never opened: the call never started",
    "error_user_not_joined": "the web caller never joined",
    "error_inbound_webhook": "the inbound webhook failed before the call was answered",
    "error_llm_websocket_lost_connection": _MID_CALL,
    "error_llm_websocket_runtime": _MID_CALL,
    "error_llm_websocket_corrupt_payload": _MID_CALL,
    "error_no_audio_received": _MID_CALL,
    "error_asr": _MID_CALL,
    "error_retell": _MID_CALL + " (Retell does not say when it happens)",
    "error_unknown": _MID_CALL + " (Retell does not say when it happens)",
}
