"""The status contract, pinned: every vendor value maps to the neutral (status, end
reason) pair written here, and the same outcome maps to the same pair on every provider.

``failed`` = the call never connected; ``ended`` = it connected, then ended
(docs/statuses.md). The vendor values are read from the installed SDKs (retell-sdk
6.2.13, vapi-server-sdk 3.0.0), so a value a new SDK adds fails here until it is pinned.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest

from callswitch import Call, CallStatus
from callswitch.models import EndReason
from callswitch_retell import _mapping as retell
from callswitch_truedy import _mapping as truedy
from callswitch_vapi import _mapping as vapi

Pair = tuple[CallStatus, EndReason | None]
E, F = CallStatus.ENDED, CallStatus.FAILED
(
    AGENT_HANGUP,
    BUSY,
    CANCELLED,
    DIAL_FAILED,
    ENDED_BY_API,
    ERROR,
    INACTIVITY,
    MAX_DURATION,
    NO_ANSWER,
    TRANSFERRED,
    UNKNOWN,
    USER_HANGUP,
    VOICEMAIL,
) = (
    EndReason.AGENT_HANGUP,
    EndReason.BUSY,
    EndReason.CANCELLED,
    EndReason.DIAL_FAILED,
    EndReason.ENDED_BY_API,
    EndReason.ERROR,
    EndReason.INACTIVITY,
    EndReason.MAX_DURATION,
    EndReason.NO_ANSWER,
    EndReason.TRANSFERRED,
    EndReason.UNKNOWN,
    EndReason.USER_HANGUP,
    EndReason.VOICEMAIL,
)

#: Every Retell disconnection_reason (the SDK's 39 and two from the older debug guide).
RETELL: dict[str, Pair] = {
    "agent_hangup": (E, AGENT_HANGUP),
    "budget_reached": (F, ERROR),
    "call_take_over": (E, TRANSFERRED),
    "call_transfer": (E, TRANSFERRED),
    "concurrency_limit_reached": (F, ERROR),
    "credit_exhausted": (F, ERROR),
    "dial_busy": (F, BUSY),
    "dial_failed": (F, DIAL_FAILED),
    "dial_no_answer": (F, NO_ANSWER),
    "error_asr": (E, ERROR),
    "error_inbound_webhook": (F, ERROR),
    "error_llm_websocket_corrupt_payload": (E, ERROR),
    "error_llm_websocket_lost_connection": (E, ERROR),
    "error_llm_websocket_open": (F, ERROR),
    "error_llm_websocket_runtime": (E, ERROR),
    "error_no_audio_received": (E, ERROR),
    "error_retell": (E, ERROR),
    "error_unknown": (E, ERROR),
    "error_user_not_joined": (F, ERROR),
    "inactivity": (E, INACTIVITY),
    "invalid_destination": (F, DIAL_FAILED),
    "ivr_reached": (E, AGENT_HANGUP),
    "machine_detected": (E, VOICEMAIL),
    "manual_stopped": (E, ENDED_BY_API),
    "marked_as_spam": (F, DIAL_FAILED),
    "max_duration_reached": (E, MAX_DURATION),
    "network_blocked": (F, DIAL_FAILED),
    "no_concurrency_fallback": (F, ERROR),
    "no_valid_payment": (F, ERROR),
    "registered_call_timeout": (F, NO_ANSWER),
    "scam_detected": (F, ERROR),
    "sip_routing_error": (F, DIAL_FAILED),
    "telephony_provider_permission_denied": (F, DIAL_FAILED),
    "telephony_provider_unavailable": (F, DIAL_FAILED),
    "transfer_bridged": (E, TRANSFERRED),
    "transfer_cancelled": (E, UNKNOWN),
    "user_declined": (F, BUSY),
    "user_hangup": (E, USER_HANGUP),
    "user_requested_callback": (E, AGENT_HANGUP),
    "user_requested_dnc": (E, AGENT_HANGUP),
    "voicemail_reached": (E, VOICEMAIL),
}

#: Vapi endedReason values mapped one by one.
VAPI: dict[str, Pair] = {
    "assistant-ended-call": (E, AGENT_HANGUP),
    "assistant-ended-call-after-message-spoken": (E, AGENT_HANGUP),
    "assistant-ended-call-with-hangup-task": (E, AGENT_HANGUP),
    "assistant-forwarded-call": (E, TRANSFERRED),
    "assistant-join-timed-out": (F, ERROR),
    "assistant-said-end-call-phrase": (E, AGENT_HANGUP),
    "call-deleted": (F, CANCELLED),
    "call.ending.hook-executed-say": (E, AGENT_HANGUP),
    "call.ending.hook-executed-transfer": (E, TRANSFERRED),
    "call.in-progress.sip-completed-call": (E, USER_HANGUP),
    "call.in-progress.twilio-completed-call": (E, USER_HANGUP),
    "call.ringing.hook-executed-say": (E, AGENT_HANGUP),
    "call.ringing.hook-executed-transfer": (E, TRANSFERRED),
    "call.ringing.sip-inbound-caller-hungup-before-call-connect": (F, CANCELLED),
    "customer-busy": (F, BUSY),
    "customer-did-not-answer": (F, NO_ANSWER),
    "customer-did-not-give-microphone-permission": (F, DIAL_FAILED),
    "customer-ended-call": (E, USER_HANGUP),
    "customer-ended-call-after-warm-transfer-attempt": (E, USER_HANGUP),
    "customer-ended-call-before-warm-transfer": (E, USER_HANGUP),
    "customer-ended-call-during-transfer": (E, USER_HANGUP),
    "exceeded-max-duration": (E, MAX_DURATION),
    "manually-canceled": (F, CANCELLED),
    "phone-call-provider-bypass-enabled-but-no-call-received": (F, DIAL_FAILED),
    "phone-call-provider-closed-websocket": (E, ERROR),
    "scheduled-call-deleted": (F, CANCELLED),
    "silence-timed-out": (E, INACTIVITY),
    "sip-outbound-carrier-released-call": (F, DIAL_FAILED),
    "sip-outbound-unallocated-number": (F, DIAL_FAILED),
    "twilio-failed-to-connect-call": (F, DIAL_FAILED),
    "twilio-reported-customer-misdialed": (F, DIAL_FAILED),
    "voicemail": (E, VOICEMAIL),
    "vonage-completed": (E, USER_HANGUP),
    "vonage-disconnected": (E, ERROR),
    "vonage-failed-to-connect-call": (F, DIAL_FAILED),
    "vonage-rejected": (F, DIAL_FAILED),
    "worker-shutdown": (E, ERROR),
}


#: Vapi endedReason families: prefix -> (pair, how many SDK 3.0.0 values it holds).
VAPI_FAMILIES: dict[str, tuple[Pair, int]] = {
    "call.in-progress.error-": ((E, ERROR), 280),
    "pipeline-error-": ((E, ERROR), 255),
    "call.forwarding.": ((E, TRANSFERRED), 2),
    "call.start.": ((F, ERROR), 20),
    "call-start-error-": ((F, ERROR), 1),
    "call.ringing.error-": ((F, ERROR), 1),
    "assistant-request-": ((F, ERROR), 6),
    "assistant-not-": ((F, ERROR), 2),
}

#: Every Truedy status spelling (schema and guides).
TRUEDY: dict[str, tuple[CallStatus, EndReason | None]] = {
    "queued": (CallStatus.QUEUED, None),
    "ringing": (CallStatus.RINGING, None),
    "in_progress": (CallStatus.ONGOING, None),
    "in-progress": (CallStatus.ONGOING, None),
    "completed": (E, None),
    "ended": (E, None),
    "cancelled": (F, CANCELLED),
    "failed": (F, None),
}


def _pair(call: Call) -> Pair:
    return call.status, call.end_reason


def _retell(reason: str | None, call_status: str = "ended") -> Pair:
    payload = {"call_id": "c", "call_status": call_status, "disconnection_reason": reason}
    return _pair(retell.to_call(payload))


def _vapi(reason: str | None) -> Pair:
    return _pair(vapi.to_call({"id": "c", "status": "ended", "endedReason": reason}))


def _truedy(word: str) -> Pair:
    return _pair(truedy.to_call({"id": "c", "status": word}))


def _retell_sdk_reasons() -> set[str]:
    from retell.types.phone_call_response import PhoneCallResponse
    from retell.types.web_call_response import WebCallResponse

    reasons: set[str] = set()
    for model in (PhoneCallResponse, WebCallResponse):
        literal, _none = typing.get_args(model.model_fields["disconnection_reason"].annotation)
        reasons |= set(typing.get_args(literal))
    return reasons


def _vapi_sdk_reasons() -> tuple[str, ...]:
    from vapi.types.call_ended_reason import CallEndedReason

    return tuple(typing.get_args(typing.get_args(CallEndedReason)[0]))


def test_every_retell_reason_is_pinned() -> None:
    """Each disconnection_reason of the installed SDK is pinned, and maps to its pin
    whether Retell reports the call as ended or as error."""
    sdk = _retell_sdk_reasons()
    assert sdk - set(RETELL) == set(), "a new Retell value: pin it here and in the mapping"
    assert set(RETELL) == set(retell.END_REASONS)
    for reason, pair in RETELL.items():
        assert _retell(reason) == pair, reason
        assert _retell(reason, "error") == pair, reason
        assert retell.end_outcome(reason) == pair


def test_every_vapi_reason_is_pinned() -> None:
    """Each of the SDK's endedReason values is pinned one by one or by its family, and
    the family sizes are those of 3.0.0, so a value added to a family fails too."""
    sizes = dict.fromkeys(VAPI_FAMILIES, 0)
    for value in _vapi_sdk_reasons():
        if value in VAPI:
            pair = VAPI[value]
        else:
            prefixes = [p for p in VAPI_FAMILIES if value.startswith(p)]
            assert len(prefixes) == 1, f"{value!r} is not pinned"
            sizes[prefixes[0]] += 1
            pair = VAPI_FAMILIES[prefixes[0]][0]
        assert _vapi(value) == pair, value
        assert vapi.end_outcome(value) == pair, value
    assert sizes == {p: n for p, (_pair, n) in VAPI_FAMILIES.items()}
    assert set(VAPI) == set(vapi.exact_values())
    assert {p for p, _ in vapi.families()} == set(VAPI_FAMILIES)


def test_every_truedy_status_is_pinned() -> None:
    assert set(TRUEDY) == set(truedy.STATUS_WORDS)
    for word, pair in TRUEDY.items():
        assert _truedy(word) == pair, word


#: Reasons only a call that never connected can have, and only a connected one.
NEVER = {NO_ANSWER, BUSY, DIAL_FAILED, CANCELLED}
CONNECTED = {USER_HANGUP, AGENT_HANGUP, TRANSFERRED, VOICEMAIL, MAX_DURATION, INACTIVITY}


def test_reasons_and_statuses_agree_on_every_provider() -> None:
    """A never-connected reason is always failed; a connected one always ended."""
    pairs = [
        *RETELL.values(),
        *VAPI.values(),
        *(pair for pair, _n in VAPI_FAMILIES.values()),
        *TRUEDY.values(),
    ]
    for status, reason in pairs:
        if reason in NEVER:
            assert status is F, (status, reason)
        if reason in CONNECTED or reason is ENDED_BY_API:
            assert status is E, (status, reason)


#: The same outcome, in each vendor's words (None: the vendor has no word for it).
#: Written by hand from the vendors' descriptions, not from the mapping.
OUTCOMES: dict[str, tuple[Pair, dict[str, str | None]]] = {
    "no answer": ((F, NO_ANSWER), {"retell": "dial_no_answer", "vapi": "customer-did-not-answer"}),
    "busy": ((F, BUSY), {"retell": "dial_busy", "vapi": "customer-busy"}),
    "invalid number": (
        (F, DIAL_FAILED),
        {"retell": "invalid_destination", "vapi": "twilio-reported-customer-misdialed"},
    ),
    "dial failed": (
        (F, DIAL_FAILED),
        {"retell": "dial_failed", "vapi": "twilio-failed-to-connect-call"},
    ),
    "cancelled before connecting": (
        (F, CANCELLED),
        {"vapi": "manually-canceled", "truedy": "cancelled"},
    ),
    "user hangup": ((E, USER_HANGUP), {"retell": "user_hangup", "vapi": "customer-ended-call"}),
    "agent hangup": ((E, AGENT_HANGUP), {"retell": "agent_hangup", "vapi": "assistant-ended-call"}),
    "transfer": ((E, TRANSFERRED), {"retell": "call_transfer", "vapi": "assistant-forwarded-call"}),
    "voicemail": ((E, VOICEMAIL), {"retell": "voicemail_reached", "vapi": "voicemail"}),
    "max duration": (
        (E, MAX_DURATION),
        {"retell": "max_duration_reached", "vapi": "exceeded-max-duration"},
    ),
    "silence": ((E, INACTIVITY), {"retell": "inactivity", "vapi": "silence-timed-out"}),
    "error before connect": (
        (F, ERROR),
        {"retell": "error_llm_websocket_open", "vapi": "assistant-join-timed-out"},
    ),
    "error after connect": (
        (E, ERROR),
        {
            "retell": "error_llm_websocket_lost_connection",
            "vapi": "pipeline-error-openai-llm-failed",
        },
    ),
    "ended, no reason given": ((E, None), {"retell": None, "vapi": None, "truedy": "completed"}),
}

_READERS: dict[str, Any] = {"retell": _retell, "vapi": _vapi, "truedy": _truedy}


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_the_same_outcome_is_the_same_pair_everywhere(outcome: str) -> None:
    pair, words = OUTCOMES[outcome]
    assert len(words) >= 2, "an equivalence needs two vendors"
    known = {"retell": set(RETELL), "vapi": set(_vapi_sdk_reasons()), "truedy": set(TRUEDY)}
    for provider, word in words.items():
        assert word is None or word in known[provider], (provider, word)
        assert _READERS[provider](word) == pair, (provider, word)


def test_a_call_that_never_connected_without_a_reason_is_failed_everywhere() -> None:
    """Retell's not_connected and Truedy's failed say only that it never connected."""
    assert _retell(None, "not_connected") == (F, None)
    assert _truedy("failed") == (F, None)
