"""callswitch._kit: the vendor-neutral conversions every adapter uses."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from callswitch import _kit
from callswitch.capabilities import CONTROL_FIELDS, UPDATE_FIELDS
from callswitch.errors import InvalidRequestError, UnsupportedCapabilityError
from callswitch.models import CallDirection, CallStatus
from callswitch.registry import default_registry


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"s": "x"}, {"s": "x"}),
        ({"z": None}, {}),
        ({"b": False, "n": 1.5}, {"b": "false", "n": "1.5"}),
        ({"o": {"y": [1, None], "x": "é"}}, {"o": '{"x":"é","y":[1,null]}'}),
        ({"": "no name", 3: "not a str name"}, {}),
        ("not a mapping", {}),
        (None, {}),
    ],
)
def test_variables_to_strings(value: Any, expected: dict[str, str]) -> None:
    assert _kit.variables_to_strings(value) == expected


def test_iso_to_datetime() -> None:
    assert _kit.iso_to_datetime("2026-04-05T12:00:00+02:00") == datetime(2026, 4, 5, 10, tzinfo=UTC)
    assert _kit.iso_to_datetime("2026-04-05T10:00:00") == datetime(2026, 4, 5, 10, tzinfo=UTC)
    assert _kit.iso_to_datetime("2026-04-05T10:00:00Z").tzinfo is UTC  # type: ignore[union-attr]
    for bad in ("", "yesterday", 1712311200, None, True):
        assert _kit.iso_to_datetime(bad) is None


def test_epoch_to_datetime_is_exact_and_guarded() -> None:
    assert _kit.epoch_to_datetime(1_714_564_800_123, unit="ms") == datetime(
        2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC
    )
    assert _kit.epoch_to_datetime(1_714_564_800, unit="s") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    for bad in (-1, float("nan"), float("inf"), True, "1714564800", 1e30):
        assert _kit.epoch_to_datetime(bad, unit="s") is None


@pytest.mark.parametrize("value", [True, float("nan"), float("-inf"), "1", None])
def test_finite_number_refuses(value: Any) -> None:
    assert _kit.finite_number(value) is None


def test_to_decimal_and_timedelta() -> None:
    assert _kit.to_decimal(0.42) == Decimal("0.42")
    assert _kit.to_decimal(" 1.50 ") == Decimal("1.50")
    assert _kit.to_decimal("NaN") is None
    assert _kit.to_decimal(False) is None
    assert _kit.to_timedelta(1500, unit="ms") == timedelta(seconds=1.5)
    assert _kit.to_timedelta(-1, unit="s") is None


def test_list_filters_normalise() -> None:
    east = timezone(timedelta(hours=2))
    checked = _kit.list_filters(
        {
            "status": ["ended", CallStatus.FAILED, "ended"],
            "direction": "inbound",
            "agent_id": ("a", "b"),
            "created_after": datetime(2026, 1, 1, 2, tzinfo=east),
            "created_before": "2026-02-01T00:00:00Z",
        }
    )
    assert checked.statuses == (CallStatus.ENDED, CallStatus.FAILED)
    assert checked.directions == (CallDirection.INBOUND,)
    assert checked.agent_ids == ("a", "b")
    assert checked.created_after == datetime(2026, 1, 1, tzinfo=UTC)
    assert checked.created_before == datetime(2026, 2, 1, tzinfo=UTC)
    assert _kit.list_filters({"status": None}) == _kit.ListFilters()


def test_list_filters_refuse_unknown_names() -> None:
    with pytest.raises(InvalidRequestError, match="cannot filter by colour"):
        _kit.list_filters({"colour": "red"})


def test_applied_capabilities_follow_the_declarations() -> None:
    caps = default_registry().get("vapi").capabilities
    assert _kit.applied_capabilities("vapi", ("name",), caps, UPDATE_FIELDS) == ("update.name",)
    assert _kit.applied_capabilities("vapi", ("inject_context", "say"), caps, CONTROL_FIELDS) == (
        "control.inject_context",
        "control.say",
    )
    with pytest.raises(UnsupportedCapabilityError, match="update.metadata"):
        _kit.applied_capabilities("vapi", ("name", "metadata"), caps, UPDATE_FIELDS)


def test_lru_cache_keeps_the_most_recently_used() -> None:
    cache: _kit.LruCache[str, int] = _kit.LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    cache.update({"d": 4, "e": 5})
    assert len(cache) == 2
    cache.pop("e")
    cache.pop("missing")
    assert (cache.get("d"), cache.get("e")) == (4, None)
    with pytest.raises(ValueError, match="at least 1"):
        _kit.LruCache(0)


def test_lru_cache_stays_bounded_across_threads() -> None:
    cache: _kit.LruCache[int, int] = _kit.LruCache(64)

    def work(base: int) -> None:
        for n in range(2_000):
            cache.put(base + n, n)
            cache.get(base + n // 2)

    threads = [threading.Thread(target=work, args=(i * 10_000,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 64
