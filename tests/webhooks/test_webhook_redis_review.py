"""Review reproduction: RedisStore with client options that change reply types."""

from __future__ import annotations

from callswitch.webhooks import ClaimStatus, RedisStore


def test_done_event_is_done_with_decode_responses(redis_url: str) -> None:
    """decode_responses=True (a redis-py option RedisStore passes through) still answers
    DONE for a handled event, not BUSY until the retention ends."""
    store = RedisStore(redis_url, prefix="review2-decode:", decode_responses=True)
    try:
        claim = store.claim("evt-1", 30)
        assert claim.status is ClaimStatus.CLAIMED
        assert claim.token is not None
        assert store.complete("evt-1", claim.token)
        assert store.claim("evt-1", 30).status is ClaimStatus.DONE
    finally:
        store.close()
