"""De-duplication for at-least-once delivery: atomic, bounded, thread-safe."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from callswitch.errors import InvalidRequestError
from callswitch.webhooks import Deduplicator, MemoryDeduplicator


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_first_offer_is_new_then_seen() -> None:
    dedup = MemoryDeduplicator()
    assert isinstance(dedup, Deduplicator)
    assert dedup.seen("retell:e1") is False
    assert dedup.seen("retell:e1") is True
    assert dedup.seen("vapi:e1") is False
    assert len(dedup) == 2


def test_forget_lets_a_redelivery_through() -> None:
    """After a failed handler forgets the key, the vendor's retry is processed."""
    dedup = MemoryDeduplicator()
    assert dedup.seen("k") is False
    dedup.forget("k")
    dedup.forget("never-seen")  # no error
    assert dedup.seen("k") is False


def test_keys_expire_after_ttl() -> None:
    clock = FakeClock()
    dedup = MemoryDeduplicator(ttl=timedelta(seconds=60), clock=clock)
    assert dedup.seen("a") is False
    clock.now += 30
    assert dedup.seen("b") is False
    assert dedup.seen("a") is True  # a duplicate does not extend the first-seen window
    clock.now += 30
    assert len(dedup) == 1  # "a" expired at exactly 60 s
    assert dedup.seen("a") is False
    assert dedup.seen("b") is True


def test_size_is_bounded_oldest_evicted_first() -> None:
    dedup = MemoryDeduplicator(max_size=3)
    for key in "abcd":
        assert dedup.seen(key) is False
    assert len(dedup) == 3
    assert dedup.seen("a") is False  # evicted, so new again (and "b" is now evicted)
    assert dedup.seen("c") is True
    assert dedup.seen("d") is True


@pytest.mark.parametrize("kwargs", [{"ttl": 0}, {"ttl": timedelta(seconds=-1)}, {"max_size": 0}])
def test_bad_bounds_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError):
        MemoryDeduplicator(**kwargs)  # type: ignore[arg-type]


def test_exactly_one_thread_wins_each_key() -> None:
    """16 threads offer the same 500 keys at once: every key is new exactly once."""
    dedup = MemoryDeduplicator()
    keys = [f"truedy:evt_{i}" for i in range(500)]
    wins: list[str] = []
    wins_lock = threading.Lock()
    start = threading.Barrier(16)

    def worker() -> None:
        start.wait()
        mine = [k for k in keys if not dedup.seen(k)]
        with wins_lock:
            wins.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted(keys)
    assert len(dedup) == 500
