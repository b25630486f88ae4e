"""Retell payloads <-> the neutral model. Pure functions, no IO.

Parsing is lenient: a field that is missing, ``null``, of an unexpected type or an enum
value this module does not know never raises; it maps to ``None`` or an ``unknown``
member, and the whole payload stays in ``Call.raw``. Building is strict: the builders
raise :class:`~callswitch.errors.InvalidRequestError` before anything is sent.

Wire facts come from ``retell-sdk`` 6.2.13 (``retell/types/*``) and the Retell API pages
(https://docs.retellai.com/api-references/update-live-call, ``update-call`` and
``create-web-call``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from callswitch.errors import InvalidRequestError
from callswitch.models import (
    Call,
    CallDirection,
    CallKind,
    CallStatus,
    DataStorage,
    EndReason,
    Money,
    Sentiment,
    Utterance,
    UtteranceRole,
)
from callswitch.plugin import (
    UtteranceRow,
    call_id_of,
    epoch_to_datetime,
    finite_float,
    list_filters,
    to_decimal,
    to_timedelta,
    utterances,
    variables_to_strings,
)
from callswitch_retell import _wire
from callswitch_retell._wire import json_bytes
from callswitch_retell.capabilities import METADATA_LIMIT_BYTES, NAME

__all__ = [
    "END_REASONS",
    "NEVER_CONNECTED",
    "STATUSES",
    "STATUS_FILTER",
    "call_from_web_create",
    "check_metadata",
    "end_outcome",
    "json_size",
    "list_filter_criteria",
    "outcome",
    "to_call",
    "to_utterances",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Retell ``call_status`` -> neutral status (types/call_response.py).
STATUSES: Mapping[str, CallStatus] = {
    _wire.REGISTERED: CallStatus.QUEUED,
    _wire.NOT_CONNECTED: CallStatus.FAILED,
    _wire.ONGOING: CallStatus.ONGOING,
    _wire.ENDED: CallStatus.ENDED,
    _wire.ERROR: CallStatus.FAILED,
}

#: Neutral status -> the ``call_status`` values a call with that status can have, sent
#: to list-calls to narrow the pages (callswitch checks each call's neutral status after).
#: The SDK's ``FilterCriteriaCallStatus`` allows only not_connected, ongoing, ended and
#: error; a neutral status also depends on ``disconnection_reason`` (see
#: :data:`NEVER_CONNECTED`), hence the overlaps. queued (registered) cannot be asked for,
#: so a status filter that includes it is applied by callswitch alone.
STATUS_FILTER: Mapping[CallStatus, tuple[str, ...]] = {
    CallStatus.ONGOING: (_wire.ONGOING,),
    CallStatus.ENDED: (_wire.ENDED, _wire.ERROR),
    CallStatus.FAILED: (_wire.NOT_CONNECTED, _wire.ERROR, _wire.ENDED),
}

_KINDS: Mapping[str, CallKind] = {"web_call": CallKind.WEB, "phone_call": CallKind.PHONE}

#: Every ``disconnection_reason`` in the SDK's Literal (39 values), plus two that older
#: docs list (machine_detected, error_inbound_webhook). Where Retell's reason has no exact
#: neutral counterpart the nearest is chosen and commented; ``raw_end_reason`` keeps the
#: vendor's value either way. Anything not listed maps to ``EndReason.UNKNOWN``.
END_REASONS: Mapping[str, EndReason] = {
    # ended normally
    _wire.USER_HANGUP: EndReason.USER_HANGUP,
    "agent_hangup": EndReason.AGENT_HANGUP,
    # The agent confirms the request and ends the call (docs: build/do-not-call).
    "user_requested_dnc": EndReason.AGENT_HANGUP,
    "user_requested_callback": EndReason.AGENT_HANGUP,
    "call_transfer": EndReason.TRANSFERRED,
    "transfer_bridged": EndReason.TRANSFERRED,
    # The docs do not say how a call whose transfer was cancelled ended.
    "transfer_cancelled": EndReason.UNKNOWN,
    # A human took the call over from the agent (take-over-live-call): handed on.
    "call_take_over": EndReason.TRANSFERRED,
    "voicemail_reached": EndReason.VOICEMAIL,
    "machine_detected": EndReason.VOICEMAIL,
    # Docs: "agent is configured to hang up when encountering an IVR system".
    "ivr_reached": EndReason.AGENT_HANGUP,
    "inactivity": EndReason.INACTIVITY,
    "max_duration_reached": EndReason.MAX_DURATION,
    # Stopped through the API (stop-call) or the dashboard [INF].
    _wire.MANUAL_STOPPED: EndReason.ENDED_BY_API,
    # not connected
    "dial_busy": EndReason.BUSY,
    _wire.DIAL_NO_ANSWER: EndReason.NO_ANSWER,
    # The callee rejected the call: the nearest neutral reason is "busy".
    "user_declined": EndReason.BUSY,
    "dial_failed": EndReason.DIAL_FAILED,
    "invalid_destination": EndReason.DIAL_FAILED,
    "telephony_provider_permission_denied": EndReason.DIAL_FAILED,
    "telephony_provider_unavailable": EndReason.DIAL_FAILED,
    "sip_routing_error": EndReason.DIAL_FAILED,
    "marked_as_spam": EndReason.DIAL_FAILED,
    "network_blocked": EndReason.DIAL_FAILED,
    # A registered (web) call that nobody joined in time.
    "registered_call_timeout": EndReason.NO_ANSWER,
    # account and platform errors
    "concurrency_limit_reached": EndReason.ERROR,
    "no_concurrency_fallback": EndReason.ERROR,
    "no_valid_payment": EndReason.ERROR,
    "credit_exhausted": EndReason.ERROR,
    "budget_reached": EndReason.ERROR,
    "scam_detected": EndReason.ERROR,
    "error_llm_websocket_open": EndReason.ERROR,
    "error_llm_websocket_lost_connection": EndReason.ERROR,
    "error_llm_websocket_runtime": EndReason.ERROR,
    "error_llm_websocket_corrupt_payload": EndReason.ERROR,
    "error_no_audio_received": EndReason.ERROR,
    "error_asr": EndReason.ERROR,
    "error_retell": EndReason.ERROR,
    _wire.ERROR_UNKNOWN: EndReason.ERROR,
    "error_user_not_joined": EndReason.ERROR,
    "error_inbound_webhook": EndReason.ERROR,
}


#: The ``disconnection_reason`` values of a call that never connected: nobody answered,
#: the line was busy or refused, the number could not be dialled, or Retell refused or
#: failed the call before it started (account limits, the agent's LLM socket never
#: opening, the web caller never joining, the inbound webhook failing). Such a call is
#: ``failed``; every other ended call connected first and is ``ended``.
NEVER_CONNECTED: frozenset[str] = frozenset(
    {
        "dial_busy",
        _wire.DIAL_NO_ANSWER,
        "user_declined",
        "dial_failed",
        "invalid_destination",
        "telephony_provider_permission_denied",
        "telephony_provider_unavailable",
        "sip_routing_error",
        "marked_as_spam",
        "network_blocked",
        "registered_call_timeout",
        "concurrency_limit_reached",
        "no_concurrency_fallback",
        "no_valid_payment",
        "credit_exhausted",
        "budget_reached",
        "scam_detected",
        "error_llm_websocket_open",
        "error_user_not_joined",
        "error_inbound_webhook",
    }
)


def outcome(call_status: Any, reason: str | None) -> CallStatus:
    """The neutral status of a Retell call from ``call_status`` and
    ``disconnection_reason``: ``not_connected`` is always failed; an ended or errored call
    is failed when its reason says it never connected, else ended (an ``error`` call
    with no known reason is failed)."""
    if not isinstance(call_status, str):
        return CallStatus.UNKNOWN
    status = STATUSES.get(call_status, CallStatus.UNKNOWN)
    if call_status in (_wire.ENDED, _wire.ERROR) and reason in END_REASONS:
        return CallStatus.FAILED if reason in NEVER_CONNECTED else CallStatus.ENDED
    return status


def end_outcome(reason: str) -> tuple[CallStatus, EndReason]:
    """The neutral (status, end reason) pair of an ended Retell call with this
    ``disconnection_reason``: the published table (docs/statuses.md)."""
    return outcome(_wire.ENDED, reason), END_REASONS.get(reason, EndReason.UNKNOWN)


# ------------------------------------------------------------------------ small readers
# to_call runs for every call read, list pages included, so these readers do the least
# work that gives the same result: enum values are looked up in dicts (constructing a
# lenient enum goes through its _missing_ hook), nested objects are read without copying
# them (pydantic copies the dict fields of Call anyway), and dict is tested before the
# Mapping ABC, whose isinstance check alone is slower than most of a field's reading.

_DIRECTIONS: Mapping[str, CallDirection] = {d.value: d for d in CallDirection}
#: Retell utterance roles -> neutral roles. ``transfer_target`` (the person a call is
#: transferred to) has no neutral role of its own; it is the human on the far side of the
#: agent, as the caller is, so it maps to ``user`` (``Call.raw`` keeps Retell's role).
_ROLES: Mapping[str, UtteranceRole] = {
    **{r.value: r for r in UtteranceRole},
    "transfer_target": UtteranceRole.USER,
}
#: The spoken roles of ``transcript_with_tool_calls`` (retell-sdk 6.2.13
#: ``TranscriptWithToolCallUtterance``); the rest are tool calls, node transitions, DTMF...
_SPOKEN = frozenset(("agent", "user", "transfer_target"))
_SENTIMENTS: Mapping[str, Sentiment] = {s.value: s for s in Sentiment}
_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _object(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object (any Mapping), else an empty one; not copied."""
    return value if isinstance(value, (dict, Mapping)) else _NO_FIELDS


