"""The receiver's flow under ASGI: claim -> handlers -> complete/release, how many thread
hops that takes, what a cancelled delivery leaves behind, and the cached webhook rules."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import attrs
import pytest

from callswitch.hookspecs import hookimpl
from callswitch.provider import ProviderSpec
from callswitch.registry import default_registry
from callswitch.webhooks import CallEvent, Claim, MemoryStore, Receiver, _api
from callswitch.webhooks._receiver import _Gate


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Recording:
    """A store (not a MemoryStore, so it is called in threads) that logs each call, and
    can hold a claim() until ``gate`` is set."""

    def __init__(self, log: list[str]) -> None:
        self.inner = MemoryStore()
        self.log = log
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def claim(self, key: str, lease: float) -> Claim:
        self.entered.set()
        self.gate.wait(10)
        claim = self.inner.claim(key, lease)
        self.log.append(f"claim:{claim.status}")
        return claim

    def complete(self, key: str, token: str) -> bool:
        self.log.append("complete")
        return self.inner.complete(key, token)

    def release(self, key: str, token: str) -> None:
        self.log.append("release")
        self.inner.release(key, token)


def _setup(samples: ModuleType, signed: Any) -> tuple[list[str], Recording, Receiver, Any]:
    log: list[str] = []
    store = Recording(log)
    receiver = Receiver(secrets={"retell": samples.KEY}, store=store, tolerance=10**10)
    delivery = signed("retell", samples.retell_payloads()["call_ended"])
    return log, store, receiver, delivery


def _count_hops(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    hops = [0]
    real = asyncio.to_thread

    async def counting(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        hops[0] += 1
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    return hops


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.anyio
async def test_sync_handlers_run_between_claim_and_complete_in_one_hop(
    samples: ModuleType, signed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sync handlers only: claim, each handler in order, complete, all in one thread hop."""
    log, _, receiver, (headers, body) = _setup(samples, signed)
    receiver.on()(lambda event: log.append("first"))
    receiver.on("call.ended")(lambda event: log.append("second"))
    hops = _count_hops(monkeypatch)
    status, _ = await receiver.ahandle("retell", headers, body)
    assert status == 200
    assert log == ["claim:claimed", "first", "second", "complete"]
    assert hops[0] == 1


