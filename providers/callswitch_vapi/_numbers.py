"""Vapi phone numbers, both ways (sans-IO).

* An E.164 ``from_number`` -> the id ``POST /call`` needs: one
  ``GET /v2/phone-number?search=<number>`` (a partial, case-insensitive match on name,
  number or SIP URI, answering ``{results: [...], metadata: {...}}``; vapi-server-sdk
  3.0.0 ``phone_numbers/raw_client.py``, ``phone_number_controller_find_all_paginated``).
  Only a result whose ``number`` is exactly the one asked for counts.
* A call's ``phoneNumberId`` -> its number, for ``Call.from_number``: a call placed with
  ``phoneNumberId`` carries no number in its record, so ``get`` and ``list`` ask
  ``GET /phone-number/{id}`` once per id per client.

Both directions are cached per adapter (that is, per client) in bounded LRU caches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from callswitch.errors import InvalidRequestError, NotFoundError
from callswitch.plugin import LruCache, Plan, Request
from callswitch_vapi._wire import PHONE_NUMBER, PHONE_NUMBER_SEARCH

__all__ = ["PHONE_ID_CACHE_SIZE", "PhoneNumbersMixin", "number_id_of"]

#: Phone numbers remembered per adapter, in each direction (number -> id, id -> number).
PHONE_ID_CACHE_SIZE = 256
#: Results asked of one search; the exact number is among them unless more than this many
#: of the account's numbers contain it (names and SIP URIs included).
_SEARCH_LIMIT = 100
#: A phone number id that needs no escaping in a URL path (Vapi's are UUIDs).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._~-]+$")
#: What the id -> number cache holds for an id Vapi answered 404 for.
_ABSENT = ""


def number_id_of(payload: Mapping[str, Any]) -> str | None:
    """The ``phoneNumberId`` of a phone call whose record has no ``phoneNumber.number``."""
    if payload.get("type") not in ("inboundPhoneCall", "outboundPhoneCall"):
        return None
    transient = payload.get("phoneNumber")
    if isinstance(transient, dict) and isinstance(transient.get("number"), str):
        return None
    number_id = payload.get("phoneNumberId")
    return number_id if isinstance(number_id, str) and number_id else None


class PhoneNumbersMixin:
    """Looks up the adapter's phone numbers, cached per client."""

    _phone_ids: LruCache[str, str]
    _phone_numbers: LruCache[str, str]

    def _learn(self, number_id: str, number: str) -> None:
        self._phone_ids.put(number, number_id)
        self._phone_numbers.put(number_id, number)

    def _known_number(self, payload: Mapping[str, Any]) -> str | None:
        """The call's number if this client already knows it (no request)."""
        number_id = number_id_of(payload)
        return self._phone_numbers.get(number_id) or None if number_id else None

    def _phone_number_id(self, number: str) -> Plan[str]:
        known = self._phone_ids.get(number)
        if known is not None:
            return known
        response = yield Request(
            "GET",
            PHONE_NUMBER_SEARCH,
            params={"search": number, "limit": _SEARCH_LIMIT},
            operation="calls.create_phone",
        )
        data = response.json_object()
        results = data.get("results")
        for row in results if isinstance(results, list) else ():
            exact = isinstance(row, dict) and row.get("number") == number
            if exact and isinstance(row.get("id"), str):
                self._learn(row["id"], number)
                return str(row["id"])
        raise InvalidRequestError(
            f"vapi has no phone number {number} in this account (GET /v2/phone-number); "
            "import it in Vapi first, or pass its phone number id as from_number. "
            "No call was created"
        )

    def _numbers_of(
        self, payloads: Iterable[Mapping[str, Any]], operation: str
    ) -> Plan[dict[str, str]]:
        """Number id -> number for the calls that need one: cached ids cost nothing,
        each other id one ``GET /phone-number/{id}``. An id Vapi no longer knows (404)
        is remembered as having no number."""
        out: dict[str, str] = {}
        for payload in payloads:
            number_id = number_id_of(payload)
            if number_id is None or number_id in out:
                continue
            number = self._phone_numbers.get(number_id)
            if number is None:
                number = yield from self._fetch_number(number_id, operation)
            if number:
                out[number_id] = number
        return out

    def _fetch_number(self, number_id: str, operation: str) -> Plan[str]:
        if not _SAFE_ID.match(number_id) or number_id in {".", ".."}:
            return _ABSENT  # not an id we can put in a path; leave the number unknown
        try:
            response = yield Request(
                "GET", PHONE_NUMBER.format(number_id=number_id), operation=operation
            )
        except NotFoundError:
            self._phone_numbers.put(number_id, _ABSENT)
            return _ABSENT
        number = response.json_object().get("number")
        if not isinstance(number, str) or not number:
            self._phone_numbers.put(number_id, _ABSENT)
            return _ABSENT
        self._learn(number_id, number)
        return number
