"""Vapi wire facts that the adapter and the emulator both rely on, and reading Vapi's
bare-array listings and call bodies (sans-IO helpers shared by the adapter's operations).

Source: ``vapi-server-sdk`` 3.0.0 (``vapi/calls/raw_client.py``,
``vapi/phone_numbers/raw_client.py``, ``vapi/types/call_status.py``,
``vapi/types/call_ended_reason.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from callswitch.errors import ProviderError
from callswitch.plugin import Plan, Request, Response, iso_to_datetime

__all__ = [
    "ASSISTANT_ENDED_CALL",
    "ASSISTANT_ENDED_CALL_AFTER_MESSAGE_SPOKEN",
    "ASSISTANT_FORWARDED_CALL",
    "CALL",
    "CALLS",
    "CUSTOMER_DID_NOT_ANSWER",
    "CUSTOMER_ENDED_CALL",
    "ENDED",
    "FORWARDING",
    "IN_PROGRESS",
    "MAX_PAGE_SIZE",
    "PHONE_NUMBER",
    "PHONE_NUMBERS",
    "PHONE_NUMBER_SEARCH",
    "PROVIDER",
    "QUEUED",
    "RINGING",
    "SCHEDULED",
    "Window",
    "bare_rows",
    "call_payload",
    "window_page",
]

PROVIDER = "vapi"

# ------------------------------------------------------------------------- request paths
# ``{call_id}`` / ``{number_id}`` are filled with ``format``.
#: ``GET`` lists calls (a bare array), ``POST`` creates one.
CALLS = "/call"
#: ``GET`` reads, ``PATCH`` updates and ``DELETE`` deletes a call.
CALL = "/call/{call_id}"
#: ``GET`` lists the account's phone numbers (a bare array).
PHONE_NUMBERS = "/phone-number"
#: ``GET`` reads one phone number.
PHONE_NUMBER = "/phone-number/{number_id}"
#: ``GET`` searches phone numbers, paginated (``phone_number_controller_find_all_paginated``).
PHONE_NUMBER_SEARCH = "/v2/phone-number"

#: The largest ``limit`` one listing request asks for: the emulator refuses more, and the
#: adapter never sends more (a larger page size is clamped to it). The SDK only says the
#: default is 100; the cap is an assumption [INF].
MAX_PAGE_SIZE = 1000

# ------------------------------------------------------------------------ status spellings
# ``status`` of a call (``types/call_status.py``; not-found and deletion-failed say
# nothing about the call's life cycle and are left out).
SCHEDULED = "scheduled"
QUEUED = "queued"
RINGING = "ringing"
IN_PROGRESS = "in-progress"
FORWARDING = "forwarding"
ENDED = "ended"

# ``endedReason`` values the emulator writes (all in ``types/call_ended_reason.py``).
CUSTOMER_ENDED_CALL = "customer-ended-call"
CUSTOMER_DID_NOT_ANSWER = "customer-did-not-answer"
ASSISTANT_ENDED_CALL = "assistant-ended-call"
ASSISTANT_ENDED_CALL_AFTER_MESSAGE_SPOKEN = "assistant-ended-call-after-message-spoken"
ASSISTANT_FORWARDED_CALL = "assistant-forwarded-call"


@attrs.frozen
class Window:
    """Listing cursor: the next page holds items created at or before ``before``, minus
    the ids already returned that were created exactly at ``before``."""

    before: str
    at: datetime
    seen: frozenset[str]


def bare_rows(response: Response) -> list[dict[str, Any]]:
    data = response.json()
    if not isinstance(data, list):
        raise ProviderError(
            f"expected a JSON array of calls, got {type(data).__name__}",
            provider=PROVIDER,
            status_code=response.status_code,
            body=response.text[:2000],
        )
    return [row for row in data if isinstance(row, dict)]


def call_payload(response: Response) -> dict[str, Any]:
    data = response.json_object()
    if not data.get("id") and isinstance(data.get("results"), list) and data["results"]:
        # CreateCallsResponse may be a CallBatchResponse {results: [Call], errors: [...]}.
        first = data["results"][0]
        data = first if isinstance(first, dict) else data
    if not isinstance(data.get("id"), str) or not data["id"]:
        raise ProviderError(
            "the response has no call id",
            provider=PROVIDER,
            status_code=response.status_code,
            body=response.text[:2000],
        )
    return data


def window_page(
    path: str,
    base: Mapping[str, str | int | float | bool],
    page_size: int,
    window: Window | None,
    operation: str,
) -> Plan[tuple[list[dict[str, Any]], Window | None]]:
    """One GET of a bare-array listing by a moving createdAt window.

    Vapi sends no cursor, so the next page asks for ``createdAtLe`` the oldest
    ``createdAt`` seen, with ``limit`` raised by the number of ids already returned at
    that instant; those ids are skipped. Calls sharing a timestamp across a page
    boundary are thus neither repeated nor lost. ``limit`` never exceeds
    :data:`MAX_PAGE_SIZE`; a crowd of that many calls at one instant cannot be paged past
    (ProviderError). Assumes newest-first order and that Vapi honours ``limit`` as asked
    [INF].
    Returns (rows not returned before, next window or None at the end).
    """
    params = dict(base)
    seen: frozenset[str] = frozenset()
    if window is not None:
        if len(window.seen) >= MAX_PAGE_SIZE:
            # Every row of a full page would be one already returned: no way forward.
            raise ProviderError(
                f"cannot page further: at least {len(window.seen)} calls were created at "
                f"{window.before}, and one GET /call returns at most {MAX_PAGE_SIZE}; "
                "narrow the listing with created_after / created_before",
                provider=PROVIDER,
            )
        params.pop("createdAtLt", None)
        params["createdAtLe"] = window.before
        seen = window.seen
    limit = min(max(1, page_size) + len(seen), MAX_PAGE_SIZE)
    params["limit"] = limit
    response = yield Request("GET", path, params=params, operation=operation)
    rows = bare_rows(response)
    fresh = [row for row in rows if row.get("id") not in seen]
    if len(rows) < limit:
        return fresh, None
    stamped = [(iso_to_datetime(row.get("createdAt")), row) for row in rows]
    dated = [(at, row) for at, row in stamped if at is not None]
    if not dated:
        raise ProviderError(
            "cannot page further: the listed items have no createdAt",
            provider=PROVIDER,
            status_code=response.status_code,
            body=response.text[:2000],
        )
    oldest, oldest_row = min(dated, key=lambda pair: pair[0])
    at_oldest = {str(row.get("id")) for at, row in dated if at == oldest}
    if window is not None and window.at == oldest:
        at_oldest |= window.seen
    nxt = Window(str(oldest_row["createdAt"]), oldest, frozenset(at_oldest))
    return fresh, nxt
