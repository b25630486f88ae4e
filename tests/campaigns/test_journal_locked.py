"""A SQLiteJournal whose file stays locked raises StorageLockedError, not sqlite3's error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from callswitch.campaigns import SQLiteJournal
from callswitch.errors import StorageLockedError


def test_a_lock_held_past_the_timeout_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    journal = SQLiteJournal(path, timeout=0.1)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageLockedError) as caught:
            journal.intend("spring", "row-1", "idem-1", "+14155550123")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    error = caught.value
    assert isinstance(error.__cause__, sqlite3.OperationalError)
    assert error.path == str(path)
    message = str(error)
    assert "campaign journal" in message
    assert str(path) in message
    assert "timeout=" in message
    assert "RedisLimiter" in message
    journal.intend("spring", "row-1", "idem-1", "+14155550123")  # the lock is gone
    assert journal.load("spring")["row-1"].state == "intent"
    journal.close()


def test_the_busy_timeout_is_configurable(tmp_path: Path) -> None:
    """SQLiteJournal(path, timeout=) sets how long SQLite waits for a lock."""
    journal = SQLiteJournal(tmp_path / "j.db", timeout=2.5)
    try:
        assert journal._db.busy_timeout == 2.5  # type: ignore[attr-defined]
    finally:
        journal.close()
