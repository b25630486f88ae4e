"""The log of requests an emulator received, with credential headers redacted."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Collection, MutableMapping
from typing import Any

import pydantic_core

__all__ = ["RequestLog"]


class RequestLog:
    """What the emulator received, oldest first; guarded by the emulator's lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._entries: list[dict[str, Any]] = []

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
        if body:
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
            "time": time.time(),
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def snapshot(self) -> list[dict[str, Any]]:
        """The entries as they are now: a copy of each entry's top level, taken under the
        lock. The emulator adds ``status`` (and ``fault``) to an entry after recording it,
        so the top level is copied; the nested values are never changed once recorded."""
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def entries(self) -> list[dict[str, Any]]:
        """Independent copies of the entries (changing them leaves the log alone).

        Every value is JSON (the log is served as JSON), so a JSON round trip through
        pydantic-core copies it: about half the time of ``copy.deepcopy``."""
        copied: list[dict[str, Any]] = pydantic_core.from_json(
            pydantic_core.to_json(self.snapshot())
        )
        return copied

    def to_json(self) -> bytes:
        """``{"requests": [...]}`` as JSON bytes, without copying the entries deeply
        (``GET /_emulator/requests``). NaN and infinities in a logged body are null."""
        return pydantic_core.to_json({"requests": self.snapshot()}, inf_nan_mode="null")

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
