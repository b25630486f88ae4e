"""In-process de-duplication of event keys."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol, runtime_checkable

from callswitch.errors import InvalidRequestError

__all__ = ["Deduplicator", "MemoryDeduplicator"]


@runtime_checkable
class Deduplicator(Protocol):
    """Remembers event keys, for vendors that deliver at least once.

    ``seen(key)`` atomically checks and marks: it returns ``False`` the first time a key
    is offered (process the event) and ``True`` afterwards (a redelivery: acknowledge it
    and do nothing). ``forget(key)`` unmarks a key, for when processing failed and the
    vendor's retry should be processed. Pass :attr:`CallEvent.key`.
    """

    def seen(self, event_id: str) -> bool: ...

    def forget(self, event_id: str) -> None: ...


class MemoryDeduplicator:
    """An in-process :class:`Deduplicator`: thread-safe, bounded by age and by count.

    A key is remembered for ``ttl`` seconds after it was first seen (default 24 hours),
    and at most ``max_size`` keys are kept (the oldest go first). It only protects one
    process; several workers need a shared store (Redis ``SET NX EX``, a SQL unique key).
    """

    def __init__(
        self,
        *,
        ttl: float | timedelta = 24 * 3600.0,
        max_size: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else float(ttl)
        if not seconds > 0:
            raise InvalidRequestError(f"ttl must be more than 0 seconds, not {ttl!r}")
        if max_size < 1:
            raise InvalidRequestError(f"max_size must be at least 1, not {max_size!r}")
        self._ttl = seconds
        self._max_size = max_size
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: OrderedDict[str, float] = OrderedDict()  # key -> expiry, oldest first

    def seen(self, event_id: str) -> bool:
        now = self._clock()
        with self._lock:
            self._expire(now)
            if event_id in self._keys:
                return True
            self._keys[event_id] = now + self._ttl
            while len(self._keys) > self._max_size:
                self._keys.popitem(last=False)
            return False

    def forget(self, event_id: str) -> None:
        with self._lock:
            self._keys.pop(event_id, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._keys)

    def _expire(self, now: float) -> None:
        # Insertion order is expiry order (constant ttl, monotonic clock).
        while self._keys:
            key, expires = next(iter(self._keys.items()))
            if expires > now:
                break
            del self._keys[key]
