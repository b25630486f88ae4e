"""Two runners on two shards sharing one RedisLimiter (a real redis-server)."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from campaign_support import (
    FROM,
    dialed_numbers,
    max_overlap,
    phone_network,
    retell_live_intervals,
    targets,
)

import callswitch
from callswitch import emulators
from callswitch.campaigns import Campaign, RedisLimiter, SQLiteJournal
from callswitch.errors import ConfigurationError


def test_two_shards_share_the_concurrency_budget(tmp_path: Path, campaign_redis_url: str) -> None:
    """Each runner could hold 3 calls alone; through Redis both together hold at most 3,
    and between them every number is dialed exactly once."""
    emu = emulators.create("retell")
    reports = []
    with emulators.running(emu) as url, phone_network(emu, 0.02, 0.1):

        def runner(index: int) -> None:
            client = callswitch.connect("retell", base_url=url, api_key="k")
            campaign = Campaign(
                client,
                name="shared",
                journal=SQLiteJournal(tmp_path / f"j{index}.db"),
                max_concurrent=3,
                max_per_second=100.0,
                limiter=RedisLimiter(campaign_redis_url, key="test:shared"),
                shard=(index, 2),
                from_number=FROM,
            )
            reports.append(campaign.run(targets(24)))
            client.close()

        threads = [threading.Thread(target=runner, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert len(reports) == 2
    assert all(r.counts["ended"] > 0 for r in reports)
    assert sum(r.counts["ended"] for r in reports) == 24
    counted = Counter(dialed_numbers(emu))
    assert set(counted) == {t["to_number"] for t in targets(24)}
    assert max(counted.values()) == 1
    overlap = max_overlap(retell_live_intervals(emu))
    assert 2 <= overlap <= 3


def test_redis_limiter_refuses_a_bad_url_and_hides_the_password() -> None:
    with pytest.raises(ConfigurationError, match="redis://"):
        RedisLimiter("http://example")
    limiter = RedisLimiter("redis://:s3cret@127.0.0.1:1/0")
    assert "s3cret" not in repr(limiter)
