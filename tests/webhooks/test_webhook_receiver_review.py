"""Review reproductions: a cancelled handler releases its claim; a refused body's
content stays out of the log."""

from __future__ import annotations

import asyncio
import logging
from types import ModuleType
from typing import Any

import pytest

from callswitch.errors import InvalidRequestError
from callswitch.webhooks import CallEvent, ClaimStatus, MemoryStore, Receiver, _receiver


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_cancelled_async_handler_releases_the_claim(samples: ModuleType, signed: Any) -> None:
    """A client disconnect or shutdown cancels the handler: the claim is released at
    once (the redelivery is handled, not refused with 503) and the cancel propagates."""
    store = MemoryStore()
    receiver = Receiver(secrets={"retell": samples.KEY}, store=store, tolerance=10**10)
    started = asyncio.Event()
    keys: list[str] = []

    @receiver.on()
    async def slow(event: CallEvent) -> None:
        keys.append(event.key)
        started.set()
        await asyncio.sleep(60)

    headers, body = signed("retell", samples.retell_payloads()["call_ended"])
    task = asyncio.create_task(receiver.ahandle("retell", headers, body))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert store.claim(keys[0], 30).status is ClaimStatus.CLAIMED


def test_cancelled_sync_path_releases_the_claim(samples: ModuleType, signed: Any) -> None:
    """handle() running an async handler that is cancelled releases the claim too."""
    store = MemoryStore()
    receiver = Receiver(secrets={"retell": samples.KEY}, store=store, tolerance=10**10)
    keys: list[str] = []

    @receiver.on()
    async def cancelled(event: CallEvent) -> None:
        keys.append(event.key)
        raise asyncio.CancelledError

    headers, body = signed("retell", samples.retell_payloads()["call_ended"])
    with pytest.raises(asyncio.CancelledError):
        receiver.handle("retell", headers, body)
    assert store.claim(keys[0], 30).status is ClaimStatus.CLAIMED


def test_refused_body_log_line_has_no_body_content(
    samples: ModuleType,
    signed: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mapping error quoting the signed body: 400, and the warning names the provider
    and error class but not the quoted content."""

    def quoting(*args: Any, **kwargs: Any) -> CallEvent:
        raise InvalidRequestError(
            "retell webhook signature is valid but its call object could not be read "
            "(ValueError: bad value 'cust_secret_555')"
        )

    monkeypatch.setattr(_receiver, "parse_with", quoting)
    receiver = Receiver(secrets={"retell": samples.KEY}, store=MemoryStore())
    headers, body = signed("retell", samples.retell_payloads()["call_ended"])
    caplog.set_level(logging.INFO, logger="callswitch.webhooks")
    assert receiver.handle("retell", headers, body)[0] == 400
    (record,) = caplog.records
    line = record.getMessage()
    assert "cust_secret_555" not in caplog.text
    assert "retell" in line
    assert "InvalidRequestError" in line
