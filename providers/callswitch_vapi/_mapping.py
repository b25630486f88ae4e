"""Vapi's camelCase call payload -> the neutral :class:`~callswitch.models.Call`.

Field names and enum values are those of ``vapi-server-sdk`` 3.0.0 (``types/call.py``,
``types/call_status.py``, ``types/call_type.py``, ``types/call_ended_reason.py``,
``types/artifact.py``, ``types/analysis.py``). Parsing never fails on a value it does not
know: it maps to an ``unknown`` member or ``None``, and the whole payload is ``Call.raw``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from callswitch.models import (
    Call,
    CallDirection,
    CallKind,
    CallStatus,
    EndReason,
    Money,
    Utterance,
    UtteranceRole,
)
from callswitch.plugin import (
    UtteranceRow,
    call_id_of,
    finite_float,
    iso_to_datetime,
    to_decimal,
    utterances,
    variables_to_strings,
)
from callswitch_vapi import _wire
from callswitch_vapi._wire import PROVIDER as PROVIDER

__all__ = [
    "INFERRED",
    "end_outcome",
    "end_reason",
    "ended_status",
    "exact_values",
    "families",
    "to_call",
    "with_number",
]


_STATUS = {
    _wire.SCHEDULED: CallStatus.QUEUED,
    _wire.QUEUED: CallStatus.QUEUED,
    _wire.RINGING: CallStatus.RINGING,
    _wire.IN_PROGRESS: CallStatus.ONGOING,
    _wire.FORWARDING: CallStatus.ONGOING,
    _wire.ENDED: CallStatus.ENDED,
    # "not-found" and "deletion-failed" say nothing about the call's life cycle.
}

_TYPES = {
    "inboundPhoneCall": (CallKind.PHONE, CallDirection.INBOUND),
    "outboundPhoneCall": (CallKind.PHONE, CallDirection.OUTBOUND),
    "webCall": (CallKind.WEB, CallDirection.UNKNOWN),
    # A websocket call streams audio to your own server: not telephony, so "web".
    "vapi.websocketCall": (CallKind.WEB, CallDirection.UNKNOWN),
}

# endedReason -> EndReason. Exact values first, then prefixes for the large families
# (the SDK lists about 600 values, most of them "pipeline-error-*" and "call.*.error-*").
_END_EXACT: dict[str, EndReason] = {
    _wire.CUSTOMER_ENDED_CALL: EndReason.USER_HANGUP,
    "customer-ended-call-before-warm-transfer": EndReason.USER_HANGUP,
    "customer-ended-call-after-warm-transfer-attempt": EndReason.USER_HANGUP,
    "customer-ended-call-during-transfer": EndReason.USER_HANGUP,
    # The inbound caller gave up before the call connected: never connected, stopped by
    # the caller, as "cancelled" is everywhere [INF]; user_hangup means a connected call.
    "call.ringing.sip-inbound-caller-hungup-before-call-connect": EndReason.CANCELLED,
    _wire.ASSISTANT_ENDED_CALL: EndReason.AGENT_HANGUP,
    "assistant-said-end-call-phrase": EndReason.AGENT_HANGUP,
    "assistant-ended-call-with-hangup-task": EndReason.AGENT_HANGUP,
    _wire.ASSISTANT_ENDED_CALL_AFTER_MESSAGE_SPOKEN: EndReason.AGENT_HANGUP,
    _wire.ASSISTANT_FORWARDED_CALL: EndReason.TRANSFERRED,
    "call.ringing.hook-executed-transfer": EndReason.TRANSFERRED,
    "call.ending.hook-executed-transfer": EndReason.TRANSFERRED,
    "voicemail": EndReason.VOICEMAIL,
    _wire.CUSTOMER_DID_NOT_ANSWER: EndReason.NO_ANSWER,
    "customer-busy": EndReason.BUSY,
    "exceeded-max-duration": EndReason.MAX_DURATION,
    "silence-timed-out": EndReason.INACTIVITY,
    "manually-canceled": EndReason.CANCELLED,
    "scheduled-call-deleted": EndReason.CANCELLED,
    "call-deleted": EndReason.CANCELLED,
    "twilio-failed-to-connect-call": EndReason.DIAL_FAILED,
    "twilio-reported-customer-misdialed": EndReason.DIAL_FAILED,
    "vonage-failed-to-connect-call": EndReason.DIAL_FAILED,
    "vonage-rejected": EndReason.DIAL_FAILED,
    "sip-outbound-unallocated-number": EndReason.DIAL_FAILED,
    "phone-call-provider-bypass-enabled-but-no-call-received": EndReason.DIAL_FAILED,
    # The carrier reports the line completed; the assistant's own endings have their own
    # values, so this is the other side hanging up [INF: the SDK does not say who].
    "call.in-progress.twilio-completed-call": EndReason.USER_HANGUP,
    "call.in-progress.sip-completed-call": EndReason.USER_HANGUP,
    "vonage-completed": EndReason.USER_HANGUP,
    # A hook configured on the assistant spoke and ended the call [INF].
    "call.ringing.hook-executed-say": EndReason.AGENT_HANGUP,
    "call.ending.hook-executed-say": EndReason.AGENT_HANGUP,
    # The customer never connected: no microphone (web), or the carrier released the
    # outbound leg [INF: the SDK gives no description].
    "customer-did-not-give-microphone-permission": EndReason.DIAL_FAILED,
    "sip-outbound-carrier-released-call": EndReason.DIAL_FAILED,
    "worker-shutdown": EndReason.ERROR,
    "assistant-join-timed-out": EndReason.ERROR,
    "phone-call-provider-closed-websocket": EndReason.ERROR,
    "vonage-disconnected": EndReason.ERROR,
}

_END_PREFIXES: tuple[tuple[str, EndReason], ...] = (
    # call.forwarding.* (operator-busy, no-answer) say what the transfer target did, not
    # the customer: the call ended in a transfer; raw_end_reason keeps the detail.
    ("call.forwarding.", EndReason.TRANSFERRED),
    ("pipeline-error-", EndReason.ERROR),
    ("call.in-progress.error-", EndReason.ERROR),
    ("call.start.", EndReason.ERROR),
    ("call-start-error-", EndReason.ERROR),
    ("call.ringing.error-", EndReason.ERROR),
    ("assistant-request-", EndReason.ERROR),
    ("assistant-not-", EndReason.ERROR),
)


#: endedReason values of a call that never connected (nobody answered, busy, the number
#: could not be dialled, cancelled before it started, or Vapi failed to start it): such a
#: call is ``failed``, every other ended call ``ended``.
_NEVER_CONNECTED_EXACT: frozenset[str] = frozenset(
    {
        _wire.CUSTOMER_DID_NOT_ANSWER,
        "customer-busy",
        "twilio-failed-to-connect-call",
        "twilio-reported-customer-misdialed",
        "vonage-failed-to-connect-call",
        "vonage-rejected",
        "sip-outbound-unallocated-number",
        "phone-call-provider-bypass-enabled-but-no-call-received",
        "manually-canceled",
        "scheduled-call-deleted",
        "assistant-join-timed-out",
        "call.ringing.sip-inbound-caller-hungup-before-call-connect",
        # dial_failed and cancelled mean "never connected" on every provider [INF].
        "customer-did-not-give-microphone-permission",
        "sip-outbound-carrier-released-call",
        "call-deleted",
    }
)
_NEVER_CONNECTED_PREFIXES = (
    "call.start.",
    "call-start-error-",
    "call.ringing.error-",
    "assistant-request-",
    "assistant-not-",
)


_FAMILY_START = "named for the call's start or ringing: before it connected"
_MID_CALL = "an error while the call was connected"
_CARRIER = "the carrier ended the line; the SDK does not say who"

#: Why each inferred classification was chosen (exact values and ``prefix*`` families);
#: ``docs/statuses.md`` marks those rows ``[INF]`` with this text.
INFERRED: Mapping[str, str] = {
    "call.in-progress.twilio-completed-call": _CARRIER,
    "call.in-progress.sip-completed-call": _CARRIER,
    "vonage-completed": _CARRIER,
    "call.ringing.hook-executed-say": "a hook on the assistant spoke and ended the call",
    "call.ending.hook-executed-say": "a hook on the assistant spoke and ended the call",
    "customer-did-not-give-microphone-permission": "the web caller never connected audio",
    "sip-outbound-carrier-released-call": "the carrier released the outbound leg",
    "call-deleted": "deleted before it connected (the SDK gives no description)",
    "call.ringing.sip-inbound-caller-hungup-before-call-connect": "the caller gave up ringing",
    "worker-shutdown": _MID_CALL,
    "phone-call-provider-closed-websocket": _MID_CALL,
    "vonage-disconnected": _MID_CALL,
    "assistant-join-timed-out": "the assistant never joined: the call never started",
    "call.forwarding.*": "the transfer target's outcome; the call itself was handed on",
    "pipeline-error-*": "a model or voice provider failed during the conversation",
    "call.start.*": _FAMILY_START,
    "call-start-error-*": _FAMILY_START,
    "call.ringing.error-*": _FAMILY_START,
    "assistant-request-*": "the assistant could not be fetched, so the call never started",
    "assistant-not-*": "no valid assistant, so the call never started",
}


def families() -> tuple[tuple[str, EndReason], ...]:
    """The ``endedReason`` prefixes mapped as one family, each with its end reason."""
    return _END_PREFIXES


def exact_values() -> tuple[str, ...]:
    """The ``endedReason`` values mapped one by one."""
    return tuple(_END_EXACT)


def ended_status(raw: object) -> CallStatus:
    """The neutral status of an ended Vapi call with this ``endedReason``: ``failed`` when
    the reason says it never connected, else ``ended``."""
    if isinstance(raw, str) and (
        raw in _NEVER_CONNECTED_EXACT or raw.startswith(_NEVER_CONNECTED_PREFIXES)
    ):
        return CallStatus.FAILED
    return CallStatus.ENDED


def end_outcome(raw: str) -> tuple[CallStatus, EndReason]:
    """The neutral (status, end reason) pair of an ended call with this ``endedReason``:
    the published table (docs/statuses.md)."""
    return ended_status(raw), end_reason(raw) or EndReason.UNKNOWN


def end_reason(raw: object) -> EndReason | None:
    """The neutral reason for Vapi's ``endedReason``; ``UNKNOWN`` for one not mapped."""
    if not isinstance(raw, str) or not raw:
        return None
    if raw in _END_EXACT:
        return _END_EXACT[raw]
    for prefix, reason in _END_PREFIXES:
        if raw.startswith(prefix):
            return reason
    return EndReason.UNKNOWN


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _money(value: object) -> Money | None:
    amount = to_decimal(value)
    return Money(amount=amount, currency="USD") if amount is not None else None


