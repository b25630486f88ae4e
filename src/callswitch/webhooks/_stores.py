"""Where a :class:`~callswitch.webhooks.Receiver` records which events it has handled.

A store answers one question atomically, across every worker that shares it: "may I
handle this event now?" :meth:`Store.claim` returns

* ``CLAIMED`` with a token: this worker now holds the event for ``lease`` seconds. It
  calls :meth:`Store.complete` when its handlers succeeded (the key is then kept as done
  for the store's ``retention``) or :meth:`Store.release` when they failed (so that the
  vendor's retry handles it again). A worker that dies holding a claim simply lets the
  lease run out, and the next delivery claims the event.
* ``BUSY``: another worker holds a live claim; ``retry_after`` says when it runs out.
* ``DONE``: the event was handled already; acknowledge the delivery and do nothing.

The token makes ``complete``/``release`` safe after a lease ran out and another worker
took the event over: they only act on the claim they belong to.

:class:`MemoryStore` serves one process, :class:`SQLiteStore` every process on one
machine, ``RedisStore`` (module ``_redis_store``) several machines. Anything with the
three methods of :class:`Store` works (a Postgres table, say).
"""

from __future__ import annotations

import enum
import math
import os
import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from callswitch.errors import InvalidRequestError

if TYPE_CHECKING:
    import sqlite3

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_RETENTION",
    "Claim",
    "ClaimStatus",
    "MemoryStore",
    "SQLiteStore",
    "Store",
    "seconds",
]

#: How long a claim lasts when its worker neither completes nor releases it (it died).
DEFAULT_LEASE = 300.0
#: How long a handled event's key is remembered (vendors retry for hours, not weeks).
DEFAULT_RETENTION = 7 * 24 * 3600.0


class ClaimStatus(enum.StrEnum):
    CLAIMED = "claimed"
    BUSY = "busy"
    DONE = "done"


@attrs.frozen
class Claim:
    """The answer of :meth:`Store.claim`. ``token`` is set for ``CLAIMED``,
    ``retry_after`` (seconds until the other worker's lease runs out) for ``BUSY``."""

    status: ClaimStatus
    token: str | None = None
    retry_after: float | None = None


@runtime_checkable
class Store(Protocol):
    """The store protocol: implement these three methods, atomically across workers."""

    def claim(self, key: str, lease: float) -> Claim:
        """Claim ``key`` for ``lease`` seconds, unless it is done or claimed and live."""
        ...

    def complete(self, key: str, token: str) -> bool:
        """Mark the claim ``token`` done. ``False`` when another worker took the event
        over after this claim's lease ran out (it may then be handled twice: raise the
        lease above your slowest handler)."""
        ...

    def release(self, key: str, token: str) -> None:
        """Drop the claim ``token`` so that the next delivery handles the event."""
        ...


def seconds(value: float | timedelta, name: str, *, allow_zero: bool = False) -> float:
    """``value`` as a finite, positive number of seconds, or InvalidRequestError."""
    if isinstance(value, timedelta):
        number = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        raise InvalidRequestError(
            f"{name} must be seconds (a number) or a timedelta, not {type(value).__name__}"
        )
    low_ok = number >= 0 if allow_zero else number > 0
    if not (low_ok and number < math.inf):
        raise InvalidRequestError(
            f"{name} must be a finite, positive number of seconds, not {value!r}"
        )
    return number


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidRequestError(f"an event key must be a non-empty str, not {key!r}")
    return key


