"""The emulator's webhook sender is bounded, and sends nothing once closed."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from callswitch.emulators._webhooks import WebhookSender
from callswitch.errors import InvalidRequestError


def _unsigned(body: bytes) -> dict[str, str]:
    return {}


class _Gate:
    """A transport that holds every request until opened, and counts them."""

    def __init__(self, status: int = 200) -> None:
        self.opened = threading.Event()
        self.arrived = threading.Event()
        self.posts: list[str] = []
        self.status = status
        self.transport = httpx.MockTransport(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.posts.append(request.content.decode())
        self.arrived.set()
        self.opened.wait(10)
        return httpx.Response(self.status)


def test_a_full_queue_drops_the_oldest_waiting_delivery_and_counts_it() -> None:
    """With max_queue=3 and the first delivery in flight, 9 more sends keep the newest 3."""
    gate = _Gate()
    sender = WebhookSender(
        "http://127.0.0.1:9/hook", _unsigned, max_queue=3, transport=gate.transport
    )
    try:
        sender.send("e", "c0", {"n": 0})
        assert gate.arrived.wait(10)
        for n in range(1, 10):
            sender.send("e", f"c{n}", {"n": n})
        assert sender.dropped == 6
        gate.opened.set()
        assert sender.wait(10)
        assert [d.call_id for d in sender.log] == ["c0", "c7", "c8", "c9"]
        assert sender.log_dropped == 0
    finally:
        gate.opened.set()
        sender.close()


def test_the_log_keeps_the_last_max_log_deliveries() -> None:
    gate = _Gate()
    gate.opened.set()
    sender = WebhookSender(
        "http://127.0.0.1:9/hook", _unsigned, max_log=2, transport=gate.transport
    )
    try:
        for n in range(5):
            sender.send("e", f"c{n}", {"n": n})
        assert sender.wait(10)
        assert [d.call_id for d in sender.log] == ["c3", "c4"]
        assert sender.log_dropped == 3
        assert sender.dropped == 0
    finally:
        sender.close()


def test_close_stops_posting_at_once() -> None:
    """A delivery being retried makes no further attempt and the queued ones are dropped:
    close() returns at once and nothing is posted after it."""
    gate = _Gate(status=500)
    gate.opened.set()
    sender = WebhookSender(
        "http://127.0.0.1:9/hook",
        _unsigned,
        attempts=6,
        backoff=0.5,
        max_backoff=2.0,
        transport=gate.transport,
    )
    for n in range(3):
        sender.send("e", f"c{n}", {"n": n})
    assert gate.arrived.wait(10)
    started = time.monotonic()
    sender.close()
    assert time.monotonic() - started < 1.0
    posted = len(gate.posts)
    time.sleep(0.7)
    assert len(gate.posts) == posted == 1
    assert sender.dropped == 2
    sender.send("e", "late", {"n": 9})
    time.sleep(0.1)
    assert len(gate.posts) == 1
    assert sender.wait(1)


@pytest.mark.parametrize("bound", [0, -1, True, 1.5])
def test_bounds_must_be_positive_whole_numbers(bound: object) -> None:
    for name in ("max_queue", "max_log"):
        with pytest.raises(InvalidRequestError, match=name):
            WebhookSender("http://127.0.0.1:9/hook", _unsigned, **{name: bound})  # type: ignore[arg-type]


def test_the_emulator_reports_the_drops() -> None:
    """Emulator.webhook_drops counts what its sender dropped; close() drops the rest."""
    from callswitch import emulators

    gate = _Gate()
    emu = emulators.create("vapi")
    emu.set_webhooks("http://127.0.0.1:9/hook", "whsec_x", transport=gate.transport, max_queue=1)
    try:
        assert emu.webhook_drops == {"unsent": 0, "log": 0}
        call_id = emu.call_id(emu.add_call("queued"))
        emu.set_status(call_id, "ongoing")
        assert gate.arrived.wait(10)
        emu.set_status(call_id, "ended")
        assert emu.webhook_drops["unsent"] >= 1
    finally:
        gate.opened.set()
        emu.close()
