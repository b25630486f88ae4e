"""Truedy payloads <-> neutral callswitch values. Pure functions, no IO.

Truedy's own documents disagree on spellings (the OpenAPI schema at
https://docs.truedy.ai/api-reference/calls/update-call against the guides at
https://docs.truedy.ai/guides/webhooks), so on input
every documented spelling is accepted:

* status: the OpenAPI schema says ``queued``, ``ringing``, ``in_progress``,
  ``completed``, ``failed``; the guides say ``in-progress``, ``ended``, ``cancelled``.
  ``cancelled`` becomes ``CallStatus.FAILED`` with ``end_reason=CANCELLED``: the call
  never connected, which is what ``failed`` means on every provider (docs/statuses.md);
  the end reason says it was stopped on purpose. The vendor's word stays in
  ``raw_end_reason``.
* numbers: ``to_number``/``to`` and ``from_number``/``from``; ``phone_number`` is the
  destination of an outbound call and the source of an inbound one (schema text), and is
  used only when the direction says which.
* cost: ``cost_usd`` (a JSON number) becomes ``Money(amount, "USD")``; ``cost_credits``
  (Truedy credits, which have no documented USD rate) becomes
  ``Money(amount, CREDITS)`` with the currency ``"credits"``, never mistaken for USD.
  When both are present, USD wins.
* transcript: the call-management guide (https://docs.truedy.ai/guides/call-management)
  documents an ordered list of turns ``{speaker: "agent" | "contact", text, timestamp}``
  where ``contact`` is the person on the call (neutral role ``user``) and ``timestamp``
  is seconds from the start of the call (``Utterance.start``). The OpenAPI schema says
  "structure varies" with the example ``[]``, so other shapes are read too: a string
  becomes one utterance of unknown role (we do not split "Role: text" lines, which no
  document promises); list items that carry ``content`` instead of ``text``, or
  ``role`` instead of ``speaker``, and ``start``/``end`` seconds, are read with the
  word mapped where it is unambiguous [assumption]. Anything else yields no utterances;
  the payload is in ``raw`` either way.
* direction: ``outbound``, ``inbound`` and ``webrtc`` (the guide's list filter); a
  ``webrtc`` call is a web call (``CallKind.WEB``) of unknown direction, since the
  browser participant neither dialled nor was dialled by a number.

Unknown values never raise: they become ``unknown`` members or ``None``, and the whole
call object is kept in ``Call.raw``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callswitch.errors import ProviderError
from callswitch.models import (
    Call,
    CallDirection,
    CallKind,
    CallStatus,
    EndReason,
    Money,
    Sentiment,
    Utterance,
    UtteranceRole,
)
from callswitch.plugin import (
    UtteranceRow,
    call_id_of,
    finite_float,
    iso_to_datetime,
    to_decimal,
    to_timedelta,
    utterances,
    variables_to_strings,
)
from callswitch_truedy import _wire

__all__ = [
    "CREDITS",
    "INFERRED",
    "LIST_STATUS",
    "STATUS_WORDS",
    "parse_status",
    "parse_time",
    "request_id",
    "to_call",
    "unwrap",
    "web_call",
]

PROVIDER = "truedy"

#: The ``Money.currency`` used for Truedy credits (not an ISO 4217 code on purpose).
CREDITS = "credits"

#: Vendor status (lower case, any documented spelling) -> neutral status.
_STATUS: Mapping[str, CallStatus] = {
    _wire.QUEUED: CallStatus.QUEUED,
    _wire.RINGING: CallStatus.RINGING,
    _wire.IN_PROGRESS: CallStatus.ONGOING,
    _wire.IN_PROGRESS_GUIDE: CallStatus.ONGOING,
    _wire.COMPLETED: CallStatus.ENDED,
    _wire.ENDED: CallStatus.ENDED,
    _wire.CANCELLED: CallStatus.FAILED,
    _wire.FAILED: CallStatus.FAILED,
}

#: Neutral status -> the spelling sent as the ``status`` list filter: the list guide's
#: (https://docs.truedy.ai/guides/call-management), not the schema's ``in_progress`` /
#: ``completed``, which are still read in responses.
LIST_STATUS: Mapping[CallStatus, str] = {
    CallStatus.QUEUED: _wire.QUEUED,
    CallStatus.RINGING: _wire.RINGING,
    CallStatus.ONGOING: _wire.IN_PROGRESS_GUIDE,
    CallStatus.ENDED: _wire.ENDED,
    # failed is left out: it also covers "cancelled", so the client filters failed itself.
}

#: The direction of a browser (WebRTC) call.
WEBRTC = "webrtc"

# Lenient enums looked up in dicts: constructing one goes through its _missing_ hook, and
# to_call runs for every call read.
_DIRECTIONS: Mapping[str, CallDirection] = {d.value: d for d in CallDirection}
_SENTIMENTS: Mapping[str, Sentiment] = {s.value: s for s in Sentiment}

_isfinite = math.isfinite

_ROLES: Mapping[str, UtteranceRole] = {
    "agent": UtteranceRole.AGENT,
    "contact": UtteranceRole.USER,  # the documented word for the person on the call
    "assistant": UtteranceRole.AGENT,
    "bot": UtteranceRole.AGENT,
    "user": UtteranceRole.USER,
    "customer": UtteranceRole.USER,
    "caller": UtteranceRole.USER,
    "system": UtteranceRole.SYSTEM,
    "tool": UtteranceRole.TOOL,
}


# ----------------------------------------------------------------------- envelope


def unwrap(body: Any) -> tuple[Any, dict[str, Any]]:
    """``{data, meta, pagination?}`` -> (data, meta). A body without ``data`` is the data."""
    if isinstance(body, dict) and "data" in body:
        meta = body.get("meta")
        return body["data"], meta if isinstance(meta, dict) else {}
    return body, {}


def request_id(meta: Mapping[str, Any]) -> str | None:
    """``meta.request_id`` when it is a string."""
    value = meta.get("request_id")
    return value if isinstance(value, str) and value else None


# ------------------------------------------------------------------------ values


#: Every Truedy status spelling, for the published table (docs/statuses.md).
STATUS_WORDS: tuple[str, ...] = tuple(_STATUS)


#: Why each inferred classification was chosen; ``docs/statuses.md`` marks those rows
#: ``[INF]`` with this text.
INFERRED: Mapping[str, str] = {
    "cancelled": "the guide lists it without a meaning: stopped before it connected",
    "failed": "the schema gives no reason; taken as a call that never connected",
}


def parse_status(value: Any) -> tuple[CallStatus, EndReason | None, str | None]:
    """(status, end_reason, raw_end_reason) for a vendor status value."""
    if not isinstance(value, str):
        return CallStatus.UNKNOWN, None, None
    word = value.strip().lower()
    status = _STATUS.get(word, CallStatus.UNKNOWN)
    if word == "cancelled":
        return status, EndReason.CANCELLED, value
    return status, None, None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 string -> aware UTC datetime (the neutral rule: no offset is UTC)."""
    return iso_to_datetime(value)


