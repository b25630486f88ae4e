"""Emulators send the vendor's own webhooks, signed, at least once, in the background."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from callswitch import emulators
from callswitch.emulators import Emulator
from callswitch.errors import InvalidRequestError
from callswitch.webhooks import EventType, MemoryStore, Receiver

SECRET = "whsec_emulator_test_5e1f"
URL = "http://receiver.invalid/hook"

# What each vendor sends for one call that starts and ends (names the vendor uses).
EXPECTED = {
    "retell": ["call_started", "call_ended", "call_analyzed"],
    "vapi": ["status-update", "status-update", "end-of-call-report"],
    "truedy": ["call.started", "call.ended", "call.analyzed"],
}


def _receiver_transport(
    provider: str, seen: list[tuple[EventType, str, str]]
) -> tuple[Receiver, httpx.MockTransport]:
    receiver = Receiver(secrets={provider: SECRET}, store=MemoryStore())

    @receiver.on()
    def record(event: object) -> None:
        seen.append((event.type, event.raw_type, event.call_id))  # type: ignore[attr-defined]

    def answer(request: httpx.Request) -> httpx.Response:
        status, body = receiver.handle(provider, request.headers, request.content)
        return httpx.Response(status, content=body)

    return receiver, httpx.MockTransport(answer)


@pytest.mark.parametrize("provider", sorted(EXPECTED))
def test_each_change_is_delivered_once_to_a_verifying_receiver(provider: str) -> None:
    """Started and ended reach the handler once each though every webhook is sent 3 times."""
    seen: list[tuple[EventType, str, str]] = []
    _, transport = _receiver_transport(provider, seen)
    emu = emulators.create(provider)
    try:
        emu.set_webhooks(URL, SECRET, duplicates=2, transport=transport)
        call_id = emu.call_id(emu.add_call("queued"))
        client = emu.connect()
        emu.set_status(call_id, "ongoing")
        client.calls.end(call_id) if provider == "retell" else emu.set_status(call_id, "ended")
        assert emu.wait_webhooks(10)
        log = emu.webhook_log
    finally:
        emu.close()
    assert [raw for _, raw, _ in seen] == EXPECTED[provider]
    assert {cid for _, _, cid in seen} == {call_id}
    types = [t for t, _, _ in seen]
    assert types.count(EventType.CALL_STARTED) == 1
    assert types.count(EventType.CALL_ENDED) == 1
    assert len(log) == 3 * len(EXPECTED[provider])
    assert all(d.status == 200 and d.attempts == 1 for d in log)
    assert sorted(d.copy for d in log) == sorted([0, 1, 2] * len(EXPECTED[provider]))


def test_add_call_in_a_late_state_sends_every_step() -> None:
    """A call added as ended walks through ongoing: both webhooks are sent, in order."""
    seen: list[tuple[EventType, str, str]] = []
    _, transport = _receiver_transport("truedy", seen)
    emu = emulators.create("truedy")
    try:
        emu.set_webhooks(URL, SECRET, transport=transport)
        emu.add_call("ended")
        assert emu.wait_webhooks(10)
    finally:
        emu.close()
    assert [raw for _, raw, _ in seen] == ["call.started", "call.ended", "call.analyzed"]


def _scripted(statuses: list[int], hits: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        hits.append(request)
        status = statuses.pop(0) if statuses else 200
        return httpx.Response(status)

    return httpx.MockTransport(answer)


def test_non_2xx_answers_are_retried_with_backoff() -> None:
    """503, 500, then 200: three attempts, the same body each time, re-signed."""
    hits: list[httpx.Request] = []
    emu = emulators.create("truedy")
    try:
        emu.set_webhooks(URL, SECRET, transport=_scripted([503, 500], hits), backoff=0.01)
        emu.add_call("ongoing")
        assert emu.wait_webhooks(10)
        (delivery,) = emu.webhook_log
    finally:
        emu.close()
    assert (delivery.attempts, delivery.status, delivery.delivered) == (3, 200, True)
    assert len({r.content for r in hits}) == 1
    assert all("x-truedy-signature" in r.headers for r in hits)


def test_retries_are_bounded_and_the_failure_is_logged_without_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A receiver that always fails gets `attempts` tries, then a warning (no secret)."""
    hits: list[httpx.Request] = []
    emu = emulators.create("retell")
    caplog.set_level(logging.INFO, logger="callswitch.emulators")
    try:
        emu.set_webhooks(
            URL, SECRET, transport=_scripted([500] * 50, hits), attempts=4, backoff=0.001
        )
        emu.add_call("ongoing")
        assert emu.wait_webhooks(10)
        (delivery,) = emu.webhook_log
    finally:
        emu.close()
    assert (delivery.attempts, delivery.status, delivery.delivered) == (4, 500, False)
    assert len(hits) == 4
    assert "not accepted after 4 attempts" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in repr(emu)


