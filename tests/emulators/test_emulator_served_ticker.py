"""A served emulator is a phone network on its own: calls end and webhooks go out on
time, with no request to the emulator; in process the timers stay lazy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import httpx
import pytest

from callswitch import emulators
from callswitch.webhooks import EventType, MemoryStore, Receiver

SECRET = "whsec_served_ticker_41c2"
CREATE = {
    "retell": {"from_number": "+14155550100"},
    "vapi": {"from_number": "+14155550100", "agent_id": "asst_1"},
    "truedy": {"agent_id": "agt_1"},
}


def _tickers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.endswith("-ticker") and t.is_alive()]


def _until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


class _Heard:
    """A verifying Receiver that notes when (monotonic) each event type arrived."""

    def __init__(self, provider: str, secret: str = SECRET) -> None:
        self.receiver = Receiver(secrets={provider: secret}, store=MemoryStore())
        self.at: dict[EventType, float] = {}
        self.receiver.on()(lambda event: self.at.setdefault(event.type, time.monotonic()))


@contextmanager
def _served(receiver: Receiver) -> Iterator[str]:
    """The receiver on a real uvicorn socket (127.0.0.1), in a thread."""
    import uvicorn

    config = uvicorn.Config(receiver.asgi(), host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert _until(lambda: server.started and bool(server.servers), 10), "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.parametrize("provider", sorted(CREATE))
def test_served_emulator_hangs_up_and_posts_the_end_with_nobody_asking(provider: str) -> None:
    """emulators.running + answer_after/end_after + webhook_url: after the one create
    request, the receiver gets the call's started and ended webhooks on time although
    nothing looks at the emulator again (no request, no get_call, no tick)."""
    heard = _Heard(provider)
    with _served(heard.receiver) as hooks:
        emu = emulators.create(
            provider,
            answer_after=0.05,
            end_after=0.3,
            webhook_url=f"{hooks}/{provider}",
            webhook_secret=SECRET,
        )
        try:
            with emulators.running(emu) as base_url:
                assert emu.base_url == base_url
                with emu.connect() as client:  # over the socket
                    created_at = time.monotonic()
                    client.calls.create_phone(to_number="+14155550123", **CREATE[provider])
                asked = len(emu.requests)  # the create (Vapi's looks its number up first)
                ended = _until(lambda: EventType.CALL_ENDED in heard.at, 10)
                requests = emu.requests
        finally:
            emu.close()
    assert ended, f"no call.ended reached the receiver; it heard {sorted(heard.at)}"
    assert len(requests) == asked  # nothing after the create
    assert requests[-1]["method"] == "POST"
    started = heard.at[EventType.CALL_STARTED] - created_at
    finished = heard.at[EventType.CALL_ENDED] - created_at
    assert 0.05 <= started < finished
    assert 0.35 <= finished < 5.0


def test_in_process_stays_lazy_and_serving_applies_the_timers() -> None:
    """With a fake clock, in process: no ticker thread, and a call whose end fell due is
    untouched until looked at. Served (the same emulator, the same fake clock): the
    hang-up happens with nobody looking."""
    emu = emulators.create("retell", end_after=10)
    clock = [1_800_000_000.0]
    emu.now = lambda: clock[0]  # type: ignore[method-assign]
    try:
        client = emu.connect()
        call_id = client.calls.create_phone(from_number="+14155550100", to_number="+14155550123").id
        emu.set_status(call_id, "ongoing")
        clock[0] += 60
        time.sleep(0.1)
        with emu.lock:
            assert emu.calls[call_id]["call_status"] == "ongoing"
        assert _tickers() == []
        with emulators.running(emu):
            assert _until(lambda: emu.calls[call_id]["call_status"] == "ended", 5)
            assert [t.name for t in _tickers()] == ["callswitch-emulator-retell-ticker"]
        assert _tickers() == []
    finally:
        emu.close()


def test_a_call_moved_while_served_wakes_the_ticker() -> None:
    """The ticker sleeps until the next due transition (for good while none is), and a
    call that moves meanwhile (answered through the control API) is scheduled from its
    own time: two calls answered 0.3 s apart end by themselves 0.3 s apart."""
    emu = emulators.create("vapi", end_after=0.4)
    try:
        with emulators.running(emu) as base_url:
            first = emu.call_id(emu.add_call("queued"))
            second = emu.call_id(emu.add_call("queued"))
            httpx.post(f"{base_url}/_emulator/calls/{first}/state", json={"status": "ongoing"})
            time.sleep(0.3)
            httpx.post(f"{base_url}/_emulator/calls/{second}/state", json={"status": "ongoing"})
            ended: dict[str, float] = {}

            def both_ended() -> bool:
                with emu.lock:
                    for call_id in (first, second):
                        if emu.calls[call_id]["status"] == "ended":
                            ended.setdefault(call_id, time.monotonic())
                return len(ended) == 2

            assert _until(both_ended, 10)
    finally:
        emu.close()
    assert 0.15 < ended[second] - ended[first] < 0.6


def _lifespan(app: Any, during: Callable[[], None]) -> list[str]:
    """Drive ``app``'s ASGI lifespan as a server would; ``during`` runs between startup
    and shutdown. Returns the message types the app sent."""
    sent: list[str] = []

    async def main() -> None:
        inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

        async def receive() -> dict[str, Any]:
            message = inbox.pop(0)
            if message["type"] == "lifespan.shutdown":
                during()
            return message

        async def send(message: Any) -> None:
            sent.append(message["type"])

        await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)

    anyio.run(main)
    return sent


def test_any_asgi_servers_lifespan_starts_and_stops_the_ticker() -> None:
    """Served by any ASGI server, the lifespan startup starts the ticker (timers applied
    on time) and its shutdown stops it: no thread is left behind."""
    emu = emulators.create("truedy", answer_after=0.05)
    seen: list[str] = []

    def during() -> None:
        seen.extend(t.name for t in _tickers())
        call_id = emu.call_id(emu.add_call("queued"))
        assert _until(lambda: emu.calls[call_id]["status"] == "in_progress", 5)

    try:
        sent = _lifespan(emu, during)
        assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
        assert seen == ["callswitch-emulator-truedy-ticker"]
        assert _tickers() == []
    finally:
        emu.close()


def test_close_stops_the_ticker_of_an_emulator_still_served() -> None:
    """close() ends the ticker even inside running(); leaving the block is then clean."""
    emu = emulators.create("retell", end_after=5)
    with emulators.running(emu):
        assert len(_tickers()) == 1
        emu.close()
        assert _tickers() == []
    assert _tickers() == []


def test_cli_emulate_posts_the_end_of_a_call_by_itself() -> None:
    """``callswitch emulate retell --answer-after --end-after --webhook-url``: after one
    create request, call_ended reaches the receiver with nothing else asked; SIGTERM
    then stops the command cleanly."""
    from local_servers import free_port

    heard = _Heard("retell", secret=SECRET)
    port = free_port()
    with _served(heard.receiver) as hooks:
        command = [
            sys.executable, "-m", "callswitch", "emulate", "retell", "--port", str(port),
            "--answer-after", "0.05", "--end-after", "0.2",
            "--webhook-url", f"{hooks}/retell",
        ]  # fmt: skip
        proc = subprocess.Popen(
            command,
            env={**os.environ, "CALLSWITCH_WEBHOOK_SECRET": SECRET},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"

            def up() -> bool:
                try:
                    httpx.get(f"{base}/_emulator/calls", timeout=1)
                except httpx.TransportError:
                    return False
                return True

            assert _until(up, 20), "callswitch emulate did not start"
            created = httpx.post(
                f"{base}/v2/create-phone-call",
                json={"from_number": "+14155550100", "to_number": "+14155550123"},
                headers={"Authorization": "Bearer any-key"},
            )
            assert created.status_code == 201, created.text
            assert _until(lambda: EventType.CALL_ENDED in heard.at, 10), sorted(heard.at)
        finally:
            proc.terminate()
            _, errors = proc.communicate(timeout=15)
    # uvicorn re-raises the SIGTERM it handled once it has shut down.
    assert proc.returncode in (0, -signal.SIGTERM), errors
    assert "Traceback" not in errors
    assert SECRET not in errors
