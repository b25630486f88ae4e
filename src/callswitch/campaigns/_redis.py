"""``RedisLimiter``: one vendor account's budget shared by runners on several machines.

Live calls are members of a sorted set scored by a lease deadline (renewed while the
call is followed), so a runner killed mid-campaign gives its slots back when their
leases lapse. The next allowed create time is one key. Every check-and-take is one Lua
script, so two runners never both take the last slot or the same turn. Time is read from
the Redis server (``TIME``), the one clock every runner shares.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

import anyio

from callswitch.errors import ConfigurationError

__all__ = ["RedisLimiter"]

# KEYS[1] live set; ARGV: max, token, lease_ms. Returns 1 when the slot was taken.
# The set's expiry is only ever pushed back: a runner with a shorter lease must not
# drop the slots of one with a longer lease.
_ACQUIRE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) * 2 then
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
  end
  return 1
end
return 0
"""

# KEYS[1] live set; ARGV: lease_ms, tokens... Pushes the lease of each held slot and
# returns the tokens it did not find (their leases lapsed and another runner's acquire
# may have purged them and taken the slots).
_RENEW = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local missing = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i])
  else
    missing[#missing + 1] = ARGV[i]
  end
end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) * 2 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
end
return missing
"""

# KEYS[1] next-turn key; ARGV: interval_ms. Returns 0 (turn taken) or ms to wait.
_TURN = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nxt > now then
  return nxt - now
end
redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 60000)
return 0
"""

# KEYS[1] next-turn key; ARGV: pause_ms. Pushes the next turn back, never forward.
_PAUSE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local want = now + tonumber(ARGV[1])
if want > nxt then
  redis.call('SET', KEYS[1], want, 'PX', tonumber(ARGV[1]) + 60000)
end
return 1
"""


class RedisLimiter:
    """Concurrency and create rate shared through Redis by every runner using the same
    ``url`` and ``key`` (one key per vendor account). ``lease`` is how long, in seconds,
    a slot outlives a runner that stopped renewing it (killed, say)."""

    def __init__(
        self,
        url: str,
        *,
        key: str = "callswitch:campaigns",
        lease: float = 30.0,
        poll: float = 0.02,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigurationError(
                "RedisLimiter needs a redis:// (or rediss://, unix://) URL, e.g. "
                "RedisLimiter('redis://127.0.0.1:6379/0')"
            )
        if not (
            isinstance(lease, int | float)
            and not isinstance(lease, bool)
            and math.isfinite(lease)
            and lease >= 1
        ):
            raise ConfigurationError(f"lease must be at least 1 second, got {lease!r}")
        try:
            import redis.asyncio
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigurationError(
                "RedisLimiter needs the redis package: pip install 'callswitch[redis]'"
            ) from exc
        self._redis_module: Any = redis.asyncio
        self._url = url
        self._conn: Any = None
        self.key = key
        self.lease = float(lease)
        self.poll = float(poll)
        self._held: set[str] = set()
        self._renewing = False

    def __repr__(self) -> str:
        # The URL may carry a password: never shown.
        return f"RedisLimiter(key={self.key!r})"

    def _client(self) -> Any:
        if self._conn is None:
            self._conn = self._redis_module.Redis.from_url(self._url)
        return self._conn

    async def _eval(self, script: str, keys: list[str], *args: object) -> int:
        result = await self._client().eval(script, len(keys), *keys, *args)
        return int(result)

    async def acquire_slot(self, max_concurrent: int) -> str:
        token = secrets.token_hex(8)
        lease_ms = int(self.lease * 1000)
        while not await self._eval(_ACQUIRE, [self.key + ":live"], max_concurrent, token, lease_ms):
            await anyio.sleep(self.poll)
        self._held.add(token)
        return token

    async def renew(self) -> int:
        """Push back the lease of every slot this limiter holds (the campaign calls this
        regularly while calls are live). Returns how many held slots were no longer in
        Redis: their leases lapsed, and other runners may have taken them."""
        if not self._held:
            return 0
        lease_ms = int(self.lease * 1000)
        gone = await self._client().eval(_RENEW, 1, self.key + ":live", lease_ms, *self._held)
        # A slot released while this renewal was on its way is gone, but not lost.
        return sum(1 for t in gone if (t.decode() if isinstance(t, bytes) else t) in self._held)

    async def release_slot(self, token: str) -> None:
        self._held.discard(token)
        await self._client().zrem(self.key + ":live", token)

    async def take_turn(self, max_per_second: float) -> None:
        interval_ms = max(1, round(1000.0 / max_per_second))
        while wait_ms := await self._eval(_TURN, [self.key + ":next"], interval_ms):
            await anyio.sleep(min(wait_ms / 1000.0, 1.0))

    async def pause(self, seconds: float) -> None:
        await self._eval(_PAUSE, [self.key + ":next"], max(0, round(seconds * 1000)))

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.aclose()
