"""A SQLiteStore whose file stays locked raises StorageLockedError, not sqlite3's error."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

import pytest

from callswitch.errors import CallswitchError, StorageLockedError
from callswitch.webhooks import SQLiteStore


def test_a_lock_held_past_the_timeout_is_a_clear_error(tmp_path: Path) -> None:
    """Names the file, the timeout and the fixes; chained to SQLite's error; pickles."""
    path = tmp_path / "events.db"
    store = SQLiteStore(path, timeout=0.1)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageLockedError) as caught:
            store.claim("evt-1", 30.0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    error = caught.value
    assert isinstance(error, CallswitchError)
    assert isinstance(error, TimeoutError)
    assert isinstance(error.__cause__, sqlite3.OperationalError)
    assert error.path == str(path)
    assert error.timeout == 0.1
    message = str(error)
    assert "webhook store" in message
    assert str(path) in message
    assert "timeout" in message
    assert "RedisStore" in message
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (str(again), again.path, again.timeout) == (message, error.path, error.timeout)
    assert store.claim("evt-1", 30.0).status == "claimed"  # usable once the lock is gone
    store.close()


def test_other_operational_errors_are_not_called_locks(tmp_path: Path) -> None:
    """Only SQLite's busy/locked result codes become StorageLockedError: an error whose
    text merely contains "locked" (a table name, say) stays sqlite3's own error."""
    from callswitch import _sqlite

    conn = _sqlite.connect(
        tmp_path / "x.db", timeout=0.1, what="webhook store", advice="pass a longer timeout="
    )
    try:
        with pytest.raises(sqlite3.OperationalError, match="unlocked_rows") as caught:
            conn.execute("SELECT * FROM unlocked_rows")
        assert not isinstance(caught.value, StorageLockedError)
    finally:
        conn.close()
