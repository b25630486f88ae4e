"""A :class:`~callswitch.webhooks.Store` in Redis, for receivers on several machines.

Needs the ``redis`` package: ``pip install "callswitch[redis]"``. One Redis key per
event, ``<prefix><event key>``, holding ``c:<token>`` while claimed (expiring with the
lease) and ``d`` once done (expiring with the retention). A claim is ``SET NX PX``;
completing and releasing are compare-and-set scripts, so they only touch their own claim.
Times are Redis's own, so the workers' clocks do not matter.
"""

from __future__ import annotations

import math
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from callswitch.errors import ConfigurationError, InvalidRequestError
from callswitch.webhooks._stores import (
    DEFAULT_RETENTION,
    Claim,
    ClaimStatus,
    _check_key,
    seconds,
)

__all__ = ["RedisStore"]

_COMPLETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], 'd', 'PX', ARGV[2])
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def _ms(value: float) -> int:
    return max(1, math.ceil(value * 1000))


class RedisStore:
    """A :class:`~callswitch.webhooks.Store` in Redis: every worker on every machine
    that reaches the server shares it.

    ``url`` is a redis-py URL (``redis://[:password@]host:6379/0``, ``rediss://`` for TLS,
    ``unix:///path/redis.sock``). The URL may carry a password: it never appears in this
    object's repr or in callswitch's errors.
    """

    def __init__(
        self,
        url: str,
        *,
        retention: float | timedelta = DEFAULT_RETENTION,
        prefix: str = "callswitch:webhook:",
        **client_options: Any,
    ) -> None:
        try:
            import redis
        except ImportError:
            raise ConfigurationError(
                'RedisStore needs the redis package: pip install "callswitch[redis]"'
            ) from None
        if not isinstance(url, str) or not url:
            raise InvalidRequestError("RedisStore needs a redis:// or unix:// URL")
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss", "unix"}:
            raise InvalidRequestError(
                f"RedisStore URL must start with redis://, rediss:// or unix://, "
                f"not {parts.scheme or 'nothing'}://"
            )
        self._where = (
            f"{parts.scheme}://{parts.hostname or ''}{parts.path if parts.scheme == 'unix' else ''}"
        )
        self._retention_ms = _ms(seconds(retention, "retention"))
        self._prefix = prefix
        try:
            self._client = redis.Redis.from_url(url, **client_options)
        except ValueError:
            raise InvalidRequestError(
                f"RedisStore URL for {self._where} could not be read; see redis-py's "
                "Redis.from_url for the accepted forms"
            ) from None
        self._complete = self._client.register_script(_COMPLETE)
        self._release = self._client.register_script(_RELEASE)

    def __repr__(self) -> str:
        return f"RedisStore({self._where!r})"

    def claim(self, key: str, lease: float) -> Claim:
        name = self._prefix + _check_key(key)
        lease_ms = _ms(seconds(lease, "lease"))
        for _ in range(3):
            token = secrets.token_hex(16)
            if self._client.set(name, f"c:{token}", nx=True, px=lease_ms):
                return Claim(ClaimStatus.CLAIMED, token=token)
            pipe = self._client.pipeline(transaction=True)
            pipe.get(name)
            pipe.pttl(name)
            value, ttl = pipe.execute()
            if value is None:  # lapsed between SET and GET: try again
                continue
            if value in (b"d", "d"):  # bytes, or str under decode_responses=True
                return Claim(ClaimStatus.DONE)
            return Claim(ClaimStatus.BUSY, retry_after=max(int(ttl), 0) / 1000)
        return Claim(ClaimStatus.BUSY, retry_after=1.0)

    def complete(self, key: str, token: str) -> bool:
        done = self._complete(keys=[self._prefix + key], args=[f"c:{token}", self._retention_ms])
        return bool(done)

    def release(self, key: str, token: str) -> None:
        self._release(keys=[self._prefix + key], args=[f"c:{token}"])

    def close(self) -> None:
        """Close this store's connections to the server."""
        self._client.close()
        self._client.connection_pool.disconnect()
