"""Helpers for the campaign tests: targets, and what the emulator saw."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from local_servers import free_port, redis_server  # noqa: F401 (re-exported)

CREATE_PATHS = {"retell": "/v2/create-phone-call", "vapi": "/call", "truedy": "/calls"}
FROM = "+14155550100"


def targets(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"to_number": f"+1415555{n:04d}", "key": f"row-{n}"} for n in range(start, count)]


def creates(emu: Any, provider: str = "retell") -> list[dict[str, Any]]:
    """Every create request the emulator received, oldest first (429s included)."""
    path = CREATE_PATHS[provider]
    return [r for r in emu.requests if r["method"] == "POST" and r["path"] == path]


def retell_live_intervals(emu: Any) -> list[tuple[float, float]]:
    """(created, ended) in seconds for each call, from the emulator's own records: the
    create request's arrival and the call's end timestamp."""
    created: dict[str, float] = {}
    for request in creates(emu):
        if request["status"] == 201:
            created.setdefault(request["json"]["idempotency_key"], request["time"])
    spans = []
    with emu.lock:
        records = [dict(c) for c in emu.calls.values()]
    by_key = {k: v for k, (v, _) in emu._idempotency.items()}
    for record in records:
        key = next(k for k, cid in by_key.items() if cid == record["call_id"])
        spans.append((created[key], record["end_timestamp"] / 1000.0))
    return spans


def max_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted(
        [(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda x: (x[0], x[1])
    )
    live = most = 0
    for _, delta in events:
        live += delta
        most = max(most, live)
    return most


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    most = 0
    for i, start in enumerate(times):
        most = max(most, sum(1 for t in times[i:] if t < start + window))
    return most


def dialed_numbers(emu: Any) -> list[str]:
    with emu.lock:
        return [c["to_number"] for c in emu.calls.values()]


@contextmanager
def phone_network(emu: Any, answer_after: float, end_after: float) -> Iterator[None]:
    """Callees answer ``answer_after`` s after a create and hang up ``end_after`` s later
    (the emulator's own timers), until the block ends."""
    emu.set_timers(answer_after=answer_after, end_after=end_after)
    try:
        yield
    finally:
        emu.set_timers()


@contextmanager
def ticking(*emus: Any, every: float = 0.005) -> Iterator[None]:
    """Look at each emulator every ``every`` s, as a phone network would: its timers are
    applied lazily, when something looks, so without this a timer-driven hang-up (and its
    webhook) would only happen at the next poll."""
    stop = threading.Event()

    def look() -> None:
        while not stop.wait(every):
            for emu in emus:
                emu.tick()

    thread = threading.Thread(target=look, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