class MemoryStore:
    """A :class:`Store` in this process's memory: thread-safe, lost on restart.

    Right for one worker process (and for tests). Several workers, even on one machine,
    each get their own memory: use :class:`SQLiteStore` or ``RedisStore`` there.
    """

    def __init__(
        self,
        *,
        retention: float | timedelta = DEFAULT_RETENTION,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._retention = seconds(retention, "retention")
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (token, or None once done; time at which the entry lapses)
        self._entries: dict[str, tuple[str | None, float]] = {}
        self._next_purge = 0.0

    def claim(self, key: str, lease: float) -> Claim:
        _check_key(key)
        lease = seconds(lease, "lease")
        now = self._clock()
        with self._lock:
            self._purge(now)
            entry = self._entries.get(key)
            if entry is not None and entry[1] > now:
                if entry[0] is None:
                    return Claim(ClaimStatus.DONE)
                return Claim(ClaimStatus.BUSY, retry_after=entry[1] - now)
            token = secrets.token_hex(16)
            self._entries[key] = (token, now + lease)
            return Claim(ClaimStatus.CLAIMED, token=token)

    def complete(self, key: str, token: str) -> bool:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != token:
                return False
            self._entries[key] = (None, now + self._retention)
            return True

    def release(self, key: str, token: str) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == token:
                del self._entries[key]

    def __len__(self) -> int:
        """Keys held now (live claims and remembered done events)."""
        with self._lock:
            now = self._clock()
            return sum(1 for _, lapses in self._entries.values() if lapses > now)

    def _purge(self, now: float) -> None:
        if now < self._next_purge:
            return
        self._next_purge = now + 60.0
        for key in [k for k, (_, lapses) in self._entries.items() if lapses <= now]:
            del self._entries[key]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS callswitch_webhook_events (
    key TEXT PRIMARY KEY,
    token TEXT,             -- the live claim's token; NULL once done
    lapses REAL NOT NULL    -- epoch seconds: lease end (claimed) or retention end (done)
)
"""
# One statement, so atomic: insert, or take over a row whose lease or retention lapsed.
_CLAIM = """
INSERT INTO callswitch_webhook_events (key, token, lapses) VALUES (?1, ?2, ?3)
ON CONFLICT (key) DO UPDATE SET token = excluded.token, lapses = excluded.lapses
WHERE callswitch_webhook_events.lapses <= ?4
"""


class SQLiteStore:
    """A :class:`Store` in a SQLite file: every process on one machine can share it.

    Claims are one atomic ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` statement, so
    two workers can never both claim an event. The file is opened in WAL mode with a
    busy timeout; each thread of each process opens its own connection. The clock is
    the wall clock (``time.time``), which every process on the machine shares. The file
    must be on a local disk (SQLite's locking is unreliable over network filesystems).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        retention: float | timedelta = DEFAULT_RETENTION,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        text = os.fspath(path)
        if not text or text == ":memory:" or text.startswith("file::memory:"):
            raise InvalidRequestError(
                "SQLiteStore needs a file path that every worker opens; for one process "
                "use MemoryStore()"
            )
        self._path = Path(text)
        self._retention = seconds(retention, "retention")
        self._timeout = seconds(timeout, "timeout")
        self._clock = clock
        self._local = threading.local()
        self._next_purge = 0.0
        self._connection()  # create the file and table now: a bad path fails here

    @property
    def path(self) -> Path:
        return self._path

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self._path)!r})"

    def _connection(self) -> sqlite3.Connection:
        pid = os.getpid()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == pid:
            return conn
        # A connection inherited through fork() must not be used: open a fresh one.
        import sqlite3  # here: importing it costs ~6 ms, paid only by SQLiteStore users

        from callswitch import _sqlite

        try:
            conn = _sqlite.connect(
                self._path,
                timeout=self._timeout,
                what="webhook store",
                advice="pass SQLiteStore(..., timeout=) a longer timeout, or, for workers on "
                "several machines, use RedisStore(url)",
                isolation_level=None,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise InvalidRequestError(
                f"SQLiteStore cannot use {str(self._path)!r} ({exc}); pass a writable file "
                "path on a local disk"
            ) from None
        self._local.conn, self._local.pid = conn, pid
        return conn

    def claim(self, key: str, lease: float) -> Claim:
        _check_key(key)
        lease = seconds(lease, "lease")
        conn = self._connection()
        now = self._clock()
        self._purge(conn, now)
        token = secrets.token_hex(16)
        if conn.execute(_CLAIM, (key, token, now + lease, now)).rowcount == 1:
            return Claim(ClaimStatus.CLAIMED, token=token)
        row = conn.execute(
            "SELECT token, lapses FROM callswitch_webhook_events WHERE key = ?", (key,)
        ).fetchone()
        if row is None:  # lapsed and purged in between: ask the vendor to come back
            return Claim(ClaimStatus.BUSY, retry_after=1.0)
        if row[0] is None:
            return Claim(ClaimStatus.DONE)
        return Claim(ClaimStatus.BUSY, retry_after=max(float(row[1]) - now, 0.0))

    def complete(self, key: str, token: str) -> bool:
        now = self._clock()
        cursor = self._connection().execute(
            "UPDATE callswitch_webhook_events SET token = NULL, lapses = ? "
            "WHERE key = ? AND token = ?",
            (now + self._retention, key, token),
        )
        return cursor.rowcount == 1

    def release(self, key: str, token: str) -> None:
        self._connection().execute(
            "DELETE FROM callswitch_webhook_events WHERE key = ? AND token = ?", (key, token)
        )

    def _purge(self, conn: sqlite3.Connection, now: float) -> None:
        # Forget lapsed rows now and then (not on every claim: it is a write).
        if now < self._next_purge:
            return
        self._next_purge = now + 60.0
        conn.execute("DELETE FROM callswitch_webhook_events WHERE lapses <= ?", (now,))

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
