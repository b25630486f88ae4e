"""Soak: 2,000 mixed operations from one AsyncClient, 50 at a time, against an in-process
Retell emulator that injects a fault into 10% of the requests it receives (429, 503,
dropped connections before and after applying, slow answers and answers slower than the
client's timeout). Bounded in count and time; no socket at all.

Checked afterwards, against the emulator's state:

* nothing was applied twice: each injected context text is unique and appears at most
  once in its call; each create's marker is on at most one call;
* nothing was lost silently: every operation succeeded, raised a typed callswitch error,
  or raised OutcomeUnknownError; every success is visible in the emulator; a vendor error
  (not an unknown outcome) on live control means the context was not applied;
* the transport saw exactly the requests the emulator logged.

The counts are printed through pytest's terminal reporter (shown without ``-s``) and
recorded as test properties.
"""

from __future__ import annotations

import contextvars
import random
from collections import Counter
from typing import Any

import anyio
import attrs
import httpx
import pytest
from reliability_support import KEY, context_count

import callswitch
from callswitch import CallUpdate, LiveControl, emulators
from callswitch.emulators import AsyncEmulatorTransport, Emulator
from callswitch.errors import CallswitchError, OutcomeUnknownError, ProviderError

OPERATIONS = 2_000
CONCURRENCY = 50
FAULT_RATE = 0.10
CALLS = 30
SEED = 20_260_501
CLIENT_TIMEOUT = 0.5

#: Fault kinds, with weights. A 429's Retry-After is short to keep the soak quick.
FAULTS: list[tuple[str, dict[str, Any], int]] = [
    ("429", {"status": 429, "retry_after": 0.05}, 3),
    ("503", {"status": 503}, 2),
    ("drop_before", {"drop": "before"}, 2),
    ("drop_after", {"drop": "after"}, 2),
    ("slow", {"delay": 0.1}, 2),
    ("timeout", {"delay": CLIENT_TIMEOUT + 0.5}, 1),
]

#: Operation kinds and weights; ``base`` is how many requests one costs without faults.
KINDS = {"control": 25, "update": 20, "get": 25, "list": 10, "create": 20}
BASE_REQUESTS = {"control": 1, "update": 2, "get": 1, "list": 1, "create": 1}

_operation: contextvars.ContextVar[int] = contextvars.ContextVar("operation", default=-1)


class FaultInjector:
    """An ASGI wrapper: queues a random fault for a request just before the emulator
    handles it (matching its method and exact path), for ``rate`` of the requests."""

    def __init__(self, emu: Emulator, rate: float, rng: random.Random) -> None:
        self.emu = emu
        self.rate = rate
        self.rng = rng
        self.injected: Counter[str] = Counter()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        vendor = scope["type"] == "http" and not path.startswith("/_emulator")
        if vendor and self.rng.random() < self.rate:
            names = [f[0] for f in FAULTS]
            weights = [f[2] for f in FAULTS]
            name = self.rng.choices(names, weights)[0]
            fields = dict(next(f[1] for f in FAULTS if f[0] == name))
            self.emu.add_fault(method=scope["method"], path=path, **fields)
            self.injected[name] += 1
        await self.emu(scope, receive, send)


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the attempts each operation made (the operation id is in a context var)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.attempts: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts[_operation.get()] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _show(request: pytest.FixtureRequest, line: str) -> None:
    """Write ``line`` to the terminal whatever the capture mode (no ``-s`` needed)."""
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(line)


@attrs.define
class Outcome:
    index: int
    kind: str
    call_id: str | None
    result: Any = None
    error: BaseException | None = None


async def _run_one(client: callswitch.AsyncClient, index: int, kind: str, call_id: str) -> Outcome:
    _operation.set(index)
    outcome = Outcome(index, kind, call_id)
    try:
        if kind == "control":
            outcome.result = await client.calls.control(
                call_id, LiveControl(inject_context=f"ctx-{index}")
            )
        elif kind == "update":
            outcome.result = await client.calls.update(
                call_id, CallUpdate(variables={f"op{index}": "set"})
            )
        elif kind == "get":
            outcome.result = await client.calls.get(call_id)
        elif kind == "list":
            outcome.result = [c async for c in client.calls.list(limit=5)]
        else:
            outcome.call_id = None
            outcome.result = await client.calls.create_phone(
                from_number="+14155550100",
                to_number="+14155550123",
                metadata={"soak_op": index},
            )
    except CallswitchError as exc:
        outcome.error = exc
    return outcome