@pytest.mark.anyio
async def test_failing_sync_handler_releases_after_claim(
    samples: ModuleType, signed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A raising handler: the claim is released (not completed), 500, and the retry runs
    the handlers again and completes."""
    log, _, receiver, (headers, body) = _setup(samples, signed)
    fail = [True]

    @receiver.on()
    def flaky(event: CallEvent) -> None:
        log.append("handler")
        if fail.pop() if fail else False:
            raise RuntimeError("once")

    hops = _count_hops(monkeypatch)
    assert (await receiver.ahandle("retell", headers, body))[0] == 500
    assert hops[0] == 1
    assert (await receiver.ahandle("retell", headers, body))[0] == 200
    assert log == [
        "claim:claimed",
        "handler",
        "release",
        "claim:claimed",
        "handler",
        "complete",
    ]


@pytest.mark.anyio
async def test_mixed_handlers_keep_order_with_fewer_hops(
    samples: ModuleType, signed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An async handler among sync ones: order kept; consecutive sync handlers share one
    hop (claim, the two sync handlers, async on the loop, complete: three hops)."""
    log, _, receiver, (headers, body) = _setup(samples, signed)
    receiver.on()(lambda event: log.append("sync 1"))
    receiver.on()(lambda event: log.append("sync 2"))

    @receiver.on()
    async def on_loop(event: CallEvent) -> None:
        log.append("async")

    hops = _count_hops(monkeypatch)
    assert (await receiver.ahandle("retell", headers, body))[0] == 200
    assert log == ["claim:claimed", "sync 1", "sync 2", "async", "complete"]
    assert hops[0] == 3


@pytest.mark.anyio
async def test_memory_store_with_async_handler_needs_no_thread(
    samples: ModuleType, signed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A MemoryStore is called on the loop: an async handler alone makes no thread hop."""
    receiver = Receiver(secrets={"retell": samples.KEY}, store=MemoryStore(), tolerance=10**10)
    seen: list[str] = []

    @receiver.on()
    async def handler(event: CallEvent) -> None:
        seen.append(event.key)

    headers, body = signed("retell", samples.retell_payloads()["call_ended"])
    hops = _count_hops(monkeypatch)
    assert (await receiver.ahandle("retell", headers, body))[0] == 200
    assert (await receiver.ahandle("retell", headers, body))[0] == 200  # duplicate
    assert len(seen) == 1
    assert hops[0] == 0


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_cancel_while_claiming_leaves_no_claim_held(
    samples: ModuleType, signed: Any, kind: str
) -> None:
    """Cancelled while claim() runs in its thread: once the claim returns, it is released
    (a redelivery can claim at once) and no handler runs."""
    log, store, receiver, (headers, body) = _setup(samples, signed)
    if kind == "sync":
        receiver.on()(lambda event: log.append("handler"))
    else:

        async def handler(event: CallEvent) -> None:
            log.append("handler")

        receiver.on()(handler)
    store.gate.clear()
    task = asyncio.create_task(receiver.ahandle("retell", headers, body))
    await asyncio.to_thread(store.entered.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    store.gate.set()
    await asyncio.to_thread(_wait_for, lambda: "release" in log)
    assert log == ["claim:claimed", "release"]
    assert (await receiver.ahandle("retell", headers, body))[0] == 200
    assert log[-3:] == ["claim:claimed", "handler", "complete"]


@pytest.mark.anyio
async def test_cancel_during_sync_handler_finishes_and_completes(
    samples: ModuleType, signed: Any
) -> None:
    """Cancelled while a sync handler runs: the thread finishes it and completes the
    event, so the redelivery is a duplicate (handled once), not a second run."""
    log, _, receiver, (headers, body) = _setup(samples, signed)
    running, proceed = threading.Event(), threading.Event()

    @receiver.on()
    def slow(event: CallEvent) -> None:
        log.append("handler")
        running.set()
        proceed.wait(10)

    task = asyncio.create_task(receiver.ahandle("retell", headers, body))
    await asyncio.to_thread(running.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    proceed.set()
    await asyncio.to_thread(_wait_for, lambda: "complete" in log)
    status, answer = await receiver.ahandle("retell", headers, body)
    assert (status, b"duplicate" in answer) == (200, True)
    assert log.count("handler") == 1
    assert "release" not in log


@pytest.mark.anyio
@pytest.mark.parametrize("store_kind", ["thread store", "MemoryStore"])
@pytest.mark.parametrize("sync_last", [True, False])
async def test_cancel_during_sync_run_among_async_handlers_never_overlaps(
    samples: ModuleType, signed: Any, store_kind: str, sync_last: bool
) -> None:
    """Async and sync handlers, cancelled while the sync one runs in its thread: until it
    ends, a redelivery gets 503 and runs nothing. Then the thread completes the event if
    the sync handler was the last one (the redelivery is a duplicate), else releases it
    (the handlers after it never ran), so the redelivery runs the whole event again."""
    log, recording, _, (headers, body) = _setup(samples, signed)
    store = recording if store_kind == "thread store" else MemoryStore()
    receiver = Receiver(secrets={"retell": samples.KEY}, store=store, tolerance=10**10)
    running, proceed = threading.Event(), threading.Event()

    @receiver.on()
    async def before(event: CallEvent) -> None:
        log.append("async before")

    @receiver.on()
    def slow(event: CallEvent) -> None:
        log.append("sync start")
        if not running.is_set():  # only the first run waits (the old code ran it twice)
            running.set()
            proceed.wait(10)
        log.append("sync end")

    if not sync_last:

        @receiver.on()
        async def after(event: CallEvent) -> None:
            log.append("async after")

    task = asyncio.create_task(receiver.ahandle("retell", headers, body))
    await asyncio.to_thread(running.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    status, answer = await receiver.ahandle("retell", headers, body)
    assert status == 503
    handlers = [entry for entry in log if not entry.startswith(("claim", "complete", "release"))]
    assert handlers == ["async before", "sync start"]
    proceed.set()
    deadline = time.monotonic() + 10
    while status == 503:  # until the thread has settled the claim
        assert time.monotonic() < deadline, "the claim was never settled"
        await asyncio.sleep(0.01)
        status, answer = await receiver.ahandle("retell", headers, body)
    handlers = [entry for entry in log if not entry.startswith(("claim", "complete", "release"))]
    if sync_last:
        assert (status, b"duplicate" in answer) == (200, True)
        assert handlers == ["async before", "sync start", "sync end"]
    else:
        assert (status, b"handled" in answer) == (200, True)
        again = ["async before", "sync start", "sync end", "async after"]
        assert handlers == ["async before", "sync start", "sync end", *again]
    if store_kind == "thread store":
        settled = (log.count("release"), log.count("complete"))
        assert settled == ((0, 1) if sync_last else (1, 1))


def test_gate_gives_the_claim_to_whoever_sees_the_other() -> None:
    """Cancelled before the thread starts its handlers: the loop releases, the thread runs
    nothing. Cancelled while they run: the loop gets no token, the thread settles. Cancelled
    after they ended: the loop releases."""
    before = _Gate()
    before.claimed(MemoryStore(), "k", "t")
    assert before.cancel() == "t"
    assert before.begin() is False
    during = _Gate()
    during.claimed(MemoryStore(), "k", "t")
    assert during.begin() is True
    assert during.cancel() is None
    assert during.finish() is True
    after = _Gate()
    after.claimed(MemoryStore(), "k", "t")
    assert (after.begin(), after.finish()) == (True, False)
    assert after.cancel() == "t"


class _Renamed:
    """A plugin registering Retell's spec under another name, with chosen rules."""

    def __init__(self, name: str, rules: str) -> None:
        base = default_registry().get("retell")
        caps = attrs.evolve(base.capabilities, provider=name)
        self.spec: ProviderSpec = attrs.evolve(base, name=name, capabilities=caps, webhooks=rules)

    @hookimpl
    def register_providers(self, register: Callable[[ProviderSpec], None]) -> None:
        register(self.spec)


@pytest.fixture
def renamed() -> Iterator[Callable[[str], None]]:
    registry = default_registry()
    names: list[str] = []

    def register(rules: str) -> None:
        for name in names:
            registry.unregister(name)
        names[:] = registry.register_plugin(_Renamed("cachecheck", rules), name="cache plugin")

    try:
        yield register
    finally:
        for name in names:
            registry.unregister(name)


def test_load_rules_is_cached_per_registered_spec(
    renamed: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """parse()/load_rules() load a provider's rules once, and load them again when the
    name is registered anew (a different spec object)."""
    import callswitch_retell.webhooks as retell_webhooks

    loads: list[str] = []
    import callswitch.provider as provider_module

    real = provider_module.load_object

    def counting(target: str, provider: str) -> Any:
        loads.append(target)
        return real(target, provider)

    monkeypatch.setattr(provider_module, "load_object", counting)
    first = "callswitch_retell.webhooks:RULES"
    renamed(first)
    rules = _api.load_rules("cachecheck")
    assert _api.load_rules("cachecheck") is rules
    assert loads == [first]

    other = type(retell_webhooks.RULES)()
    monkeypatch.setattr(retell_webhooks, "OTHER_RULES", other, raising=False)
    renamed("callswitch_retell.webhooks:OTHER_RULES")
    assert _api.load_rules("cachecheck") is other
    assert loads == [first, "callswitch_retell.webhooks:OTHER_RULES"]
