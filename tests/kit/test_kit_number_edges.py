"""_kit's number and time readers: the fast paths give what the general path gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callswitch import _kit


@pytest.mark.parametrize("value", [0, 7, -3, 70, 2**53 + 1, 10**30])
def test_to_decimal_int_is_exact_and_keeps_the_exponent(value: int) -> None:
    amount = _kit.to_decimal(value)
    assert amount == Decimal(str(value))
    assert repr(amount) == repr(Decimal(str(value)))


def test_to_decimal_reads_ints_beyond_the_str_digit_limit() -> None:
    """An int too long for str() (Python's 4300-digit limit) is still a number, not a crash."""
    assert _kit.to_decimal(10**5000) == Decimal(10) ** 5000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.42, Decimal("0.42")),
        ("  3.10 ", Decimal("3.10")),
        (True, None),
        ("-Infinity", None),
        ("1,5", None),
    ],
)
def test_to_decimal_other_types(value: Any, expected: Decimal | None) -> None:
    assert _kit.to_decimal(value) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1500, "ms", timedelta(milliseconds=1500)),
        (1.5, "s", timedelta(seconds=1.5)),
        (0.0005, "ms", timedelta(microseconds=0)),  # rounds like the constructor
        (0, "s", timedelta(0)),
        (-0.0, "s", timedelta(0)),
        (-1, "ms", None),
        (float("inf"), "s", None),
        (float("nan"), "ms", None),
        (False, "s", None),
        ("5", "s", None),
        (10**20, "s", None),  # beyond timedelta's range
    ],
)
def test_to_timedelta(value: Any, unit: Any, expected: timedelta | None) -> None:
    assert _kit.to_timedelta(value, unit=unit) == expected


def test_finite_number_keeps_the_value_and_its_type() -> None:
    assert _kit.finite_number(3) == 3
    assert type(_kit.finite_number(3)) is int
    assert _kit.finite_number(2.5) == 2.5
    assert _kit.finite_number(False) is None


def test_iso_to_datetime_utc_suffixes_are_utc() -> None:
    for text in ("2026-04-05T10:00:00Z", "2026-04-05T10:00:00+00:00", " 2026-04-05T10:00:00Z "):
        when = _kit.iso_to_datetime(text)
        assert when == datetime(2026, 4, 5, 10, tzinfo=UTC)
        assert when is not None
        assert when.tzinfo is UTC
    east = _kit.iso_to_datetime("2026-04-05T12:00:00+02:00")
    assert east is not None
    assert east.tzinfo is UTC
    assert east.hour == 10
    assert _kit.iso_to_datetime("2026-04-05T10:00:00") == datetime(2026, 4, 5, 10, tzinfo=UTC)


@given(st.integers(min_value=0, max_value=10**20), st.sampled_from(["s", "ms"]))
def test_to_timedelta_of_an_int_matches_the_constructor(value: int, unit: Any) -> None:
    try:
        expected = timedelta(seconds=value) if unit == "s" else timedelta(milliseconds=value)
    except OverflowError:
        expected = None
    assert _kit.to_timedelta(value, unit=unit) == expected
    try:
        expected_when = None if expected is None else datetime(1970, 1, 1, tzinfo=UTC) + expected
    except OverflowError:
        expected_when = None
    assert _kit.epoch_to_datetime(value, unit=unit) == expected_when
    if value < 2**53:  # exact as a float as well: the float path must agree
        assert _kit.epoch_to_datetime(float(value), unit=unit) == expected_when


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        (2.5, 2.5),
        (-1, -1.0),
        (10**400, None),
        (True, None),
        (float("nan"), None),
        ("1", None),
    ],
)
def test_finite_float(value: Any, expected: float | None) -> None:
    got = _kit.finite_float(value)
    assert got == expected
    if expected is not None:
        assert type(got) is float