@pytest.mark.anyio
async def test_soak_mixed_operations_under_faults(
    request: pytest.FixtureRequest, record_property: Any
) -> None:
    rng = random.Random(SEED)
    emu = emulators.create("retell")
    call_ids = [emu.call_id(emu.add_call("ongoing")) for _ in range(CALLS)]
    injector = FaultInjector(emu, FAULT_RATE, random.Random(SEED + 1))
    transport = CountingTransport(AsyncEmulatorTransport(injector))
    http = httpx.AsyncClient(transport=transport)
    client = callswitch.connect_async(
        "retell",
        api_key=KEY,
        base_url=emu.base_url,
        http_client=http,
        timeout=CLIENT_TIMEOUT,
        max_retries=2,
    )
    plan = [
        (i, rng.choices(list(KINDS), list(KINDS.values()))[0], rng.choice(call_ids))
        for i in range(OPERATIONS)
    ]
    outcomes: list[Outcome] = []
    queue = list(reversed(plan))

    async def worker() -> None:
        while queue:
            index, kind, call_id = queue.pop()
            outcomes.append(await _run_one(client, index, kind, call_id))

    try:
        with anyio.fail_after(120):  # a hard bound; the soak takes a few seconds
            async with anyio.create_task_group() as group:
                for _ in range(CONCURRENCY):
                    group.start_soon(worker)
    finally:
        await http.aclose()
    emu.clear_faults()

    # -- nothing lost: one outcome per operation, each a result or a typed error
    assert sorted(o.index for o in outcomes) == list(range(OPERATIONS))
    assert all(o.error is None or isinstance(o.error, CallswitchError) for o in outcomes)
    # -- the transport saw exactly what the emulator logged
    assert sum(transport.attempts.values()) == len(emu.requests)

    unknown = [o for o in outcomes if isinstance(o.error, OutcomeUnknownError)]
    failed = [o for o in outcomes if o.error is not None and o not in unknown]
    succeeded = [o for o in outcomes if o.error is None]
    retried = [o for o in outcomes if transport.attempts[o.index] > BASE_REQUESTS[o.kind]]

    # -- nothing applied twice, every success visible, a refusal applied nothing
    stored = list(emu.calls.values())
    for o in outcomes:
        if o.kind == "control":
            assert o.call_id is not None
            seen = context_count(emu, o.call_id, f"ctx-{o.index}")
            assert seen <= 1, f"context of operation {o.index} applied {seen} times"
            if o.error is None:
                assert seen == 1, f"operation {o.index} succeeded but is not in the call"
            elif isinstance(o.error, ProviderError):
                assert seen == 0, f"operation {o.index} failed ({o.error!r}) yet was applied"
        elif o.kind == "update" and o.error is None:
            assert o.call_id is not None
            variables = emu.get_call(o.call_id)["retell_llm_dynamic_variables"]
            assert variables.get(f"op{o.index}") == "set"
        elif o.kind == "create":
            made = [c for c in stored if (c.get("metadata") or {}).get("soak_op") == o.index]
            assert len(made) <= 1, f"create {o.index} dialled {len(made)} calls"
            if o.error is None:
                assert [c["call_id"] for c in made] == [o.result.id]
        elif o.kind == "get" and o.error is None:
            assert o.result.id == o.call_id

    by_error = Counter(type(o.error).__name__ for o in failed)
    summary = (
        f"soak: {OPERATIONS} operations, concurrency {CONCURRENCY}, "
        f"{len(emu.requests)} requests, faults injected {sum(injector.injected.values())} "
        f"({dict(sorted(injector.injected.items()))}); succeeded {len(succeeded)}, "
        f"retried {len(retried)} (of which succeeded "
        f"{sum(1 for o in retried if o.error is None)}), outcome unknown {len(unknown)}, "
        f"other typed errors {len(failed)} ({dict(sorted(by_error.items()))})"
    )
    _show(request, summary)
    for name, value in (
        ("operations", OPERATIONS),
        ("requests", len(emu.requests)),
        ("faults_injected", sum(injector.injected.values())),
        ("succeeded", len(succeeded)),
        ("retried", len(retried)),
        ("outcome_unknown", len(unknown)),
        ("typed_errors", len(failed)),
    ):
        record_property(name, value)

    # The fault rate was real, and the retry loop did its job.
    assert 0.07 < sum(injector.injected.values()) / len(emu.requests) < 0.13
    assert retried
    assert len(succeeded) > 0.85 * OPERATIONS
    # Only writes can end unknown: live control (never retried once sent), and a keyed
    # create whose every retry failed ambiguously, which hands its key back to reuse.
    assert {o.kind for o in unknown} <= {"control", "create"}
    for outcome in unknown:
        if outcome.kind == "create":
            assert isinstance(outcome.error, OutcomeUnknownError)
            assert outcome.error.idempotency_key
    emu.close()
