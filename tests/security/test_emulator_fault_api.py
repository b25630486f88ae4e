"""The emulator's fault API refuses faults that would break every later request, and its
request log is bounded in entries and in the body bytes kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from callswitch import emulators
from callswitch.emulators import Emulator
from callswitch.emulators._requestlog import MAX_BODY_BYTES, MAX_LOG_BYTES


@pytest.fixture
def emu() -> Iterator[tuple[Emulator, httpx.Client]]:
    app = emulators.create("retell")
    http = httpx.Client(transport=app.transport(), base_url="http://retell.emulator.invalid")
    try:
        yield app, http
    finally:
        http.close()
        app.close()


@pytest.mark.parametrize(
    "fault",
    [
        {"path": 123},
        {"method": None},
        {"path": ""},
        {"delay": "inf"},
        {"delay": float("inf")},
        {"delay": 1e9},
        {"delay": -1},
        {"count": 1.5},
        {"count": True},
        {"count": 10**12},
        {"status": 503, "retry_after": float("nan")},
        {"status": 503, "retry_after": ["1"]},
        {"message": 5, "status": 500},
        {"status": "503x"},
    ],
    ids=repr,
)
def test_bad_fault_is_refused_with_400(emu: tuple[Emulator, httpx.Client], fault: Any) -> None:
    _, http = emu
    # json.dumps writes inf and nan as Infinity and NaN, which the emulator's parser reads.
    answer = http.post(
        "/_emulator/faults",
        content=json.dumps(fault),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]
    # Nothing was queued: an ordinary request still works.
    assert http.get("/_emulator/faults").json()["faults"] == []


def test_good_faults_still_queue(emu: tuple[Emulator, httpx.Client]) -> None:
    _, http = emu
    answer = http.post(
        "/_emulator/faults", json={"path": "/v2/get-call/*", "delay": 0.01, "retry_after": 1}
    )
    assert answer.status_code == 201


def test_request_log_is_bounded(emu: tuple[Emulator, httpx.Client]) -> None:
    """1 MB bodies: each is cut to MAX_BODY_BYTES, and the log keeps at most
    MAX_LOG_BYTES of bodies (the oldest entries go)."""
    app, http = emu
    big = b"x" * (1024 * 1024)
    sent = MAX_LOG_BYTES // MAX_BODY_BYTES + 20
    for _ in range(sent):
        http.post("/v2/get-call/none", content=big)
    log = app.requests
    assert len(log) < sent
    assert all(len(entry["body"]) <= MAX_BODY_BYTES for entry in log)
    assert sum(len(entry["body"]) for entry in log) <= MAX_LOG_BYTES
    assert log[-1]["body_truncated"] is True
