"""Review reproductions: a cancelled handler releases its claim."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import pytest

from callswitch.webhooks import CallEvent, ClaimStatus, MemoryStore, Receiver


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