_isfinite = math.isfinite

_TRUE = {"true", "pass", "passed", "yes"}
_FALSE = {"false", "fail", "failed", "no"}


def _successful(value: object) -> bool | None:
    """``analysis.successEvaluation`` is free text shaped by the assistant's rubric; only a
    boolean-like answer (the default PassFail rubric gives "true"/"false") maps to a bool."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


#: The role spellings seen, looked up before the general rule in :func:`_role`.
_ROLE_WORDS: Mapping[str, UtteranceRole] = {
    "bot": UtteranceRole.AGENT,
    "assistant": UtteranceRole.AGENT,
    "user": UtteranceRole.USER,
    "customer": UtteranceRole.USER,
    "system": UtteranceRole.SYSTEM,
    "tool_calls": UtteranceRole.TOOL,
    "tool_call_result": UtteranceRole.TOOL,
}


def _role(raw: object) -> UtteranceRole:
    # Role strings are not enumerated in the SDK (role: str); these are the spellings
    # Vapi's artifact.messages use [INF]: "bot", "user", "system", "tool_calls",
    # "tool_call_result". "assistant" appears in OpenAI-formatted messages.
    if not isinstance(raw, str):
        return UtteranceRole.UNKNOWN
    known = _ROLE_WORDS.get(raw)
    if known is not None:
        return known
    role = raw.lower()
    if role in {"bot", "assistant"}:
        return UtteranceRole.AGENT
    if role in {"user", "customer"}:
        return UtteranceRole.USER
    if role == "system":
        return UtteranceRole.SYSTEM
    if role.startswith("tool") or role == "function":
        return UtteranceRole.TOOL
    return UtteranceRole.UNKNOWN


def _utterance(message: Mapping[str, Any]) -> UtteranceRow:
    role = _role(message.get("role"))
    text = message.get("message")
    if not isinstance(text, str) or not text:
        # tool_call_result messages carry "result"; tool_calls carry "toolCalls".
        if isinstance(message.get("result"), str):
            text = message["result"]
        elif message.get("toolCalls") is not None:
            text = json.dumps(message["toolCalls"], separators=(",", ":"), sort_keys=True)
        else:
            text = ""
    start = finite_float(message.get("secondsFromStart"))
    end = None
    if start is not None:  # no start, no end: the two times below are only read for one
        began, finished = finite_float(message.get("time")), finite_float(message.get("endTime"))
        # time/endTime are epoch milliseconds in Vapi payloads [INF]; their difference is
        # the utterance's length.
        if began is not None and finished is not None and finished >= began:
            end = start + (finished - began) / 1000.0
    return {"role": role, "text": text, "start": start, "end": end}


_TEXT_ROLES = {
    "ai": UtteranceRole.AGENT,
    "assistant": UtteranceRole.AGENT,
    "bot": UtteranceRole.AGENT,
    "user": UtteranceRole.USER,
    "customer": UtteranceRole.USER,
}


def _from_text(transcript: str) -> list[UtteranceRow]:
    """Fallback for payloads with only ``artifact.transcript`` ("AI: ...\\nUser: ..." [INF])."""
    out: list[UtteranceRow] = []
    for line in transcript.splitlines():
        line = line.strip()
        if not line:
            continue
        speaker, sep, text = line.partition(":")
        role = _TEXT_ROLES.get(speaker.strip().lower()) if sep else None
        if role is None:
            out.append({"role": UtteranceRole.UNKNOWN, "text": line})
        else:
            out.append({"role": role, "text": text.strip()})
    return out


def _rows(messages: list[Any]) -> list[UtteranceRow]:
    """:func:`_utterance` of each message that is an object.

    A call holds dozens of messages and every call read has them, so the usual spoken
    message (a role spelled as in ``_ROLE_WORDS``, non-empty ``message`` text, float
    ``secondsFromStart``, ``time`` and ``endTime``) is read here without a call per
    message; any other goes to :func:`_utterance`, which gives the same row for it.
    """
    rows: list[UtteranceRow] = []
    append, roles, isfinite = rows.append, _ROLE_WORDS, _isfinite  # locals: read per message
    for message in messages:
        # Subscripts rather than .get(): a missing key, a non-dict message or an
        # unhashable role raises (no cost when nothing does) and takes the slow path.
        try:
            role = roles[message["role"]]
            text, start = message["message"], message["secondsFromStart"]
            began, finished = message["time"], message["endTime"]
        except (KeyError, TypeError):
            pass
        else:
            if (
                type(message) is dict
                and type(text) is str
                and text
                and type(start) is float
                and type(began) is float
                and type(finished) is float
                and isfinite(start)
                and isfinite(began)
                and isfinite(finished)
            ):
                end = start + (finished - began) / 1000.0 if finished >= began else None
                append({"role": role, "text": text, "start": start, "end": end})
                continue
        if isinstance(message, dict):
            append(_utterance(message))
    return rows


def _transcript(data: Mapping[str, Any], artifact: Mapping[str, Any]) -> tuple[Utterance, ...]:
    messages = artifact.get("messages")
    if not isinstance(messages, list):
        messages = data.get("messages")  # Call.messages (top level) in the SDK type
    if isinstance(messages, list) and messages:
        return utterances(_rows(messages))
    text = _str(artifact.get("transcript")) or _str(data.get("transcript"))
    return utterances(_from_text(text)) if text else ()


def _recording_url(data: Mapping[str, Any], artifact: Mapping[str, Any]) -> str | None:
    url = _str(artifact.get("recordingUrl"))
    if url is None:
        mono = _obj(_obj(artifact.get("recording")).get("mono"))
        # older payloads kept it at the top level
        url = _str(mono.get("combinedUrl")) or _str(data.get("recordingUrl"))
    return url


def _numbers(data: Mapping[str, Any], direction: CallDirection) -> tuple[str | None, str | None]:
    if direction is CallDirection.UNKNOWN:
        return None, None
    customer = _str(_obj(data.get("customer")).get("number"))
    ours = _str(_obj(data.get("phoneNumber")).get("number"))
    return (customer, ours) if direction is CallDirection.INBOUND else (ours, customer)


def to_call(data: Any) -> Call:
    """The neutral call for a Vapi call payload (``Call`` in the SDK); ProviderError for
    a payload that is not an object or has no ``id``."""
    call_id = call_id_of(data, "id", PROVIDER)
    status_raw = data.get("status")
    status = _STATUS.get(status_raw, CallStatus.UNKNOWN) if isinstance(status_raw, str) else None
    status = status or CallStatus.UNKNOWN
    type_raw = data.get("type")
    kind, direction = (
        _TYPES.get(type_raw, (CallKind.UNKNOWN, CallDirection.UNKNOWN))
        if isinstance(type_raw, str)
        else (CallKind.UNKNOWN, CallDirection.UNKNOWN)
    )
    from_number, to_number = _numbers(data, direction)
    started, ended = iso_to_datetime(data.get("startedAt")), iso_to_datetime(data.get("endedAt"))
    duration = ended - started if started and ended and ended >= started else None
    overrides = _obj(data.get("assistantOverrides"))
    artifact = _obj(data.get("artifact"))
    analysis = _obj(data.get("analysis"))
    raw_reason = _str(data.get("endedReason"))
    if status is CallStatus.ENDED:
        status = ended_status(raw_reason)
    return Call(
        id=call_id,
        provider=PROVIDER,
        status=status,
        direction=direction,
        kind=kind,
        agent_id=_str(data.get("assistantId")),
        from_number=from_number,
        to_number=to_number,
        created_at=iso_to_datetime(data.get("createdAt")),
        started_at=started,
        ended_at=ended,
        duration=duration,
        metadata=_obj(overrides.get("metadata")),  # copied by pydantic
        variables=variables_to_strings(overrides.get("variableValues")),
        transcript=_transcript(data, artifact),
        recording_url=_recording_url(data, artifact),
        summary=_str(analysis.get("summary")) or _str(data.get("summary")),
        sentiment=None,
        successful=_successful(analysis.get("successEvaluation")),
        cost=_money(data.get("cost")),
        end_reason=end_reason(raw_reason),
        raw_end_reason=raw_reason,
        raw=data,  # copied by pydantic, like every dict field
    )


def with_number(call: Call, number: str | None) -> Call:
    """``call`` with our phone number filled in where the record lacked it: the caller's
    number for an outbound call, the called number for an inbound one. ``raw`` is kept."""
    if number is None:
        return call
    if call.direction is CallDirection.OUTBOUND and call.from_number is None:
        return call.model_copy(update={"from_number": number})
    if call.direction is CallDirection.INBOUND and call.to_number is None:
        return call.model_copy(update={"to_number": number})
    return call
