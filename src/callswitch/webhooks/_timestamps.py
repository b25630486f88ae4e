"""Signed and body timestamps: parsing and the freshness check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callswitch._kit import iso_to_datetime
from callswitch.errors import InvalidSignatureError

__all__ = ["check_freshness", "event_time", "parse_timestamp"]

#: Numbers above this are read as epoch milliseconds, below as epoch seconds (1e11 s is
#: the year 5138; 1e11 ms is 1973), for vendors that do not say which they send.
_MS_THRESHOLD = 1e11


def parse_timestamp(value: str | float) -> datetime:
    """A timestamp: epoch seconds, epoch milliseconds or ISO 8601 -> aware UTC.

    Raises ``ValueError`` when it is none of these. An ISO value without an offset is
    read as UTC. Numbers above 1e11 are read as milliseconds.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        value = repr(value)
    text = value.strip()
    if not text:
        raise ValueError("empty timestamp")
    number: float | None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if number != number or number in (float("inf"), float("-inf")) or number < 0:
            raise ValueError(f"not a usable epoch time: {value!r}")
        seconds = number / 1000.0 if number > _MS_THRESHOLD else number
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError):
            raise ValueError(f"not a usable epoch time: {value!r}") from None
    when = iso_to_datetime(text)
    if when is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return when


def event_time(value: Any) -> datetime | None:
    """A time a vendor put in a webhook body (epoch seconds or milliseconds, or ISO 8601,
    as :func:`parse_timestamp` reads them), or ``None`` when it is none of these."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return parse_timestamp(value)
        except (ValueError, OverflowError, OSError):
            return None
    return None


def check_freshness(signed_at: datetime, *, now: float, tolerance: float, provider: str) -> None:
    """Refuse a signature more than ``tolerance`` seconds older or newer than ``now``."""
    # Datetime arithmetic is exact to the microsecond, so a signature exactly at the
    # tolerance is accepted (as the vendors' own checks do) without float rounding.
    delta = (signed_at - datetime.fromtimestamp(now, UTC)).total_seconds()
    if delta < -tolerance:
        raise InvalidSignatureError(
            f"{provider} webhook signature is stale: signed {-delta:.0f} s ago, more than the "
            f"{tolerance:.0f} s tolerance. A replayed request, or this server's clock is off"
        )
    if delta > tolerance:
        raise InvalidSignatureError(
            f"{provider} webhook signature is dated {delta:.0f} s in the future, beyond the "
            f"{tolerance:.0f} s tolerance. Check this server's clock"
        )
