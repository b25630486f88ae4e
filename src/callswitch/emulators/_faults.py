"""Injected faults: what one looks like, and the queue the emulator takes them from."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Mapping
from typing import Any, Literal

import attrs

__all__ = ["MAX_COUNT", "MAX_DELAY", "Fault", "FaultQueue", "default_fault_message"]

#: The longest delay a fault may ask for, in seconds; longer would hang a test run.
MAX_DELAY = 600.0
#: The most requests one fault may apply to.
MAX_COUNT = 100_000


def _number(value: object) -> bool:
    """A finite int or float, not a bool (nan and inf are not numbers of seconds)."""
    import math

    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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
        # A bad fault is refused here (the control API answers 400) rather than queued,
        # where it would break every later request: a non-string path raised inside the
        # matcher (500 for everything), an infinite delay hung each request it met.
        for name in ("method", "path"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f'{name} must be a non-empty string, e.g. "*" or "/call/*"')
        if self.message is not None and not isinstance(self.message, str):
            raise ValueError("message must be a string or null")
        if not _number(self.count) or not isinstance(self.count, int):
            raise ValueError("count must be a whole number")
        if not 1 <= self.count <= MAX_COUNT:
            raise ValueError(f"count must be from 1 to {MAX_COUNT}")
        if self.status is not None and (
            not isinstance(self.status, int) or not 100 <= self.status <= 599
        ):
            raise ValueError("status must be an HTTP status code")
        if not _number(self.delay) or not 0 <= self.delay <= MAX_DELAY:
            raise ValueError(f"delay must be a number of seconds from 0 to {MAX_DELAY:g}")
        if _number(self.retry_after):
            if not 0 <= self.retry_after <= MAX_DELAY:  # type: ignore[operator]
                raise ValueError(f"retry_after must be from 0 to {MAX_DELAY:g} seconds")
        elif self.retry_after is not None and not (
            isinstance(self.retry_after, str) and self.retry_after.isprintable()
        ):
            raise ValueError("retry_after must be seconds, an HTTP date string, or null")
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
            value = values.get(key)
            if value is None:
                continue
            if not _number(value) or (kind is int and value != int(value)):
                raise ValueError(f"fault field {key} must be a finite number, got {value!r}")
            values[key] = kind(value)
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