def test_transport_errors_are_retried() -> None:
    """A connection error counts as a failed attempt, then the retry gets through."""
    calls: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(204)

    emu = emulators.create("vapi")
    try:
        emu.set_webhooks(URL, SECRET, transport=httpx.MockTransport(answer), backoff=0.001)
        emu.add_call("ongoing")
        assert emu.wait_webhooks(10)
        (delivery,) = emu.webhook_log
    finally:
        emu.close()
    assert (delivery.attempts, delivery.status) == (2, 204)


def test_sending_never_blocks_the_emulator() -> None:
    """While the receiver hangs, requests to the emulator are still answered at once."""
    release = threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        release.wait(10)
        return httpx.Response(200)

    emu = emulators.create("retell")
    try:
        emu.set_webhooks(URL, SECRET, transport=httpx.MockTransport(answer))
        client = emu.connect()
        started = time.monotonic()
        call = emu.add_call("ongoing")
        fetched = client.calls.get(call["call_id"])
        client.calls.end(call["call_id"])
        elapsed = time.monotonic() - started
        assert not emu.wait_webhooks(0.05)  # still sending
        release.set()
        assert emu.wait_webhooks(10)
    finally:
        release.set()
        emu.close()
    assert elapsed < 2.0
    assert fetched.id == call["call_id"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"webhook_url": "ftp://x/hook", "webhook_secret": SECRET}, "http:// or https://"),
        ({"webhook_url": URL}, "needs webhook_secret"),
        ({"webhook_url": URL, "webhook_secret": ""}, "needs webhook_secret"),
        ({"webhook_url": URL, "webhook_secret": SECRET, "duplicate_webhooks": -1}, ">= 0"),
        ({"webhook_secret": SECRET}, "need webhook_url"),
        ({"duplicate_webhooks": 2}, "need webhook_url"),
    ],
)
def test_bad_webhook_options_are_refused_before_anything_runs(
    options: dict[str, object], message: str
) -> None:
    """Each mistake gets an InvalidRequestError saying what to pass."""
    with pytest.raises(InvalidRequestError, match=message) as info:
        emulators.create("vapi", **options)  # type: ignore[arg-type]
    assert SECRET not in str(info.value)


@contextmanager
def _served(receiver: Receiver) -> Iterator[str]:
    """The receiver on a real uvicorn socket (127.0.0.1), in a thread."""
    import uvicorn

    config = uvicorn.Config(receiver.asgi(), host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and server.servers):
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.parametrize("provider", sorted(EXPECTED))
def test_create_sends_to_a_receiver_on_a_socket(provider: str) -> None:
    """emulators.create(P, webhook_url=..., duplicate_webhooks=2) -> a uvicorn Receiver:
    each event handled once, every copy answered 2xx."""
    receiver = Receiver(secrets={provider: SECRET}, store=MemoryStore())
    seen: list[str] = []
    receiver.on()(lambda event: seen.append(event.raw_type))
    with _served(receiver) as base:
        emu: Emulator = emulators.create(
            provider,
            webhook_url=f"{base}/{provider}",
            webhook_secret=SECRET,
            duplicate_webhooks=2,
        )
        try:
            call_id = emu.call_id(emu.add_call("ongoing"))
            emu.set_status(call_id, "ended")
            assert emu.wait_webhooks(20)
            log = emu.webhook_log
        finally:
            emu.close()
    assert seen == EXPECTED[provider]
    assert len(log) == 3 * len(EXPECTED[provider])
    assert all(d.delivered for d in log)


