"""Where callswitch's per-operation time goes, beyond what raw httpx also pays.

    python benchmarks/breakdown.py             # the two tables below
    python benchmarks/breakdown.py --profile   # plus cProfile's top functions for each op

Companion to run.py (same documented payloads, same timing method), for whoever works on
the per-operation ratios:

1. Own work per operation: each callswitch operation with httpx replaced by a stand-in
   that hands back prebuilt responses, so only callswitch's work is timed (plan, driver,
   retry bookkeeping, checks, JSON parsing, mapping, pydantic validation). The column
   "beyond raw" subtracts the ``json.loads`` that raw httpx's ``.json()`` also does.
2. The floor for a Retell get: raw httpx; httpx + parse + ``to_call`` with none of the
   client around it; the same plus the Response conversion; and the whole client. The
   second row is what any client returning a validated ``Call`` pays; the gap between it
   and the last row is the client machinery, measured next to real httpx work.

Always exits 0; nothing here is a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import timeit
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # the payloads and helpers of run.py, next to this file

CALL_ID = run.CALL_ID


class _Prebuilt:
    """Stands in for ``httpx.Client``: answers ``build_request()`` + ``send()`` with a
    prebuilt, already read ``httpx.Response`` chosen by method and path, and does no other
    work."""

    def __init__(self, routes: run.Routes) -> None:
        self._responses: dict[tuple[str, str], httpx.Response] = {}
        for key, body in routes.items():
            response = httpx.Response(200, content=body, headers=run.JSON_HEADERS)
            response.read()
            self._responses[key] = response

    def build_request(self, method: str, url: str | httpx.URL, **_: Any) -> Any:
        path = "/" + str(url).split("/", 3)[3]  # cheaper than parsing; same answer here
        return _Sent(method, path)

    def send(self, request: _Sent, **_: Any) -> httpx.Response:
        return self._responses[(request.method, request.path)]


class _Sent:
    """What the stand-in's ``build_request`` makes: the route, and the extensions the
    client puts its trace hook in."""

    def __init__(self, method: str, path: str) -> None:
        self.method, self.path = method, path
        self.extensions: dict[str, Any] = {}


def _client(provider: str, routes: run.Routes) -> Any:
    import callswitch

    client = callswitch.connect(provider, api_key=run.KEY, base_url=run.BASES[provider])
    client._http_client = _Prebuilt(routes)  # the stand-in replaces the lazily made pool
    return client


def _us(fn: Callable[[], Any], number: int) -> float:
    """Microseconds per call: the best of 7 batches (as timeit recommends)."""
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def operations() -> list[tuple[str, Callable[[], Any], list[bytes]]]:
    """(name, operation, bodies raw httpx would parse for the same work) for each op."""
    from callswitch import CallUpdate, LiveControl

    control = LiveControl(inject_context="VIP caller")
    ops: list[tuple[str, Callable[[], Any], list[bytes]]] = []

    ended = run.dumps(run.retell_call("ended"))
    done = b'{"success": true}'
    retell = _client(
        "retell",
        {
            ("GET", f"/v2/get-call/{CALL_ID}"): ended,
            ("PATCH", f"/v2/update-call/{CALL_ID}"): ended,
            ("PATCH", f"/v2/update-live-call/{CALL_ID}"): done,
        },
    )
    update = CallUpdate(metadata={"tier": "gold"})
    ops.append(("retell get", lambda: retell.calls.get(CALL_ID), [ended]))
    ops.append(("retell update", lambda: retell.calls.update(CALL_ID, update), [ended, ended]))
    ops.append(("retell control", lambda: retell.calls.control(CALL_ID, control), [done]))

    control_url = (
        "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c1/control"
    )
    call = run.dumps(run.vapi_call(control_url))
    vapi = _client(
        "vapi",
        {
            ("GET", f"/call/{CALL_ID}"): call,
            ("PATCH", f"/call/{CALL_ID}"): call,
            ("POST", "/c1/control"): b"{}",
        },
    )
    rename = CallUpdate(name="bench")
    vapi.calls.get(CALL_ID)  # learns the control URL, as run.py's warm-up does
    ops.append(("vapi get", lambda: vapi.calls.get(CALL_ID), [call]))
    ops.append(("vapi update", lambda: vapi.calls.update(CALL_ID, rename), [call]))
    ops.append(("vapi control", lambda: vapi.calls.control(CALL_ID, control), [b"{}"]))

    envelope = run.dumps(run.truedy_call())
    path = f"/api/public/v1/calls/{CALL_ID}"
    truedy = _client("truedy", {("GET", path): envelope, ("PATCH", path): envelope})
    variables = CallUpdate(variables={"tier": "gold"})
    ops.append(("truedy get", lambda: truedy.calls.get(CALL_ID), [envelope]))
    ops.append(("truedy update", lambda: truedy.calls.update(CALL_ID, variables), [envelope]))
    return ops


def own_work(number: int, profile: bool) -> None:
    print("1. Own work per operation (httpx replaced by prebuilt responses; best of 7)")
    rows = []
    for name, op, bodies in operations():
        total = _us(op, number)
        parsing = sum(_us(lambda body=body: json.loads(body), number) for body in bodies)
        rows.append([name, f"{total:.1f} us", f"{parsing:.1f} us", f"{total - parsing:.1f} us"])
        if profile:
            _profile(name, op)
    print(run.table(["operation", "callswitch", "raw's json.loads", "beyond raw"], rows))


def _profile(name: str, op: Callable[[], Any]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(2000):
        op()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print(f"\n--- {name}: top functions by own time (cProfile, 2,000 calls)")
    print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))


def floor(number: int) -> None:
    import pydantic_core

    import callswitch
    from callswitch_retell._mapping import to_call

    base = run.BASES["retell"]
    ended = run.dumps(run.retell_call("ended"))
    mock = run.transport({("GET", f"/v2/get-call/{CALL_ID}"): ended})
    client = callswitch.connect(
        "retell", api_key=run.KEY, http_client=httpx.Client(transport=mock), base_url=base
    )
    engine = client._engine
    raw = httpx.Client(transport=mock)
    url = f"{base}/v2/get-call/{CALL_ID}"
    auth = {"Authorization": f"Bearer {run.KEY}"}
    headers, timeout = engine._auth_headers, client._timeout

    def raw_get() -> Any:
        response = raw.get(url, headers=auth)
        response.raise_for_status()
        return response.json()

    def parse_and_map() -> Any:
        response = raw.request("GET", url, headers=headers, timeout=timeout)
        response.raise_for_status()
        return to_call(pydantic_core.from_json(response.content))

    def with_response() -> Any:
        response = engine.to_response(raw.request("GET", url, headers=headers, timeout=timeout))
        assert not response.is_error
        return to_call(response.json_object())

    best = run.best_of(
        {
            "raw httpx (.json() -> dict)": raw_get,
            "httpx + parse + to_call, no client": parse_and_map,
            "  + callswitch Response conversion": with_response,
            "callswitch calls.get": lambda: client.calls.get(CALL_ID),
        },
        number,
        9,
    )
    first = next(iter(best.values()))
    print("\n2. The floor for a Retell get (MockTransport; best of 9, interleaved)")
    rows = [[name, f"{s * 1e6:.0f} us", f"{s / first:.2f}x"] for name, s in best.items()]
    print(run.table(["what", "time", "vs raw"], rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="cProfile each operation")
    parser.add_argument("--number", type=int, default=2000, help="calls per timing batch")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    own_work(args.number, args.profile)
    floor(max(300, args.number // 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
