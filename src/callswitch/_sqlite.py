"""SQLite connections whose "database is locked" is a clear callswitch error.

SQLite waits up to its busy timeout for another connection's lock, then raises
``sqlite3.OperationalError: database is locked``, which says neither which file nor what
to do. :func:`connect` opens a connection whose ``execute`` raises
:class:`~callswitch.errors.StorageLockedError` instead, naming the file, the timeout and
the way out. Imported only by the SQLite-backed stores, when they open a file.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from callswitch.errors import StorageLockedError

__all__ = ["GuardedConnection", "connect"]

#: Primary result codes of a lock wait that ran out (extended codes keep them in the
#: low byte): SQLITE_BUSY, another connection's lock; SQLITE_LOCKED, one in this one.
_LOCK_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class GuardedConnection(sqlite3.Connection):
    """A connection that turns a lock timeout into :class:`StorageLockedError`."""

    what = "SQLite file"
    advice = "pass a longer timeout="
    busy_timeout = 0.0
    _path = ""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in _LOCK_CODES:
                raise
            raise StorageLockedError(
                f"the {self.what} {self._path!r} stayed locked by another connection for "
                f"more than {self.busy_timeout:g} s (SQLite: {exc}); {self.advice}",
                path=self._path,
                timeout=self.busy_timeout,
            ) from exc


def connect(
    path: str | os.PathLike[str], *, timeout: float, what: str, advice: str, **options: Any
) -> GuardedConnection:
    """``sqlite3.connect(path, timeout=timeout, **options)`` as a :class:`GuardedConnection`;
    ``what`` names the file in errors ("webhook store"), ``advice`` says how to fix a lock."""
    conn = sqlite3.connect(path, timeout=timeout, factory=GuardedConnection, **options)
    conn.what, conn.advice, conn.busy_timeout = what, advice, timeout
    conn._path = os.fspath(path)
    return conn