def _duration(
    duration_ms: Any, started: datetime | None, ended: datetime | None
) -> timedelta | None:
    duration = to_timedelta(duration_ms, unit="ms")
    if duration is not None:
        return duration
    # No duration_ms (older payloads, as in the update-call page's example): the span
    # between start and end.
    if started is not None and ended is not None and ended >= started:
        return ended - started
    return None


def _cost(value: Any) -> Money | None:
    cents = to_decimal(_object(value).get("combined_cost"))
    return Money(amount=cents / 100, currency="USD") if cents is not None else None


def _word_time(words: Iterable[Any], key: str) -> float | None:
    """``key`` ("start" or "end") of the first word in ``words`` that has it as a number."""
    for word in words:
        if isinstance(word, (dict, Mapping)):
            seconds = finite_float(word.get(key))
            if seconds is not None:
                return seconds
    return None


def _row(item: Mapping[str, Any]) -> UtteranceRow:
    words = item.get("words")
    if not isinstance(words, (list, tuple)):
        words = ()  # null, or not a list: no word timings
    role = item.get("role")
    text = item.get("content")
    # The first timed word from the front, the last one from the back: an utterance of
    # hundreds of words is read at its two ends only.
    start = _word_time(words, "start")
    end = _word_time(reversed(words), "end")
    if start is None and end is None:
        # Injected context has no words, only the moment it came in (time_sec).
        start = end = finite_float(item.get("time_sec"))
    return {
        "role": _ROLES.get(role, UtteranceRole.UNKNOWN)
        if isinstance(role, str)
        else UtteranceRole.UNKNOWN,
        "text": text if isinstance(text, str) else "",
        "start": start,
        "end": end,
    }


