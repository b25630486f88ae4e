"""The journal: what a campaign intended and what came of it, kept across crashes.

A row moves ``intent`` -> ``created`` -> a final status (``ended``, ``failed``,
``unknown``, ``refused``). ``intent`` is written, and committed, before the create is
sent; a row still in ``intent`` after a crash is one whose create may or may not have
reached the vendor. :class:`SQLiteJournal` is the embedded default: one file, WAL mode,
every change in its own transaction, synchronous writes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import attrs

from callswitch import _sqlite
from callswitch.errors import ConfigurationError

__all__ = ["FINAL", "Entry", "Journal", "SQLiteJournal"]

#: Statuses after which a row is never touched again (``unknown`` only when asked to).
FINAL = frozenset({"ended", "failed", "unknown", "refused"})


@attrs.frozen
class Entry:
    """One row of the journal."""

    row_key: str
    idempotency_key: str
    to_number: str
    state: str
    provider: str | None = None
    call_id: str | None = None
    end_reason: str | None = None
    error: str | None = None

    @property
    def ref(self) -> str | None:
        if self.provider is None or self.call_id is None:
            return None
        return f"{self.provider}:{self.call_id}"


class Journal(Protocol):
    """What a campaign needs from a journal (a :class:`SQLiteJournal`, or your own)."""

    def load(self, campaign: str) -> dict[str, Entry]: ...

    def intend(self, campaign: str, row_key: str, idempotency_key: str, to_number: str) -> None:
        """Record, durably, that the row's create is about to be sent."""
        ...

    def created(self, campaign: str, row_key: str, provider: str, call_id: str) -> None: ...

    def discard(self, campaign: str, row_key: str) -> None:
        """Forget a row whose create was refused before it was sent."""
        ...

    def finish(
        self,
        campaign: str,
        row_key: str,
        state: str,
        *,
        end_reason: str | None = None,
        error: str | None = None,
    ) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaign_rows (
    campaign TEXT NOT NULL,
    row_key TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    to_number TEXT NOT NULL,
    state TEXT NOT NULL,
    provider TEXT,
    call_id TEXT,
    end_reason TEXT,
    error TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (campaign, row_key)
)
"""


class SQLiteJournal:
    """A journal in one SQLite file (created if missing). Safe to share between threads
    of one process; two processes on one file are serialised by SQLite's own locking,
    waiting up to ``timeout`` seconds for a lock, then raising StorageLockedError."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            self._db = _sqlite.connect(
                self.path,
                timeout=timeout,
                what="campaign journal",
                advice="pass SQLiteJournal(..., timeout=) a longer timeout; for campaigns on "
                "several machines give each machine its own journal file and share the "
                "call budget with RedisLimiter(url)",
                isolation_level=None,
                check_same_thread=False,
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise ConfigurationError(
                f"cannot open the campaign journal {str(self.path)!r} ({exc}); "
                "pass a writable file path"
            ) from exc
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SQLiteJournal({str(self.path)!r})"

    def _write(self, sql: str, args: tuple[object, ...]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(sql, args)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def load(self, campaign: str) -> dict[str, Entry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT row_key, idempotency_key, to_number, state, provider, call_id, "
                "end_reason, error FROM campaign_rows WHERE campaign = ?",
                (campaign,),
            ).fetchall()
        return {row[0]: Entry(*row) for row in rows}

    def campaigns(self) -> Iterator[str]:
        """Names of the campaigns this journal holds."""
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT campaign FROM campaign_rows").fetchall()
        return iter(sorted(r[0] for r in rows))

    def intend(self, campaign: str, row_key: str, idempotency_key: str, to_number: str) -> None:
        self._write(
            "INSERT INTO campaign_rows (campaign, row_key, idempotency_key, to_number, state, "
            "updated_at) VALUES (?, ?, ?, ?, 'intent', ?) ON CONFLICT (campaign, row_key) DO "
            "UPDATE SET state = 'intent', provider = NULL, call_id = NULL, end_reason = NULL, "
            "error = NULL, updated_at = excluded.updated_at",
            (campaign, row_key, idempotency_key, to_number, time.time()),
        )

    def created(self, campaign: str, row_key: str, provider: str, call_id: str) -> None:
        self._write(
            "UPDATE campaign_rows SET state = 'created', provider = ?, call_id = ?, "
            "updated_at = ? WHERE campaign = ? AND row_key = ?",
            (provider, call_id, time.time(), campaign, row_key),
        )

    def discard(self, campaign: str, row_key: str) -> None:
        self._write(
            "DELETE FROM campaign_rows WHERE campaign = ? AND row_key = ? AND state = 'intent'",
            (campaign, row_key),
        )

    def finish(
        self,
        campaign: str,
        row_key: str,
        state: str,
        *,
        end_reason: str | None = None,
        error: str | None = None,
    ) -> None:
        if state not in FINAL:
            raise ValueError(f"a row finishes as one of {sorted(FINAL)}, not {state!r}")
        self._write(
            "UPDATE campaign_rows SET state = ?, end_reason = ?, error = ?, updated_at = ? "
            "WHERE campaign = ? AND row_key = ?",
            (state, end_reason, error, time.time(), campaign, row_key),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()