def _cost(payload: Mapping[str, Any]) -> Money | None:
    usd = to_decimal(payload.get("cost_usd"))
    if usd is not None:
        return Money(amount=usd, currency="USD")
    credits = to_decimal(payload.get("cost_credits"))
    if credits is not None:
        return Money(amount=credits, currency=CREDITS)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _first_text(payload: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        text = _text(payload.get(key))
        if text is not None:
            return text
    return None


def _utterance(item: Any) -> UtteranceRow | None:
    # Called once per utterance of every call read: the key lookups are written out
    # rather than going through _first_text (same result, about a third less time).
    if isinstance(item, str):
        return {"text": item} if item else None
    if not isinstance(item, dict):
        return None
    text = item.get("text")
    if not isinstance(text, str) or not text:
        text = item.get("content")
        if not isinstance(text, str) or not text:
            return None
    word = item.get("role")
    if not isinstance(word, str) or not word:
        word = item.get("speaker")
    role = UtteranceRole.UNKNOWN
    if isinstance(word, str) and word:
        role = _ROLES.get(word) or _ROLES.get(word.lower(), UtteranceRole.UNKNOWN)
    start = finite_float(item.get("timestamp"))  # documented: seconds from call start
    if start is None:
        start = finite_float(item.get("start"))
    return {"role": role, "text": text, "start": start, "end": finite_float(item.get("end"))}


def _rows(items: list[Any]) -> list[UtteranceRow]:
    """:func:`_utterance` of each item, leaving out the ``None`` s.

    A transcript holds dozens of turns and every call read has one, so the documented
    turn (``role`` as spelled in ``_ROLES``, non-empty ``text``, a float ``timestamp``, no
    ``end``) is read here without a call per turn; any other item goes to
    :func:`_utterance`, which gives the same row for the documented turn.
    """
    rows: list[UtteranceRow] = []
    append, roles, isfinite = rows.append, _ROLES, _isfinite  # locals: read per turn
    for item in items:
        # Subscripts rather than .get(): a missing key, a non-dict item or an unhashable
        # role raises (no cost when nothing does) and sends the item to _utterance.
        try:
            text, start, role = item["text"], item["timestamp"], roles[item["role"]]
        except (KeyError, TypeError):
            pass
        else:
            if (
                type(item) is dict
                and type(text) is str
                and text
                and type(start) is float
                and isfinite(start)
                and "end" not in item
            ):
                append({"role": role, "text": text, "start": start, "end": None})
                continue
        row = _utterance(item)
        if row is not None:
            append(row)
    return rows


def _transcript(value: Any) -> tuple[Utterance, ...]:
    if isinstance(value, str):
        return (Utterance(text=value),) if value.strip() else ()
    if isinstance(value, list):
        return utterances(_rows(value))
    return ()


def _numbers(payload: Mapping[str, Any], direction: CallDirection) -> tuple[str | None, str | None]:
    to_number = _text(payload.get("to_number")) or _text(payload.get("to"))
    from_number = _text(payload.get("from_number")) or _text(payload.get("from"))
    phone = _text(payload.get("phone_number"))
    if phone is not None:
        if direction is CallDirection.OUTBOUND and to_number is None:
            to_number = phone
        elif direction is CallDirection.INBOUND and from_number is None:
            from_number = phone
    return from_number, to_number


# -------------------------------------------------------------------------- call


def to_call(payload: Any) -> Call:
    """A Truedy call object (the envelope's ``data``) -> :class:`Call`."""
    call_id = call_id_of(payload, "id", PROVIDER)
    status, end_reason, raw_end_reason = parse_status(payload.get("status"))
    raw_direction = payload.get("direction")
    word = raw_direction.lower() if isinstance(raw_direction, str) else ""
    direction = _DIRECTIONS.get(word, CallDirection.UNKNOWN)
    from_number, to_number = _numbers(payload, direction)
    sentiment = payload.get("sentiment")
    metadata = payload.get("metadata")
    return Call(
        id=call_id,
        provider=PROVIDER,
        status=status,
        direction=direction,
        kind=CallKind.WEB if word == WEBRTC else CallKind.PHONE,
        agent_id=_text(payload.get("agent_id")),
        from_number=from_number,
        to_number=to_number,
        created_at=iso_to_datetime(payload.get("created_at")),
        started_at=iso_to_datetime(payload.get("started_at")),
        ended_at=iso_to_datetime(payload.get("ended_at")),
        duration=to_timedelta(payload.get("duration_seconds"), unit="s"),
        metadata=metadata if isinstance(metadata, dict) else {},  # copied by pydantic
        variables=variables_to_strings(payload.get("variables")),
        transcript=_transcript(payload.get("transcript")),
        recording_url=_text(payload.get("recording_url")),
        summary=_text(payload.get("summary")) or _text(payload.get("short_summary")),
        sentiment=_SENTIMENTS.get(sentiment, Sentiment.UNKNOWN)
        if isinstance(sentiment, str)
        else None,
        cost=_cost(payload),
        end_reason=end_reason,
        raw_end_reason=raw_end_reason,
        raw=payload,  # copied by pydantic, like every dict field
    )


def web_call(payload: Any, *, agent_id: str, variables: Mapping[str, str] | None) -> Call:
    """The answer of ``POST /webrtc/call`` -> :class:`Call`.

    Truedy answers ``{joinUrl, callId, agentName}`` with no envelope
    (https://docs.truedy.ai/api-reference/webrtc). ``callId`` becomes ``Call.id`` and
    ``joinUrl`` (a single-use WebSocket URL for the Ultravox client SDK, so a credential)
    ``Call.access_token``, hidden from the repr. Nobody has joined yet, so the call is
    reported as queued [assumption], with the agent and variables that were sent.
    """
    data = payload if isinstance(payload, dict) else {}
    call_id = _text(data.get("callId"))
    if call_id is None:
        # The body is not quoted: it may hold the join URL, which is a credential.
        raise ProviderError(
            "POST /webrtc/call answered without a callId; expected {joinUrl, callId, agentName}",
            provider=PROVIDER,
        )
    return Call(
        id=call_id,
        provider=PROVIDER,
        status=CallStatus.QUEUED,
        kind=CallKind.WEB,
        agent_id=agent_id,
        variables=dict(variables or {}),
        access_token=_text(data.get("joinUrl")),
        raw=data,
    )