def _injected(woven: list[Any], rows: list[UtteranceRow]) -> list[UtteranceRow]:
    """The injected context of ``transcript_with_tool_calls`` that ``rows`` lack, by time."""
    items = [
        item
        for item in woven
        if isinstance(item, (dict, Mapping)) and item.get("role") == "injected"
    ]
    if not items:  # most calls: nothing was injected, so nothing to count
        return []
    have = Counter(
        (row["text"], row["start"]) for row in rows if row["role"] is UtteranceRole.INJECTED
    )
    found: list[UtteranceRow] = []
    for item in items:
        row = _row(item)
        key = (row["text"], row["start"])
        if have[key]:
            have[key] -= 1  # already in transcript_object: not twice
        else:
            found.append(row)
    # Stable: injections without a time keep their order, after the timed ones.
    found.sort(key=lambda row: (row["start"] is None, row["start"] or 0.0))
    return found


def _at_or_before(moment: float | None, start: float) -> bool:
    return moment is not None and moment <= start


def to_utterances(value: Any, woven: Any = None) -> tuple[Utterance, ...]:
    """``transcript_object`` and ``transcript_with_tool_calls`` (``woven``) -> utterances.

    The spoken utterances come from ``transcript_object`` (from the woven transcript's
    spoken ones when there is none); start/end from the first/last timed word. Retell puts
    injected context (update-live-call ``additional_context``) only in the woven transcript
    (retell-sdk 6.2.13 ``InjectedUtterance``): it is merged in by its ``time_sec``, before
    the first utterance that starts later, and never twice when both lists hold it.
    """
    woven = woven if isinstance(woven, list) else []
    if not isinstance(value, list):
        value = [u for u in woven if isinstance(u, (dict, Mapping)) and u.get("role") in _SPOKEN]
    rows = [_row(item) for item in value if isinstance(item, (dict, Mapping))]
    injected = _injected(woven, rows) if woven else []
    if injected:
        merged: list[UtteranceRow] = []
        pending = iter(injected)
        nxt = next(pending, None)
        for row in rows:
            start = row["start"]
            while nxt is not None and start is not None and _at_or_before(nxt["start"], start):
                merged.append(nxt)
                nxt = next(pending, None)
            merged.append(row)
        if nxt is not None:
            merged.append(nxt)
            merged.extend(pending)
        rows = merged
    return utterances(rows)


