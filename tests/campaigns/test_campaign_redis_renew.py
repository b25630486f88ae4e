"""A RedisLimiter renewal that fails for a moment is retried, not the end of the run; one
that fails until the leases may have lapsed stops the run (a real redis-server)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis.exceptions
from campaign_support import FROM, max_overlap, phone_network, retell_live_intervals, targets

from callswitch import emulators
from callswitch.campaigns import Campaign, RedisLimiter, SQLiteJournal


class FlakyRedisLimiter(RedisLimiter):
    """A real RedisLimiter whose first ``failures`` renewals fail as if Redis had gone
    away for a moment (negative: every renewal fails)."""

    def __init__(self, *args: object, failures: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.failures = failures
        self.attempts = 0

    async def renew(self) -> None:
        self.attempts += 1
        if self.failures < 0 or self.attempts <= self.failures:
            raise redis.exceptions.ConnectionError("Connection refused (test)")
        await super().renew()


def _campaign(tmp_path: Path, url: str, limiter: RedisLimiter) -> Campaign:
    emu = emulators.create("retell")
    campaign = Campaign(
        emu.connect(),
        name="renew",
        journal=SQLiteJournal(tmp_path / "j.db"),
        max_concurrent=2,
        max_per_second=100.0,
        limiter=limiter,
        from_number=FROM,
        poll_interval=0.05,
    )
    campaign.emu = emu  # type: ignore[attr-defined]
    return campaign


def test_a_failed_renewal_is_retried_and_the_run_goes_on(
    tmp_path: Path, campaign_redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Leases of 1.5 s renewed every 0.5 s, calls of 2 s: the first two renewals fail,
    the next succeed; every row ends, the limit held, and each failure was logged."""
    limiter = FlakyRedisLimiter(campaign_redis_url, key="test:renew-ok", lease=1.5, failures=2)
    campaign = _campaign(tmp_path, campaign_redis_url, limiter)
    emu = campaign.emu  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, "callswitch.campaigns"), phone_network(emu, 0.01, 2.0):
        report = campaign.run(targets(4))
    assert report.counts == {"ended": 4, "failed": 0, "unknown": 0, "refused": 0}
    assert limiter.attempts > 2
    assert max_overlap(retell_live_intervals(emu)) <= 2
    failed = [r for r in caplog.records if "renewing the limiter's leases failed" in r.message]
    assert len(failed) == 2


def test_renewals_failing_past_the_lease_stop_the_run(
    tmp_path: Path, campaign_redis_url: str
) -> None:
    """Leases of 1 s, calls of 5 s, every renewal failing: once the leases may have
    lapsed (another runner could take the slots) the run stops with the Redis error,
    long before the calls end."""
    limiter = FlakyRedisLimiter(campaign_redis_url, key="test:renew-lost", lease=1.0, failures=-1)
    campaign = _campaign(tmp_path, campaign_redis_url, limiter)
    with (
        phone_network(campaign.emu, 0.01, 5.0),  # type: ignore[attr-defined]
        pytest.raises(redis.exceptions.ConnectionError),
    ):
        campaign.run(targets(2))
    assert limiter.attempts >= 3  # retried a few times within the lease first
