"""Fair floors at scale (issue 19): fan-out, webhook receiver, emulator throughput.

    python benchmarks/scale.py [--quick] [--only receiver] [--compare OLD_CHECKOUT]

``--only receiver`` runs section D alone. ``--compare`` (with section D) also runs the
receiver of another checkout of this repository (its ``src`` and ``providers`` put first
on the workers' ``PYTHONPATH``), interleaved in the same rounds: a before/after in one run.

C. Async fan-out: N concurrent ``calls.get`` through ``callswitch.connect_async`` against
   raw ``httpx.AsyncClient`` (same pool limits, GET + ``raise_for_status`` + JSON parse),
   on an ``httpx.MockTransport`` and on the Retell emulator over a socket
   (``callswitch.emulators.running`` in its own process). Each variant runs in a fresh
   subprocess: wall time of the N gets and its peak RSS (``ru_maxrss``).
D. Webhook receiver events/s (verify + claim + handler + done, ``benchmarks/webhooks.py``'s
   app and signed events, sent over raw keep-alive sockets) against a bare ASGI endpoint
   that only verifies the same Retell HMAC, under ``uvicorn --workers 1`` and
   ``--workers 4``, SQLite and Redis stores.
E. Emulator requests/s at 50 and 500 keep-alive connections against a bare Starlette
   route returning the same JSON under uvicorn (same uvicorn settings), and the
   emulator's RSS over 100,000 requests.

Variants are interleaved round by round; min/median/max over the rounds, ratios per
round. Imported by ``run.py``; not part of the test suite, always exits 0.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

KEY = "bench-key-0123456789"
TARGET_FANOUT_TIME = 1.10
TARGET_FANOUT_RSS = 1.10
TARGET_RECEIVER = 0.70
TARGET_EMULATOR = 0.5
# httpx's default pool, named so both sides visibly get the same one.
POOL = {"max_connections": 100, "max_keepalive_connections": 20}


def _spread(values: list[float], fmt: str = "{:.0f}") -> str:
    return "/".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def _ratios(a: list[float], b: list[float]) -> list[float]:
    return [x / y for x, y in zip(a, b, strict=True)]


def _verdict(ratios: list[float], target: float, above: bool) -> str:
    median = statistics.median(ratios)
    ok = median >= target if above else median <= target
    if ok:
        return "met"
    return f"missed by {abs(median / target - 1) * 100:.0f}%"


# ---------------------------------------------------------------- servers in subprocesses

_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


@contextmanager
def _server(*args: str) -> Iterator[dict[str, Any]]:
    """``scale.py <args>`` in its own process; yields the JSON line it prints when ready
    (with its ``pid``); stopped when the block ends (closing its stdin)."""
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, __file__, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info: dict[str, Any] = json.loads(proc.stdout.readline())
        info["pid"] = proc.pid
        yield info
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _child_emulator() -> None:
    """Serve the Retell emulator (``emulators.running``) with one ended call until stdin
    closes; print ``{"base", "call_id"}`` when ready."""
    from callswitch import emulators

    emu = emulators.create("retell")
    call_id = emu.add_call("ended")["call_id"]
    with emulators.running(emu) as base:
        print(json.dumps({"base": base, "call_id": call_id}), flush=True)
        sys.stdin.read()


def _child_starlette(payload_file: str) -> None:
    """A bare Starlette route returning the given JSON, under uvicorn with the emulator's
    own uvicorn settings (h11, no websockets, no lifespan, no access log)."""
    import threading

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    payload = json.loads(Path(payload_file).read_text())

    async def get_call(request: Request) -> JSONResponse:
        return JSONResponse(payload)

    app = Starlette(routes=[Route("/v2/get-call/{call_id}", get_call, methods=["GET"])])
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        http="h11",
        ws="none",
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)  # as emulators.running
    thread.start()
    while not server.started:
        time.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    print(json.dumps({"base": f"http://127.0.0.1:{port}", "call_id": payload["call_id"]}))
    sys.stdout.flush()
    sys.stdin.read()
    server.should_exit = True
    thread.join(timeout=10)


# ------------------------------------------------------------------------ C. fan-out


def _child_fanout(variant: str, where: str, total: int, base: str, call_id: str) -> None:
    """N concurrent gets in this fresh process; prints seconds and peak RSS (KiB)."""
    import httpx

    import callswitch

    sys.path.insert(0, str(HERE))
    import run

    if where == "mock":
        body = json.dumps(run.retell_call("ended")).encode()
        mock = httpx.MockTransport(
            lambda request: httpx.Response(
                200, content=body, headers={"content-type": "application/json"}
            )
        )
        base, call_id = run.BASES["retell"], run.CALL_ID
        http = httpx.AsyncClient(
            transport=mock, limits=httpx.Limits(**POOL), timeout=httpx.Timeout(60, pool=None)
        )
    else:
        http = httpx.AsyncClient(limits=httpx.Limits(**POOL), timeout=httpx.Timeout(60, pool=None))

    async def main() -> float:
        if variant == "callswitch":
            client = callswitch.connect_async(
                "retell", api_key=KEY, base_url=base, http_client=http
            )

            async def one() -> Any:
                return await client.calls.get(call_id)
        else:
            url = f"{base}/v2/get-call/{call_id}"
            auth = {"Authorization": f"Bearer {KEY}"}

            async def one() -> Any:
                response = await http.get(url, headers=auth)
                response.raise_for_status()
                return response.json()

        await asyncio.gather(*(one() for _ in range(100)))  # warm-up: imports, the pool
        start = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(total)))
        elapsed = time.perf_counter() - start
        assert len(results) == total
        await http.aclose()
        return elapsed

    elapsed = asyncio.run(main())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "rss_kib": peak}))


def _fanout_once(variant: str, where: str, total: int, base: str, call_id: str) -> dict[str, float]:
    # Linux carries ru_maxrss across exec: the launcher keeps the child's peak its own.
    command = [sys.executable, "-c", _LAUNCHER, sys.executable, __file__, "_fanout"]
    command += [variant, where, str(total), base, call_id]
    for attempt in (1, 2):
        out = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if out.returncode == 0:
            result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
            return result
        # Say what failed (a shared machine can starve a run), then try once more.
        print(
            f"   ({variant} {where} {total} failed, attempt {attempt}: "
            f"{out.stderr.strip().splitlines()[-1:]})",
            file=sys.stderr,
        )
    raise RuntimeError(f"fan-out {variant} {where} {total} failed twice")


def fanout(sizes: tuple[int, ...], repeat: int, on_emulator: int) -> list[list[str]]:
    """Each size on the mock; sizes up to ``on_emulator`` on the emulator as well."""
    rows = []
    with _server("_emulator") as emu:
        for total in sizes:
            runs: dict[tuple[str, str], list[dict[str, float]]] = {}
            wheres = ("mock", "emulator") if total <= on_emulator else ("mock",)
            for _ in range(repeat):
                for where in wheres:
                    for variant in ("callswitch", "raw"):
                        got = _fanout_once(variant, where, total, emu["base"], emu["call_id"])
                        runs.setdefault((where, variant), []).append(got)
            for where in wheres:
                cs, raw = runs[(where, "callswitch")], runs[(where, "raw")]
                t_cs = [r["seconds"] for r in cs]
                t_raw = [r["seconds"] for r in raw]
                m_cs = [r["rss_kib"] / 1024 for r in cs]
                m_raw = [r["rss_kib"] / 1024 for r in raw]
                rt, rm = _ratios(t_cs, t_raw), _ratios(m_cs, m_raw)
                rows.append(
                    [
                        f"{total:,} gets, {where}",
                        _spread([t * 1e3 for t in t_cs]) + " ms",
                        _spread([t * 1e3 for t in t_raw]) + " ms",
                        _spread(rt, "{:.2f}") + "x",
                        f"<= {TARGET_FANOUT_TIME}x: {_verdict(rt, TARGET_FANOUT_TIME, False)}",
                        _spread(m_cs, "{:.1f}") + " MB",
                        _spread(m_raw, "{:.1f}") + " MB",
                        _spread(rm, "{:.2f}") + "x",
                        f"<= {TARGET_FANOUT_RSS}x: {_verdict(rm, TARGET_FANOUT_RSS, False)}",
                    ]
                )
    return rows


# ------------------------------------------------------------------------ D. receiver

# Only Retell's HMAC check (retell-sdk lib/webhook_auth.py: "v=<ms>,d=<hex of
# HMAC-SHA256(key, body + ms)>"), with the same 5-minute freshness check; no parsing.
FLOOR_APP = """
import hmac, os, time
from hashlib import sha256