# ----------------------------------------------------------------------------- parsing


def to_call(payload: Any) -> Call:
    """A Retell call object (web or phone, v2 or v3) -> :class:`Call`."""
    call_id = call_id_of(payload, "call_id", NAME)
    analysis = _object(payload.get("call_analysis"))
    status = payload.get("call_status")
    kind = payload.get("call_type")
    direction = payload.get("direction")
    reason = _str(payload.get("disconnection_reason"))
    sentiment = analysis.get("user_sentiment")
    successful = analysis.get("call_successful")
    started = epoch_to_datetime(payload.get("start_timestamp"), unit="ms")
    ended = epoch_to_datetime(payload.get("end_timestamp"), unit="ms")
    return Call(
        id=call_id,
        provider=NAME,
        status=outcome(status, reason),
        direction=_DIRECTIONS.get(direction, CallDirection.UNKNOWN)
        if isinstance(direction, str)
        else CallDirection.UNKNOWN,
        kind=_KINDS.get(kind, CallKind.UNKNOWN) if isinstance(kind, str) else CallKind.UNKNOWN,
        agent_id=_str(payload.get("agent_id")),
        from_number=_str(payload.get("from_number")),
        to_number=_str(payload.get("to_number")),
        # Retell reports no creation time: created_at is the earliest time it reports,
        # start_timestamp, else end_timestamp (a call that never connected may have only
        # that); None for a call that has neither yet (registered).
        created_at=started or ended,
        started_at=started,
        ended_at=ended,
        duration=_duration(payload.get("duration_ms"), started, ended),
        metadata=dict(_object(payload.get("metadata"))),
        variables=variables_to_strings(payload.get("retell_llm_dynamic_variables")),
        transcript=to_utterances(
            payload.get("transcript_object"), payload.get("transcript_with_tool_calls")
        ),
        recording_url=_str(payload.get("recording_url")),
        summary=_str(analysis.get("call_summary")),
        sentiment=_SENTIMENTS.get(sentiment.lower(), Sentiment.UNKNOWN)
        if isinstance(sentiment, str)
        else None,
        successful=successful if isinstance(successful, bool) else None,
        cost=_cost(payload.get("call_cost")),
        end_reason=END_REASONS.get(reason, EndReason.UNKNOWN) if reason else None,
        raw_end_reason=reason,
        access_token=_str(payload.get("access_token")),
        raw=payload,  # copied by pydantic, like every dict field
    )


