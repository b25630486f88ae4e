"""What every command shares: exit codes, output, the connection context, small parsers."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import httpx

    from callswitch.client import Client
    from callswitch.registry import Registry

#: Exit codes.
EXIT_OK = 0
EXIT_PROVIDER = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _UsageError(Exception):
    """A command-line mistake argparse cannot see (a malformed ``k=v``, say)."""


# ------------------------------------------------------------------------ output helpers


class _Output:
    """Where a command writes: stdout for results, stderr for messages and progress."""

    def __init__(self, stdout: TextIO, stderr: TextIO, as_json: bool) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.as_json = as_json

    def line(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")

    def note(self, text: str) -> None:
        self.stderr.write(text + "\n")

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        self.stdout.write(format_table(headers, rows))


def _cell(value: object, width: int = 60) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain left-aligned text table; long cells are shortened with an ellipsis."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))]
    for row in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines) + "\n"


class Progress:
    """A one-line counter on stderr while a command pages through many calls.

    Shown only when stderr is a terminal, and only once the command has run for
    ``delay`` seconds (a short listing shows nothing). ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        stream: TextIO,
        label: str,
        *,
        delay: float = 0.5,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self._stream = stream
        self._label = label
        self._clock = clock
        self._start = clock()
        self._delay = delay
        self._interval = interval
        self._last = float("-inf")
        self._shown = False
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if not self.enabled:
            return
        now = self._clock()
        if now - self._start < self._delay or now - self._last < self._interval:
            return
        self._last = now
        self._shown = True
        self._stream.write(f"\r{self._label}: {self.count}")
        self._stream.flush()

    def done(self) -> None:
        if self._shown:
            self._stream.write("\r" + " " * (len(self._label) + 12) + "\r")
            self._stream.flush()


def _pairs(values: Sequence[str] | None, flag: str) -> dict[str, str] | None:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``; None when the flag was not given."""
    if not values:
        return None
    result: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _UsageError(f"{flag} takes key=value, got {item!r}")
        result[key] = value
    return result


# ---------------------------------------------------------------------------- commands


class _Context:
    def __init__(
        self, args: argparse.Namespace, out: _Output, http_client: httpx.Client | None
    ) -> None:
        self.args = args
        self.out = out
        self.http_client = http_client

    def connect(self, *, drop: bool = False) -> Client:
        # The provider is chosen where the library chooses it (config.choose_provider):
        # --provider, then CALLSWITCH_PROVIDER, then callswitch.toml.
        import callswitch

        return callswitch.connect(
            self.args.provider,
            base_url=self.args.base_url,
            on_unsupported="drop" if drop else None,
            http_client=self.http_client,
        )


def _registry() -> Registry:
    from callswitch.registry import default_registry

    return default_registry()
