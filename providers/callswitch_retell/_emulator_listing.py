"""List-calls in the Retell emulator: filter criteria, sort order, pages and cursors.

``POST /v3/list-calls`` pages with an opaque ``pagination_key``; the legacy
``/v2/list-calls`` with the id of the last call seen (``retell-sdk`` 6.2.13,
``retell/types/call_list_params.py``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from callswitch_retell._emulator_checks import BadRequest
from callswitch_retell._wire import MAX_PAGE_SIZE

__all__ = ["encode_cursor", "matches", "select_page"]


def select_page(
    records: Iterable[dict[str, Any]],
    body: Mapping[str, Any],
    sort_key: Callable[[Mapping[str, Any]], Any],
    *,
    legacy: bool,
) -> tuple[list[Any], Any]:
    """The page of ``records`` a list-calls ``body`` asks for, and ``(has_more, total)``."""
    order = body.get("sort_order", "descending")
    if order not in ("ascending", "descending"):
        raise BadRequest("sort_order must be ascending or descending.")
    limit = body.get("limit", 50)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}.")
    key, skip = body.get("pagination_key"), body.get("skip")
    if key is not None and skip is not None:
        raise BadRequest("Use either pagination_key or skip, not both.")
    if skip is not None and (not isinstance(skip, int) or skip < 0):
        raise BadRequest("skip must be a non-negative integer.")
    criteria = body.get("filter_criteria") or {}
    if not isinstance(criteria, dict):
        raise BadRequest("filter_criteria must be an object.")
    calls = [c for c in records if matches(c, criteria)]
    calls.sort(key=sort_key, reverse=order == "descending")
    total = len(calls)
    start = skip or 0
    if key is not None:
        start = _after(calls, key, legacy=legacy)
    page = calls[start : start + limit]
    items = [dict(c) for c in page]
    more = start + limit < total
    return items, (more, total)


def encode_cursor(call_id: str) -> str:
    """The v3 ``pagination_key`` that continues after ``call_id``."""
    cursor = json.dumps({"after": call_id}).encode()
    return base64.urlsafe_b64encode(cursor).decode()


def _after(calls: list[dict[str, Any]], key: Any, *, legacy: bool) -> int:
    if not isinstance(key, str):
        raise BadRequest("pagination_key must be a string.")
    call_id = key
    if not legacy:
        try:
            call_id = json.loads(base64.urlsafe_b64decode(key.encode()))["after"]
        except (ValueError, KeyError, TypeError):
            raise BadRequest("pagination_key is invalid.") from None
    for index, call in enumerate(calls):
        if call["call_id"] == call_id:
            return index + 1
    raise BadRequest("pagination_key is invalid or expired.")


_ENUM_FILTERS = {
    "call_status": "call_status",
    "call_type": "call_type",
    "direction": "direction",
    "data_storage_setting": "data_storage_setting",
    "disconnection_reason": "disconnection_reason",
}
_NUMBER_FILTERS = ("start_timestamp", "end_timestamp", "duration_ms")
_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def matches(call: Mapping[str, Any], criteria: Mapping[str, Any]) -> bool:
    for name, rule in criteria.items():
        if name == "agent":
            wanted = {a.get("agent_id") for a in rule if isinstance(a, dict)}
            if call.get("agent_id") not in wanted:
                return False
        elif name in _ENUM_FILTERS:
            if not isinstance(rule, dict) or rule.get("op") != "in":
                raise BadRequest(f"filter_criteria.{name} must be {{op: in, value: [...]}}.")
            if call.get(_ENUM_FILTERS[name]) not in rule.get("value", []):
                return False
        elif name in _NUMBER_FILTERS:
            value = call.get(name)
            if not isinstance(rule, dict) or value is None:
                return False
            if rule.get("op") == "bt":
                low, high = rule.get("value", [None, None])
                if not low <= value <= high:
                    return False
            elif rule.get("op") in _COMPARE:
                if not _COMPARE[rule["op"]](value, rule.get("value")):
                    return False
            else:
                raise BadRequest(f"filter_criteria.{name} has an unknown op.")
        else:
            raise BadRequest(
                f"filter_criteria.{name} is not modeled by the callswitch emulator "
                "(supported: agent, call_status, call_type, direction, data_storage_setting, "
                "disconnection_reason, start_timestamp, end_timestamp, duration_ms)."
            )
    return True