KEY = os.environ["CS_KEY"].encode()


async def read_body(receive):
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["method"] != "POST":
        status = 405
    else:
        body = await read_body(receive)
        header = dict(scope["headers"]).get(b"x-retell-signature", b"").decode()
        fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        stamp, digest = fields.get("v", ""), fields.get("d", "")
        good = hmac.new(KEY, body + stamp.encode(), sha256).hexdigest()
        fresh = stamp.isdigit() and abs(time.time() * 1000 - int(stamp)) < 300_000
        status = 204 if fresh and hmac.compare_digest(good, digest) else 401
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})
"""


async def _post_load(
    base: str, deliveries: list[tuple[dict[str, str], bytes]], connections: int
) -> float:
    """POST each delivery to ``/retell`` over ``connections`` keep-alive raw sockets (the
    httpx generator of webhooks.py capped at about 70 events/s here, below the servers);
    seconds taken. Every answer must be 2xx."""
    host, port = base.removeprefix("http://").split(":")
    requests = []
    for headers, body in deliveries:
        lines = ["POST /retell HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() != "content-length"]
        lines.append(f"Content-Length: {len(body)}")
        requests.append(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    queue = iter(requests)

    async def conn() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for request in queue:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if not head[9:10] == b"2":
                    raise RuntimeError(f"answer {head[9:12]!r}")
                lower = head.lower()
                if b"transfer-encoding: chunked" in lower:
                    while True:  # chunks until the empty one
                        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                        await reader.readexactly(size + 2)
                        if size == 0:
                            break
                for line in lower.split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        await reader.readexactly(int(line.split(b":")[1]))
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(conn() for _ in range(connections)))
    return time.perf_counter() - start


def _receiver_rate(
    wh: Any,
    app: str,
    store: str,
    workers: int,
    deliveries: list[Any],
    tmp: Path,
    code: Path | None = None,
) -> tuple[float, dict[str, int]]:
    import receiver_support

    app_dir = tmp / f"app-{time.monotonic_ns()}"
    app_dir.mkdir()
    ledger = app_dir / "ledger.txt"
    ledger.touch()
    env = {"CS_STORE": store, "CS_LEDGER": str(ledger), "CS_KEY": wh.KEY}
    if code is not None:  # the other checkout's callswitch and plugins shadow this one's
        env["PYTHONPATH"] = f"{code / 'src'}:{code / 'providers'}"
    original = receiver_support.WORKER_APP
    receiver_support.WORKER_APP = app
    try:
        with receiver_support.uvicorn_workers(app_dir, env, workers=workers) as (base, _):
            asyncio.run(_post_load(base, deliveries[:50], 8))  # warm-up, not counted
            seconds = asyncio.run(_post_load(base, deliveries[50:], 32))
    finally:
        receiver_support.WORKER_APP = original
    return (len(deliveries) - 50) / seconds, dict(wh._ledger(ledger))


def receiver(events: int, repeat: int, compare: Path | None = None) -> list[list[str]]:
    import webhooks as wh  # puts tests/webhooks (receiver_support) on sys.path

    redis_server = wh.redis_server

    rates: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        (tmp / "redis").mkdir()
        with redis_server(tmp / "redis") as redis_url:
            stores = {"sqlite": f"sqlite:{tmp / 'bench.db'}", "redis": f"redis:{redis_url}"}
            for r in range(repeat):
                for workers in (1, 4):
                    runs: list[tuple[str, str, str, Path | None]] = [
                        (label, store, wh.BENCH_APP, None) for label, store in stores.items()
                    ]
                    if compare is not None:
                        runs += [
                            (f"{label} (old)", store, wh.BENCH_APP, compare)
                            for label, store in stores.items()
                        ]
                    if workers == 1:  # the receiver without a shared store or thread hop
                        runs.append(("memory+async-handler", "memory-async:", wh.BENCH_APP, None))
                    runs.append(("floor", "sqlite:unused", FLOOR_APP, None))
                    for label, store, app, code in runs:
                        prefix = f"{label.split()[0]}-{workers}-{r}-{time.monotonic_ns()}"
                        deliveries = [wh._signed(f"{prefix}-{i}") for i in range(events + 50)]
                        rate, handled = _receiver_rate(
                            wh, app, store, workers, deliveries, tmp, code
                        )
                        if label != "floor":
                            assert len(handled) == events + 50
                            assert all(v == 1 for v in handled.values())
                        rates.setdefault(f"{label}-{workers}", []).append(rate)
    rows = []
    labels = ("sqlite", "sqlite (old)", "redis", "redis (old)") if compare else ("sqlite", "redis")
    for workers in (1, 4):
        floor = rates[f"floor-{workers}"]
        for label in (*labels, "memory+async-handler") if workers == 1 else labels:
            got = rates[f"{label}-{workers}"]
            rr = _ratios(got, floor)
            rows.append(
                [
                    f"{label}, {workers} worker(s)",
                    _spread(got) + "/s",
                    _spread(floor) + "/s",
                    _spread(rr, "{:.2f}") + "x",
                    f">= {TARGET_RECEIVER}x: {_verdict(rr, TARGET_RECEIVER, True)}",
                ]
            )
    return rows


# ------------------------------------------------------------------------ E. emulator


async def _load(base: str, call_id: str, total: int, connections: int) -> float:
    """``total`` keep-alive GETs over ``connections`` raw sockets (a load generator cheap
    enough not to be the bottleneck); seconds taken."""
    host, port = base.removeprefix("http://").split(":")
    request = (
        f"GET /v2/get-call/{call_id} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {KEY}\r\n\r\n"
    ).encode()
    remaining = [total]

    async def conn() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while remaining[0] > 0:
                remaining[0] -= 1
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = head[9:12]
                if status != b"200":
                    raise RuntimeError(f"status {status!r}")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(conn() for _ in range(connections)))
    return time.perf_counter() - start


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of ``pid`` in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _server_pid(launcher_pid: int) -> int:
    return launcher_pid  # _server starts the script itself, no launcher in between


def emulator(
    total: int, repeat: int, checkpoints: tuple[int, ...]
) -> tuple[list[list[str]], list[list[str]]]:
    import urllib.request

    rates: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as name:
        with _server("_emulator") as emu:
            url = f"{emu['base']}/v2/get-call/{emu['call_id']}"
            req = urllib.request.Request(url, headers={"Authorization": f"Bearer {KEY}"})  # noqa: S310
            with urllib.request.urlopen(req) as answer:  # noqa: S310 - 127.0.0.1
                payload = json.loads(answer.read())
            (Path(name) / "payload.json").write_text(json.dumps(payload))
            with _server("_starlette", str(Path(name) / "payload.json")) as bare:
                for _ in range(repeat):
                    for conns in (50, 500):
                        for label, srv in (("emulator", emu), ("starlette", bare)):
                            secs = asyncio.run(_load(srv["base"], srv["call_id"], total, conns))
                            rates.setdefault(f"{label}-{conns}", []).append(total / secs)
            rows = []
            for conns in (50, 500):
                got, floor = rates[f"emulator-{conns}"], rates[f"starlette-{conns}"]
                rr = _ratios(got, floor)
                rows.append(
                    [
                        f"{conns} connections",
                        _spread(got) + "/s",
                        _spread(floor) + "/s",
                        _spread(rr, "{:.2f}") + "x",
                        f">= {TARGET_EMULATOR}x: {_verdict(rr, TARGET_EMULATOR, True)}",
                    ]
                )
        # Memory: a fresh emulator, RSS after each checkpoint of requests at 50 connections.
        mem_rows = []
        with _server("_emulator") as emu:
            pid = _server_pid(emu["pid"])
            done = 0
            start_rss, _ = _rss_mb(pid)
            mem_rows.append(["0 (started)", f"{start_rss:.1f} MB", "-"])
            for mark in checkpoints:
                asyncio.run(_load(emu["base"], emu["call_id"], mark - done, 50))
                done = mark
                rss, hwm = _rss_mb(pid)
                mem_rows.append([f"{mark:,}", f"{rss:.1f} MB", f"{hwm:.1f} MB"])
    return rows, mem_rows


# ------------------------------------------------------------------------------ main


def main(quick: bool, only: str | None = None, compare: Path | None = None) -> None:
    from run import table

    repeat = 5
    events = 500 if quick else 2000
    if only == "receiver":
        _print_receiver(table, events, repeat, compare)
        return
    sizes = (1_000, 10_000)
    print(
        f"C. Async fan-out: concurrent calls.get (Retell, {len(json.dumps(_small_call()))} B "
        f"documented call), pool {POOL}, fresh subprocess per variant, {repeat} interleaved "
        "rounds; min/median/max" + ("; --quick: 10,000 on the mock only" if quick else "")
    )
    print(
        table(
            [
                "gets, transport",
                "callswitch",
                "raw httpx",
                "time ratio",
                "target",
                "callswitch RSS",
                "raw RSS",
                "RSS ratio",
                "target",
            ],
            fanout(sizes, repeat, 1_000 if quick else 10_000),
        )
    )
    _print_receiver(table, events, repeat, compare)
    total = 3_000 if quick else 10_000
    checkpoints = (10_000, 50_000, 100_000)
    print(
        f"\nE. Emulator requests/s (GET get-call, {total:,} keep-alive requests per run, "
        f"{repeat} interleaved rounds) vs a bare Starlette route with the same JSON"
    )
    rows, mem_rows = emulator(total, repeat, checkpoints)
    print(table(["load", "emulator", "bare Starlette", "ratio", "target"], rows))
    print(f"\n   Emulator RSS over {checkpoints[-1]:,} requests (flat memory):")
    print(table(["requests", "RSS", "peak RSS"], mem_rows))


def _print_receiver(table: Any, events: int, repeat: int, compare: Path | None) -> None:
    print(
        f"\nD. Webhook receiver events/s (32 raw keep-alive connections, {events} events per run, "
        f"{repeat} interleaved rounds) vs a bare ASGI endpoint verifying the same HMAC"
        + (f"; '(old)' rows run the code in {compare}" if compare else "")
    )
    print(
        table(
            ["store, workers", "Receiver", "HMAC-only floor", "ratio", "target"],
            receiver(events, repeat, compare),
        )
    )


def _small_call() -> dict[str, Any]:
    import run

    return run.retell_call("ended")


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "_emulator":
        _child_emulator()
    elif command == "_starlette":
        _child_starlette(sys.argv[2])
    elif command == "_fanout":
        _child_fanout(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        import argparse

        parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        parser.add_argument("--quick", action="store_true", help="fewer events and sizes")
        parser.add_argument("--only", choices=["receiver"], help="run one section alone")
        parser.add_argument(
            "--compare", type=Path, help="another checkout whose receiver runs beside this one"
        )
        args = parser.parse_args()
        main(args.quick, args.only, args.compare)
