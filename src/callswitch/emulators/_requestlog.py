"""The log of requests an emulator received, with credential headers redacted."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from collections.abc import Collection, MutableMapping
from typing import Any

__all__ = ["MAX_BODY_BYTES", "MAX_ENTRIES", "MAX_LOG_BYTES", "RequestLog"]

#: Requests kept, newest; older ones are dropped (unbounded, 300 requests of 1 MB took
#: the process from 48 to 910 MB).
MAX_ENTRIES = 10_000
#: Body bytes kept over all entries; the oldest entries go first past it.
MAX_LOG_BYTES = 32 * 1024 * 1024
#: Bytes of each request body kept (and parsed as JSON); a longer body is cut, marked
#: ``"body_truncated": true``, and its ``json`` is null.
MAX_BODY_BYTES = 256 * 1024


class RequestLog:
    """What the emulator received, oldest first; guarded by the emulator's lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._entries: deque[dict[str, Any]] = deque()
        self._sizes: deque[int] = deque()  # body bytes of each entry, in step with it
        self._bytes = 0

    def record(
        self, scope: MutableMapping[str, Any], body: bytes, secret_headers: Collection[str]
    ) -> dict[str, Any]:
        """Append an entry for this request and return it (the caller adds the status)."""
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers") or []:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            if name in secret_headers:
                scheme = value.split(" ", 1)[0] if " " in value else ""
                value = f"{scheme} <redacted>".strip()
            headers[name] = value
        parsed: Any = None
        truncated = len(body) > MAX_BODY_BYTES
        if truncated:
            body = body[:MAX_BODY_BYTES]
        elif body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        entry: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "headers": headers,
            "json": parsed,
            "body": body.decode("utf-8", errors="replace"),
            "body_truncated": truncated,
            "time": time.time(),
        }
        with self._lock:
            self._entries.append(entry)
            self._sizes.append(len(body))
            self._bytes += len(body)
            while len(self._entries) > MAX_ENTRIES or self._bytes > MAX_LOG_BYTES:
                self._entries.popleft()
                self._bytes -= self._sizes.popleft()
        return entry

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._entries))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._bytes = 0
