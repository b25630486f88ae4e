"""The receiver under real uvicorn workers (separate processes) with a real SQLite file
and a real Redis server: each event handled exactly once, every delivery answered 2xx
eventually, and an event whose worker was SIGKILLed handled again after the lease."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import threading
import time
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from receiver_support import (
    delivery,
    ledger_counts,
    ledger_pids,
    new_ledger,
    uvicorn_workers,
)


def _store_env(kind: str, tmp_path: Path, redis_url: str) -> str:
    return f"sqlite:{tmp_path / 'events.db'}" if kind == "sqlite" else f"redis:{redis_url}"


async def _deliver_until_2xx(
    client: httpx.AsyncClient, headers: dict[str, str], body: bytes, statuses: list[int]
) -> None:
    for _ in range(200):
        response = await client.post("/retell", headers=headers, content=body)
        statuses.append(response.status_code)
        if response.status_code < 300:
            return
        await asyncio.sleep(0.02)  # the vendor's retry, compressed
    raise AssertionError("a delivery never got a 2xx answer")


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_load_exactly_once_across_four_workers(
    kind: str, tmp_path: Path, redis_url: str, samples: ModuleType
) -> None:
    """100 events x 3 deliveries, shuffled and concurrent, 4 workers, a tenth of the
    handlers failing once: every event done exactly once, every delivery 2xx in the end."""
    ledger = new_ledger(tmp_path / "ledger.txt")
    prefix = f"load-{kind}-{time.monotonic_ns()}"
    call_ids = [f"{prefix}-{n}" + ("-fails-once" if n % 10 == 0 else "") for n in range(100)]
    deliveries = [delivery(samples, call_id) for call_id in call_ids for _ in range(3)]
    random.Random(16).shuffle(deliveries)
    env = {
        "CS_STORE": _store_env(kind, tmp_path, redis_url),
        "CS_LEDGER": str(ledger),
        "CS_KEY": samples.KEY,
    }
    statuses: list[int] = []
    with uvicorn_workers(tmp_path, env, workers=4) as (base, _):

        async def run() -> None:
            # A new connection per delivery: kept-alive connections accepted in one burst
            # by the first worker awake would carry the whole load to that one process.
            limits = httpx.Limits(max_connections=48, max_keepalive_connections=0)
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
                await asyncio.gather(
                    *(_deliver_until_2xx(client, h, b, statuses) for h, b in deliveries)
                )

        asyncio.run(run())
    done = ledger_counts(ledger, "done")
    assert len(done) == 100
    assert set(done.values()) == {1}, {k: v for k, v in done.items() if v != 1}
    assert len(ledger_counts(ledger, "fail")) == 10
    assert 500 in statuses  # the failing handlers were answered 500 and retried
    assert len(ledger_pids(ledger)) > 1  # several worker processes really handled events


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_killed_worker_event_handled_again_after_lease(
    kind: str, tmp_path: Path, redis_url: str, samples: ModuleType
) -> None:
    """A worker SIGKILLed mid-handler: redeliveries get 503 + Retry-After while its lease
    lives, then another worker handles the event, once."""
    ledger = new_ledger(tmp_path / "ledger.txt")
    env = {
        "CS_STORE": _store_env(kind, tmp_path, redis_url),
        "CS_LEDGER": str(ledger),
        "CS_KEY": samples.KEY,
        "CS_LEASE": "1.5",
    }
    headers, body = delivery(samples, f"slow-{kind}-{time.monotonic_ns()}")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        uvicorn_workers(tmp_path / "a", {**env, "CS_SLOW": "1"}, workers=1) as (base_a, proc_a),
        uvicorn_workers(tmp_path / "b", env, workers=1) as (base_b, _),
    ):

        def killed_delivery() -> None:
            with pytest.raises(httpx.TransportError):
                httpx.post(base_a + "/retell", headers=headers, content=body, timeout=30)

        first = threading.Thread(target=killed_delivery)
        first.start()
        deadline = time.monotonic() + 10
        while not ledger_counts(ledger, "start"):
            assert time.monotonic() < deadline, "the slow handler never started"
            time.sleep(0.02)
        os.killpg(proc_a.pid, signal.SIGKILL)
        first.join()
        busy = httpx.post(base_b + "/retell", headers=headers, content=body)
        assert busy.status_code == 503
        assert int(busy.headers["retry-after"]) >= 1
        deadline = time.monotonic() + 10
        while True:
            again = httpx.post(base_b + "/retell", headers=headers, content=body)
            if again.status_code == 200:
                break
            assert again.status_code == 503
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert again.json()["status"] == "handled"
        late = httpx.post(base_b + "/retell", headers=headers, content=body)
        assert late.json()["status"] == "duplicate"
    assert list(ledger_counts(ledger, "start").values()) == [2]
    assert list(ledger_counts(ledger, "done").values()) == [1]