def _bodies(provider: str, end: str = "ended") -> list[dict[str, object]]:
    import json

    hits: list[httpx.Request] = []
    emu = emulators.create(provider)
    try:
        emu.set_webhooks(URL, SECRET, transport=_scripted([], hits))
        emu.add_call(end)
        assert emu.wait_webhooks(10)
    finally:
        emu.close()
    return [json.loads(r.content) for r in hits]


def test_payloads_have_the_vendors_documented_shapes() -> None:
    """Retell {event, call} (analysis only in call_analyzed); Vapi {message} with the
    report's fields; Truedy {event, timestamp, data} with data.call.callId and data.id."""
    retell = _bodies("retell")
    assert [set(b) for b in retell] == [{"event", "call"}] * 3
    assert "call_analysis" not in retell[1]["call"]  # type: ignore[operator]
    assert "call_analysis" in retell[2]["call"]  # type: ignore[operator]

    report = _bodies("vapi")[-1]["message"]
    assert isinstance(report, dict)
    assert report["type"] == "end-of-call-report"
    assert {"endedReason", "artifact", "analysis", "call", "timestamp"} <= set(report)

    truedy = _bodies("truedy")
    assert [set(b) for b in truedy] == [{"event", "timestamp", "data"}] * 3
    ids = [b["data"]["id"] for b in truedy]  # type: ignore[index]
    assert len(set(ids)) == 3
    call_id = truedy[0]["data"]["call"]["callId"]  # type: ignore[index]
    assert all(b["data"]["call"]["callId"] == call_id for b in truedy)  # type: ignore[index]
    failed = _bodies("truedy", end="failed")
    assert [b["event"] for b in failed] == ["call.failed"]


def test_docs_example_runs_against_a_receiver_on_uvicorn() -> None:
    """The docs/emulators.md webhook example, with RECEIVER_URL a real socket."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "emulators.md"
    (block,) = [
        b
        for b in re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
        if b.startswith("# emulator_webhooks.py")
    ]
    head, _, tail = block.partition("emu = emulators.create(")
    namespace: dict[str, object] = {"__name__": "docs_emulator_webhooks"}
    exec(compile(head, str(doc), "exec"), namespace)  # noqa: S102
    receiver = namespace["receiver"]
    assert isinstance(receiver, Receiver)
    with _served(receiver) as base:
        namespace["RECEIVER_URL"] = f"{base}/vapi"
        exec(compile("emu = emulators.create(" + tail, str(doc), "exec"), namespace)  # noqa: S102
    assert namespace["seen"] == ["call.started", "call.status_changed", "call.ended"]


@pytest.mark.parametrize("provider", sorted(EXPECTED))
def test_whole_call_with_timers_reaches_a_uvicorn_receiver_once(provider: str) -> None:
    """Timers answer and hang up a created call; the Receiver on a socket sees started and
    ended exactly once each although every webhook is sent three times."""
    receiver = Receiver(secrets={provider: SECRET}, store=MemoryStore())
    seen: list[EventType] = []
    receiver.on()(lambda event: seen.append(event.type))
    with _served(receiver) as base:
        emu = emulators.create(
            provider,
            answer_after=0.05,
            end_after=0.2,
            webhook_url=f"{base}/{provider}",
            webhook_secret=SECRET,
            duplicate_webhooks=2,
        )
        try:
            call_id = emu.call_id(emu.add_call("queued"))
            client = emu.connect()
            ended = client.calls.wait(call_id, {"ended", "failed"}, timeout=10, poll_interval=0.01)
            assert emu.wait_webhooks(20)
            log = emu.webhook_log
        finally:
            emu.close()
    assert ended.status == "ended"
    assert seen.count(EventType.CALL_STARTED) == 1
    assert seen.count(EventType.CALL_ENDED) == 1
    assert seen.index(EventType.CALL_STARTED) < seen.index(EventType.CALL_ENDED)
    assert len(log) == 3 * len(EXPECTED[provider])
    assert all(d.delivered for d in log)
