"""Review reproductions: RedisLimiter lease expiry on a real redis-server."""

from __future__ import annotations

import time

import anyio
import pytest

from callswitch.campaigns import RedisLimiter


def test_a_crashed_runners_slots_come_back_when_their_leases_lapse(
    campaign_redis_url: str,
) -> None:
    """A runner that holds every slot and stops renewing (killed) blocks others only
    until its leases lapse; while they are live, nobody gets past max_concurrent."""

    async def main() -> None:
        crashed = RedisLimiter(campaign_redis_url, key="review2:crash", lease=1)
        other = RedisLimiter(campaign_redis_url, key="review2:crash", lease=1)
        await crashed.acquire_slot(2)
        await crashed.acquire_slot(2)
        with anyio.move_on_after(0.5) as scope:
            await other.acquire_slot(2)
        assert scope.cancelled_caught
        start = time.monotonic()
        with anyio.fail_after(5):
            await other.acquire_slot(2)
        assert time.monotonic() - start >= 0.3
        await crashed.aclose()
        await other.aclose()

    anyio.run(main)


def test_a_short_lease_runner_does_not_expire_a_long_lease_runners_slots(
    campaign_redis_url: str,
) -> None:
    """Two runners on one key with different leases: the short one's key expiry must not
    drop the long one's live slot, else max_concurrent is exceeded."""

    async def main() -> None:
        long = RedisLimiter(campaign_redis_url, key="review2:mixed", lease=60)
        short = RedisLimiter(campaign_redis_url, key="review2:mixed", lease=1)
        await long.acquire_slot(2)
        token = await short.acquire_slot(2)
        await short.release_slot(token)
        await anyio.sleep(2.5)  # past the short runner's key expiry (2 x its lease)
        await short.acquire_slot(2)
        with anyio.move_on_after(0.5) as scope:
            await short.acquire_slot(2)  # the long runner still holds one of the two
        assert scope.cancelled_caught
        await long.aclose()
        await short.aclose()

    anyio.run(main)


@pytest.mark.parametrize("lease", [float("inf"), True])
def test_lease_must_be_a_finite_number(lease: object) -> None:
    from callswitch.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="lease"):
        RedisLimiter("redis://127.0.0.1:1/0", lease=lease)  # type: ignore[arg-type]
