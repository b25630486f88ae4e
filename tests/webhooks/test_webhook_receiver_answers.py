"""Receiver answers that need no workers: 400, 405, 413, lifespan, and what a failure logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any

import httpx
import pytest

from callswitch.webhooks import CallEvent, MemoryStore, Receiver

Signed = Callable[[str, dict[str, Any]], tuple[dict[str, str], bytes]]


def _receiver(samples: ModuleType, **options: Any) -> Receiver:
    return Receiver(secrets={"retell": samples.KEY}, store=MemoryStore(), **options)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_verified_but_unreadable_body_is_400(samples: ModuleType) -> None:
    """A correctly signed body that is not an event: 400, handlers not run."""
    receiver = _receiver(samples, tolerance=10**10)
    ran: list[CallEvent] = []
    receiver.on()(ran.append)
    for junk in (b"not json", b"[1, 2]", b'{"call": {}}'):
        headers = {"x-retell-signature": samples.sign_retell(junk)}
        status, body = receiver.handle("retell", headers, junk)
        assert status == 400, junk
        assert b"unreadable" in body
    assert ran == []


@pytest.mark.anyio
async def test_asgi_405_413_404_and_lifespan(samples: ModuleType, signed: Signed) -> None:
    """GET -> 405 with Allow: POST; body over max_body -> 413; unknown path -> 404;
    the lifespan protocol completes startup and shutdown."""
    receiver = _receiver(samples, max_body=1000, tolerance=10**10)
    app = receiver.asgi()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as client:
        wrong = await client.get("/retell")
        big = await client.post("/retell", content=b"x" * 1001)
        unknown = await client.post("/acme", content=b"{}")
        headers, body = signed("retell", samples.retell_payloads()["call_started"])
        ok = await client.post("/retell", headers=headers, content=body)
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert big.status_code == 413
    assert unknown.status_code == 404
    assert ok.status_code == 200

    sent: list[dict[str, Any]] = []
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def test_handle_413_before_verifying(samples: ModuleType) -> None:
    """The framework-free entry refuses an oversized body too, without parsing it."""
    receiver = _receiver(samples, max_body=10)
    assert receiver.handle("retell", {}, b"x" * 11)[0] == 413


def test_failing_handler_logs_the_key_never_the_secret_or_body(
    samples: ModuleType, signed: Signed, caplog: pytest.LogCaptureFixture
) -> None:
    """500, the claim released (the retry is handled), and the log line has the event key
    but not the secret nor anything from the body."""
    receiver = _receiver(samples, tolerance=10**10)
    attempts: list[str] = []

    @receiver.on()
    def flaky(event: CallEvent) -> None:
        attempts.append(event.key)
        if len(attempts) == 1:
            raise RuntimeError("database unavailable")

    headers, body = signed("retell", samples.retell_payloads()["call_ended"])
    caplog.set_level(logging.INFO, logger="callswitch.webhooks")
    first = receiver.handle("retell", headers, body)
    second = receiver.handle("retell", headers, body)
    assert (first[0], second[0]) == (500, 200)
    assert len(attempts) == 2
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failures) == 1
    text = caplog.text
    assert attempts[0] in failures[0].getMessage()
    assert samples.KEY not in text
    for secretish in ("cust_123", "John Doe", samples.TO, "recording.wav"):
        assert secretish not in text


@pytest.mark.anyio
async def test_async_path_logs_the_handlers_traceback(
    samples: ModuleType, signed: Signed, caplog: pytest.LogCaptureFixture
) -> None:
    """Under ASGI the failure is logged with the handler's exception, not "NoneType"."""
    receiver = _receiver(samples, tolerance=10**10)

    @receiver.on()
    def broken(event: CallEvent) -> None:
        raise LookupError("no such order")

    headers, body = signed("retell", samples.retell_payloads()["call_ended"])
    caplog.set_level(logging.ERROR, logger="callswitch.webhooks")
    status, _ = await receiver.ahandle("retell", headers, body)
    assert status == 500
    (record,) = caplog.records
    assert record.exc_info is not None
    assert record.exc_info[0] is LookupError
    assert "NoneType: None" not in caplog.text
