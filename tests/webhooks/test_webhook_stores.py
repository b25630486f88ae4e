"""Store semantics, the same for MemoryStore, SQLiteStore and RedisStore (a real server):
claim, busy, done, release, lease expiry, retention, and tokens that only touch their own
claim."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from callswitch.errors import InvalidRequestError
from callswitch.webhooks import ClaimStatus, MemoryStore, RedisStore, SQLiteStore, Store


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "sqlite", "redis"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


_OPEN: list[SQLiteStore | RedisStore] = []


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def make(kind: str, tmp_path: Path, redis_url: str, clock: Clock, retention: float) -> Store:
    if kind == "memory":
        return MemoryStore(retention=retention, clock=clock)
    store: SQLiteStore | RedisStore
    if kind == "sqlite":
        store = SQLiteStore(tmp_path / "events.db", retention=retention, clock=clock)
    else:
        store = RedisStore(redis_url, retention=retention, prefix=f"t{time.monotonic_ns()}:")
    _OPEN.append(store)
    return store


def advance(kind: str, clock: Clock, seconds: float) -> None:
    """Move time on: the injected clock, or (Redis keeps its own time) really wait."""
    clock.now += seconds
    if kind == "redis":
        time.sleep(seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_claim_busy_complete_done(kind: str, tmp_path: Path, redis_url: str, clock: Clock) -> None:
    """First claim wins; a second is BUSY with a retry_after; after complete, DONE."""
    store = make(kind, tmp_path, redis_url, clock, 60)
    first = store.claim("retell:e1", 30)
    assert first.status is ClaimStatus.CLAIMED
    assert first.token
    busy = store.claim("retell:e1", 30)
    assert busy.status is ClaimStatus.BUSY
    assert busy.retry_after is not None
    assert 0 < busy.retry_after <= 30
    assert store.complete("retell:e1", first.token) is True
    assert store.claim("retell:e1", 30).status is ClaimStatus.DONE
    assert store.claim("retell:e2", 30).status is ClaimStatus.CLAIMED


def test_release_lets_the_next_delivery_claim(
    kind: str, tmp_path: Path, redis_url: str, clock: Clock
) -> None:
    """A released claim is claimable at once; a wrong token releases nothing."""
    store = make(kind, tmp_path, redis_url, clock, 60)
    first = store.claim("k", 30)
    assert first.token
    store.release("k", "not-the-token")
    assert store.claim("k", 30).status is ClaimStatus.BUSY
    store.release("k", first.token)
    again = store.claim("k", 30)
    assert again.status is ClaimStatus.CLAIMED
    assert again.token != first.token


def test_lease_expiry_and_stale_token(
    kind: str, tmp_path: Path, redis_url: str, clock: Clock
) -> None:
    """A dead worker's claim lapses after its lease; its late complete() is refused."""
    store = make(kind, tmp_path, redis_url, clock, 60)
    dead = store.claim("k", 0.3)
    assert dead.token
    advance(kind, clock, 0.4)
    taken = store.claim("k", 30)
    assert taken.status is ClaimStatus.CLAIMED
    assert taken.token
    assert store.complete("k", dead.token) is False
    store.release("k", dead.token)  # no effect on the live claim
    assert store.claim("k", 30).status is ClaimStatus.BUSY
    assert store.complete("k", taken.token) is True


def test_retention_forgets_done_keys(
    kind: str, tmp_path: Path, redis_url: str, clock: Clock
) -> None:
    """Done keys are remembered for the retention, then forgotten."""
    store = make(kind, tmp_path, redis_url, clock, 0.3)
    claim = store.claim("k", 30)
    assert claim.token
    assert store.complete("k", claim.token)
    assert store.claim("k", 30).status is ClaimStatus.DONE
    advance(kind, clock, 0.4)
    assert store.claim("k", 30).status is ClaimStatus.CLAIMED


def test_concurrent_claims_one_winner(kind: str, tmp_path: Path, redis_url: str) -> None:
    """16 threads (SQLite: one connection each) claim the same keys: one winner per key."""
    store = make(kind, tmp_path, redis_url, Clock(), 60)
    if isinstance(store, MemoryStore | SQLiteStore):  # the real clock for this one
        store = MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / "threads.db")
    wins: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def worker() -> None:
        barrier.wait()
        for n in range(50):
            if store.claim(f"key-{n}", 30).status is ClaimStatus.CLAIMED:
                with lock:
                    wins.append(f"key-{n}")

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted(f"key-{n}" for n in range(50))


def test_bad_arguments_are_invalid_request(tmp_path: Path) -> None:
    """Non-positive or infinite lease/retention, :memory: and bad URLs are refused clearly."""
    with pytest.raises(InvalidRequestError, match="retention"):
        MemoryStore(retention=0)
    with pytest.raises(InvalidRequestError, match="lease"):
        MemoryStore().claim("k", float("inf"))
    with pytest.raises(InvalidRequestError, match="MemoryStore"):
        SQLiteStore(":memory:")
    with pytest.raises(InvalidRequestError, match="redis://"):
        RedisStore("http://example.invalid/0")
    with pytest.raises(InvalidRequestError, match="writable"):
        SQLiteStore(tmp_path / "missing-dir" / "x.db")


def test_redis_url_password_never_shown() -> None:
    """The URL's password is not in the store's repr."""
    store = RedisStore("redis://:hunter2-password@127.0.0.1:1/0")
    _OPEN.append(store)
    assert "hunter2" not in repr(store)
    assert "127.0.0.1" in repr(store)
