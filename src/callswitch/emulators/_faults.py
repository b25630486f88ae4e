"""Injected faults: what one looks like, and the queue the emulator takes them from."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Mapping
from typing import Any, Literal

import attrs

__all__ = ["Fault", "FaultQueue", "default_fault_message"]


@attrs.define
class Fault:
    """A fault applied to the next ``count`` requests matching ``method`` and ``path``.

    ``path`` is a shell-style pattern (``/v2/update-live-call/*``). Applied in this order:
    wait ``delay`` seconds; then either drop the connection (``drop="before"``: the request
    is not handled; ``drop="after"``: it is handled, its effect kept, and the answer never
    sent), or answer ``status`` with the vendor's error body (and ``Retry-After`` when
    ``retry_after`` is set), or, with neither, handle the request normally (a slow answer).
    """

    method: str = "*"
    path: str = "*"
    count: int = 1
    status: int | None = None
    retry_after: float | str | None = None
    message: str | None = None
    body: Any = None
    delay: float = 0.0
    drop: Literal["before", "after"] | None = None

    def __attrs_post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("count must be at least 1")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code")
        if self.delay < 0:
            raise ValueError("delay must be >= 0 seconds")
        if self.drop not in (None, "before", "after"):
            raise ValueError('drop must be "before", "after" or null')
        if self.drop is not None and self.status is not None:
            raise ValueError("a fault either drops the connection or answers a status, not both")

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, Mapping):
            raise ValueError("a fault is a JSON object")
        fields = {a.name for a in attrs.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ValueError(
                f"unknown fault field(s) {', '.join(unknown)}; known: {sorted(fields)}"
            )
        values = dict(data)
        for key, kind in (("count", int), ("status", int), ("delay", float)):
            if values.get(key) is not None:
                try:
                    values[key] = kind(values[key])
                except (TypeError, ValueError):
                    raise ValueError(f"fault field {key} must be a number") from None
        return cls(**values)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method.upper())) and fnmatch.fnmatchcase(path, self.path)

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


class FaultQueue:
    """Queued faults, oldest first; guarded by the emulator's lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._items: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._items.append(fault)

    def clear(self) -> int:
        with self._lock:
            count = len(self._items)
            self._items.clear()
            return count

    def items(self) -> list[Fault]:
        with self._lock:
            return list(self._items)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, with one use taken from its count."""
        with self._lock:
            for index, fault in enumerate(self._items):
                if fault.matches(method, path):
                    taken = attrs.evolve(fault, count=1)
                    if fault.count <= 1:
                        del self._items[index]
                    else:
                        self._items[index] = attrs.evolve(fault, count=fault.count - 1)
                    return taken
        return None


def default_fault_message(status: int) -> str:
    if status == 429:
        return "Rate limit exceeded (injected by the emulator)."
    if status >= 500:
        return "Server error (injected by the emulator)."
    return f"Error {status} (injected by the emulator)."
