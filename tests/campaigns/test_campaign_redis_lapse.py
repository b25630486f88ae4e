"""A lease renewal that comes too late, hangs, or finds a slot gone stops the run with
LeaseLapsedError: other runners may hold those slots while this run's calls are live
(a real redis-server)."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest
import redis.exceptions
from campaign_support import FROM, phone_network, targets

from callswitch import emulators
from callswitch.campaigns import Campaign, RedisLimiter, SQLiteJournal
from callswitch.errors import CallswitchError, LeaseLapsedError

CALL_SECONDS = 4.0


class ScriptedRedisLimiter(RedisLimiter):
    """A real RedisLimiter whose renewals misbehave as ``mode`` says:

    - ``late``: every renewal fails (Redis unreachable) until just before a lease has
      passed since the first slot was asked for; the next one reaches Redis and succeeds.
    - ``hang``: the first renewal works; later ones send a command Redis never answers.
    - ``stolen``: before the first renewal, another runner purges one of our slots and
      takes it, as its acquire does once our lease has lapsed.
    """

    def __init__(self, *args: object, mode: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.mode = mode
        self.attempts = 0
        self.first_ask: float | None = None
        self.reached_redis: list[float] = []

    async def acquire_slot(self, max_concurrent: int) -> str:
        if self.first_ask is None:
            # The campaign's renewal clock starts at (just before) this moment.
            self.first_ask = anyio.current_time()
        return await super().acquire_slot(max_concurrent)

    async def renew(self) -> int:
        self.attempts += 1
        assert self.first_ask is not None
        since = anyio.current_time() - self.first_ask
        if self.mode == "late" and since < self.lease - 0.01:
            raise redis.exceptions.ConnectionError("Connection refused (test)")
        if self.mode == "hang" and self.attempts > 1:
            await self._client().blpop([self.key + ":never"], timeout=0)
        if self.mode == "stolen" and self.attempts == 1:
            live = self.key + ":live"
            await self._client().zrem(live, sorted(self._held)[0])
            await self._client().zadd(live, {"other-runner": time.time() * 1000 + 60_000})
        self.reached_redis.append(since)
        return await super().renew()


def _run(tmp_path: Path, limiter: RedisLimiter) -> tuple[LeaseLapsedError, float]:
    emu = emulators.create("retell")
    campaign = Campaign(
        emu.connect(),
        name="lapse",
        journal=SQLiteJournal(tmp_path / "j.db"),
        max_concurrent=2,
        max_per_second=100.0,
        limiter=limiter,
        from_number=FROM,
        poll_interval=0.05,
    )
    start = time.monotonic()
    with phone_network(emu, 0.01, CALL_SECONDS), pytest.raises(LeaseLapsedError) as caught:
        campaign.run(targets(2))
    return caught.value, time.monotonic() - start


def _says_slots_lapsed(error: LeaseLapsedError) -> None:
    assert isinstance(error, CallswitchError)
    message = str(error)
    assert "leases may have lapsed" in message
    assert "other runners may hold these slots" in message
    assert "redis://" not in message  # the URL (it may carry a password) is never shown


def test_a_renewal_that_succeeds_only_after_the_lease_lapsed_stops_the_run(
    tmp_path: Path, campaign_redis_url: str
) -> None:
    """Lease 1 s: renewals fail (within the lease, so they are retried) until the lease
    is all but over, then one succeeds. It came too late, so the run stops long before
    the 4 s calls end, instead of carrying on as if the slots were still ours."""
    limiter = ScriptedRedisLimiter(
        campaign_redis_url, key="test:lapse-late", lease=1.0, mode="late"
    )
    error, elapsed = _run(tmp_path, limiter)
    _says_slots_lapsed(error)
    assert limiter.attempts >= 3  # retried within the lease first
    assert limiter.reached_redis
    assert limiter.reached_redis[0] >= 0.99
    assert elapsed < CALL_SECONDS - 1.0


def test_a_renewal_that_hangs_is_bounded_by_the_lease(
    tmp_path: Path, campaign_redis_url: str
) -> None:
    """Lease 1 s: the second renewal never gets an answer (no socket timeout). The run
    stops once the lease is over, not when the 4 s calls end."""
    limiter = ScriptedRedisLimiter(
        campaign_redis_url, key="test:lapse-hang", lease=1.0, mode="hang"
    )
    error, elapsed = _run(tmp_path, limiter)
    _says_slots_lapsed(error)
    assert "no answer within the lease" in str(error)
    assert limiter.attempts == 2
    assert elapsed < CALL_SECONDS - 1.0


def test_a_renewal_that_finds_a_slot_gone_stops_the_run(
    tmp_path: Path, campaign_redis_url: str
) -> None:
    """Lease 1 s: before the first renewal another runner took one of our slots. The
    renewal says so, and the run stops at once rather than run a call with no slot."""
    limiter = ScriptedRedisLimiter(
        campaign_redis_url, key="test:lapse-stolen", lease=1.0, mode="stolen"
    )
    error, elapsed = _run(tmp_path, limiter)
    _says_slots_lapsed(error)
    assert "found 1 of this run's slots gone" in str(error)
    assert limiter.attempts == 1
    assert elapsed < CALL_SECONDS - 1.0


def test_renew_counts_only_held_slots_missing_from_redis(campaign_redis_url: str) -> None:
    """RedisLimiter.renew returns how many of its slots Redis no longer has; a slot it
    released is not one of them."""

    async def main() -> None:
        limiter = RedisLimiter(campaign_redis_url, key="test:lapse-count", lease=5)
        other = RedisLimiter(campaign_redis_url, key="test:lapse-count", lease=5)
        first = await limiter.acquire_slot(3)
        second = await limiter.acquire_slot(3)
        assert await limiter.renew() == 0
        await other._client().zrem("test:lapse-count:live", first)
        assert await limiter.renew() == 1
        await limiter.release_slot(second)
        assert await limiter.renew() == 1
        await limiter.aclose()
        await other.aclose()

    anyio.run(main)