def call_from_web_create(payload: Any, *, agent_id: str, body: Mapping[str, Any]) -> Call:
    """The answer of create-web-call -> :class:`Call`.

    v3 (what SDK 6.2.13 calls) answers ``{access_token, call_id, expires_at, ice_servers,
    transport}``; v2 (the create-web-call page) answers a full call object. A v3 answer
    has no status: a new web call is ``registered`` until the browser joins (the same
    page), so it is reported as queued, with the agent, metadata and variables that were sent.
    """
    if isinstance(payload, Mapping) and "call_status" in payload:
        return to_call(payload)
    data = dict(payload) if isinstance(payload, Mapping) else {}
    merged: dict[str, Any] = {
        "call_type": "web_call",
        "call_status": _wire.REGISTERED,
        "agent_id": agent_id,
        "metadata": body.get("metadata"),
        "retell_llm_dynamic_variables": body.get("retell_llm_dynamic_variables"),
        **data,
    }
    call = to_call(merged)
    # raw is what Retell answered, not what we filled in.
    return call.model_copy(update={"raw": data})


# ---------------------------------------------------------------------------- building


def json_size(value: Any, what: str) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (as httpx sends it), or InvalidRequestError.

    Serialising is :func:`callswitch.models.json_size`'s; the models have already refused
    metadata JSON cannot carry, so this only measures."""
    try:
        return json_bytes(value)
    except ValueError as exc:
        raise InvalidRequestError(f"{what} {exc}") from None


def check_metadata(metadata: Any) -> None:
    """Refuse metadata over Retell's 50 kB limit before sending."""
    size = json_size(metadata, "metadata")
    if size > METADATA_LIMIT_BYTES:
        raise InvalidRequestError(
            f"metadata is {size} bytes as JSON; Retell accepts at most 50 kB "
            f"({METADATA_LIMIT_BYTES} bytes). Store large data elsewhere and keep a "
            "reference in metadata"
        )


def check_storage_change(current: Any, new: DataStorage) -> None:
    """Refuse moving a call to a less restrictive data storage setting."""
    if not isinstance(current, str):
        return  # unknown: Retell decides
    try:
        now = DataStorage(current)
    except ValueError:
        return
    if new.rank < now.rank:
        raise InvalidRequestError(
            f"data_storage cannot move from {now.value!r} to the less restrictive "
            f"{new.value!r}: Retell only allows more restrictive settings "
            "(everything > everything_except_pii > basic_attributes_only). Nothing was changed"
        )


def _epoch_ms(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(milliseconds=1)


def list_filter_criteria(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Neutral list filters -> list-calls ``filter_criteria`` (SDK types/call_list_params.py).

    Checked by :func:`callswitch._kit.list_filters`. ``created_after`` /
    ``created_before`` filter on ``start_timestamp``, since Retell records no creation
    time (the client applies them itself instead, see the list.created_* rows); a status
    filter narrows to a superset, and one naming queued or ringing sends no status.
    """
    checked = list_filters(filters)
    criteria: dict[str, Any] = {}
    if checked.statuses and all(s in STATUS_FILTER for s in checked.statuses):
        # A superset of the calls asked for; the client checks each call's status.
        values: list[str] = []
        for status in checked.statuses:
            values.extend(v for v in STATUS_FILTER[status] if v not in values)
        criteria["call_status"] = {"op": "in", "type": "enum", "value": values}
    if checked.directions:
        criteria["direction"] = {
            "op": "in",
            "type": "enum",
            "value": [d.value for d in checked.directions],
        }
    if checked.agent_ids:
        criteria["agent"] = [{"agent_id": agent} for agent in checked.agent_ids]
    after, before = checked.created_after, checked.created_before
    if after is not None and before is not None:
        # "bt" takes [lower, upper]; whether its bounds are inclusive is undocumented [INF].
        value = [_epoch_ms(after), _epoch_ms(before)]
        criteria["start_timestamp"] = {"op": "bt", "type": "range", "value": value}
    elif after is not None:
        criteria["start_timestamp"] = {"op": "gt", "type": "number", "value": _epoch_ms(after)}
    elif before is not None:
        criteria["start_timestamp"] = {"op": "lt", "type": "number", "value": _epoch_ms(before)}
    return criteria
