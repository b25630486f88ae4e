"""Where a Vapi live control's time goes beyond the fair floor: a subtraction breakdown.

    python benchmarks/control_subtract.py [--rounds 7] [--number 400]
    python benchmarks/control_subtract.py --compare OLD_CHECKOUT [--rounds 7]

``--compare`` times the ``floor`` and ``callswitch`` rows of this checkout and of
``OLD_CHECKOUT`` (its ``src`` and ``providers`` first on ``PYTHONPATH``), each round a fresh
process per checkout, alternating which goes first, and prints the ratio to the floor
measured in the same process.

Each row is one way of doing (part of) the same control POST over the same
``httpx.MockTransport``; rows are interleaved batch by batch, CPU time
(``time.process_time``) per op, GC off inside a batch, min/median/max over the rounds.
Subtracting rows tells what each layer costs:

- ``floor``: ``httpx.Client.post(control_url, json=...)`` + ``raise_for_status()`` +
  ``.json()`` (fair.py's floor for this row).
- ``httpx as callswitch sends``: ``build_request`` with the parsed URL, callswitch's
  headers and timeout, the trace hook, ``send(stream=True)``, the raw chunks, close,
  ``json.loads``: the httpx work callswitch cannot avoid.
- ``callswitch, prebuilt answers``: the whole client with httpx replaced by a stand-in
  (benchmarks/breakdown.py's): callswitch's own work alone.
- ``callswitch``: the whole client.
- single pieces: ``trusted_url``, ``httpx.URL(str)``.

Always exits 0; nothing here is a test.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import breakdown
import payloads

import callswitch
from callswitch import LiveControl
from callswitch._urls import trusted_url

CALL_ID = payloads.CALL_ID
KEY = "key_abc"
CONTROL_URL = "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c1/control"
MESSAGE = {
    "type": "add-message",
    "message": {"role": "system", "content": "VIP caller"},
    "triggerResponseEnabled": False,
}


def _rows() -> dict[str, Callable[[], Any]]:
    body = json.dumps(payloads.vapi_call(CONTROL_URL)).encode()
    routes = {
        ("GET", f"/call/{CALL_ID}"): body,
        ("PATCH", f"/call/{CALL_ID}"): body,
        ("POST", "/c1/control"): b"{}",
    }

    def handle(request: httpx.Request) -> httpx.Response:
        content = routes[(request.method, request.url.path)]
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    mock = httpx.MockTransport(handle)
    raw = httpx.Client(transport=mock)
    cs = callswitch.connect(
        "vapi",
        api_key=KEY,
        base_url="https://api.vapi.ai",
        http_client=httpx.Client(transport=mock),
    )
    pre = callswitch.connect("vapi", api_key=KEY, base_url="https://api.vapi.ai")
    pre._http_client = breakdown._Prebuilt(routes)  # type: ignore[assignment]
    control = LiveControl(inject_context="VIP caller")
    engine = cs._engine
    parsed = httpx.URL(CONTROL_URL)
    headers = engine._base_headers
    timeout = engine.timeout_for(cs._timeouts)

    def floor() -> Any:
        r = raw.post(CONTROL_URL, json=MESSAGE)
        r.raise_for_status()
        return r.json()

    def as_sent() -> Any:
        request = raw.build_request(
            "POST", parsed, json=MESSAGE, params=None, headers=headers, timeout=timeout
        )
        request.extensions["trace"] = lambda event, info: None
        response = raw.send(request, stream=True, follow_redirects=False)
        try:
            if response.is_stream_consumed:
                content = response.content
            else:
                content = b"".join(response.iter_raw())
        finally:
            response.close()
        return json.loads(content)

    return {
        "floor": floor,
        "httpx as callswitch sends": as_sent,
        "callswitch, prebuilt answers": lambda: pre.calls.control(CALL_ID, control),
        "callswitch": lambda: cs.calls.control(CALL_ID, control),
        "trusted_url": lambda: trusted_url(
            "vapi", CONTROL_URL, engine._base_origin, engine._trusted
        ),
        "httpx.URL(str)": lambda: httpx.URL(CONTROL_URL),
    }


def _compare(old: str, rounds: int, number: int) -> None:
    here = Path(__file__).resolve().parent.parent
    trees = {"old": Path(old).resolve(), "new": here}
    got: dict[str, dict[str, list[float]]] = {k: {"floor": [], "callswitch": []} for k in trees}
    for index in range(rounds):
        order = list(trees) if index % 2 == 0 else list(reversed(trees))
        for name in order:
            tree = trees[name]
            env = dict(os.environ, PYTHONPATH=f"{tree / 'src'}{os.pathsep}{tree / 'providers'}")
            out = subprocess.run(  # noqa: S603 (this interpreter, this file)
                [sys.executable, __file__, "--rounds", "3", "--number", str(number), "--only"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            got[name]["floor"].append(float(out[0]))
            got[name]["callswitch"].append(float(out[1]))
    for name in trees:
        f, c = got[name]["floor"], got[name]["callswitch"]
        r = sorted(b / a for a, b in zip(f, c, strict=True))
        print(
            f"{name}: callswitch {min(c):.1f}/{statistics.median(c):.1f}/{max(c):.1f} us, "
            f"floor {min(f):.1f}/{statistics.median(f):.1f}/{max(f):.1f} us, "
            f"ratio {r[0]:.2f}/{statistics.median(r):.2f}/{r[-1]:.2f}x (CPU time, min/median/max)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=400)
    parser.add_argument("--compare", metavar="OLD_CHECKOUT")
    parser.add_argument("--only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compare:
        _compare(args.compare, args.rounds, args.number)
        return
    rows = _rows()
    if args.only:  # one process of --compare: the best batch of floor and callswitch
        rows = {"floor": rows["floor"], "callswitch": rows["callswitch"]}
    for fn in rows.values():  # warm-up: caches, first-use imports
        for _ in range(200):
            fn()
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(args.rounds):
        for name, fn in rows.items():
            gc.collect()
            gc.disable()
            start = time.process_time()
            for _ in range(args.number):
                fn()
            times[name].append((time.process_time() - start) / args.number * 1e6)
            gc.enable()
    if args.only:
        print(min(times["floor"]), min(times["callswitch"]))
        return
    floor = statistics.median(times["floor"])
    print(f"{'row':32} {'min/median/max us (CPU)':>26} {'median - floor':>15}")
    for name, values in times.items():
        med = statistics.median(values)
        spread = f"{min(values):.1f}/{med:.1f}/{max(values):.1f}"
        print(f"{name:32} {spread:>26} {med - floor:>+14.1f}")


if __name__ == "__main__":
    main()
