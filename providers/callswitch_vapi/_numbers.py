"""Vapi phone numbers: from an E.164 number to the id ``POST /call`` needs (sans-IO)."""

from __future__ import annotations

from callswitch._kit import LruCache
from callswitch.errors import InvalidRequestError
from callswitch.http import Plan
from callswitch_vapi._wire import Window, window_page

__all__ = ["PHONE_ID_CACHE_SIZE", "PhoneNumbersMixin"]

#: E.164 number -> phone number id, remembered per adapter.
PHONE_ID_CACHE_SIZE = 256


class PhoneNumbersMixin:
    """Looks up the adapter's phone numbers, cached per client."""

    _phone_ids: LruCache[str, str]

    def _phone_number_id(self, number: str) -> Plan[str]:
        known = self._phone_ids.get(number)
        if known is not None:
            return known
        window: Window | None = None
        while True:
            fresh, window = yield from window_page(
                "/phone-number", {}, 100, window, "calls.create_phone"
            )
            found: dict[str, str] = {}
            for row in fresh:
                if isinstance(row.get("number"), str) and isinstance(row.get("id"), str):
                    found[row["number"]] = row["id"]
            self._phone_ids.update(found)
            if number in found:
                return found[number]
            if window is None:
                raise InvalidRequestError(
                    f"vapi has no phone number {number} in this account (GET /phone-number); "
                    "import it in Vapi first, or pass its phone number id as from_number. "
                    "No call was created"
                )
