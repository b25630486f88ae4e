"""Reading Vapi's bare-array listings and call bodies (sans-IO helpers shared by the
adapter's operations)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from callswitch.errors import ProviderError
from callswitch.plugin import Plan, Request, Response, iso_to_datetime
from callswitch_vapi._mapping import PROVIDER

__all__ = ["Window", "bare_rows", "call_payload", "window_page"]


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
    boundary are thus neither repeated nor lost. Assumes newest-first order and that
    Vapi honours ``limit`` as asked [INF, vendors.md].
    Returns (rows not returned before, next window or None at the end).
    """
    params = dict(base)
    seen: frozenset[str] = frozenset()
    if window is not None:
        params.pop("createdAtLt", None)
        params["createdAtLe"] = window.before
        seen = window.seen
    limit = page_size + len(seen)
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
