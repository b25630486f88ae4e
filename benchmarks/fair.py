"""Fair floors (issue 19): each callswitch figure next to the least a validated client
could do for the same work, measured side by side in one run, interleaved, over rounds.

- per-op: httpx on the same pooled client + JSON parse + validating a hand-written
  pydantic model of the same fields (no framework) from the same payload; and each
  official SDK on the same transport.
- cold start: ``import httpx, pydantic, attrs, pluggy`` + defining one pydantic model of
  ``Call``'s size and validating one payload, against ``import callswitch`` +
  ``connect()`` x3 and against ``import callswitch.webhooks`` + one ``parse()``.

Imported by ``run.py``; ``python benchmarks/fair.py [--quick]`` runs these tables alone,
``--cold`` section B only, and ``--baseline DIR`` adds section B rows for the checkout
``DIR`` (e.g. ``git worktree add /tmp/base main``), timed in the same interleaved rounds.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import payloads

KEY = "bench-key-0123456789"
CALL_ID = payloads.CALL_ID
AUTH = {"Authorization": f"Bearer {KEY}"}
JSON_HEADERS = {"content-type": "application/json"}


def rounds(
    variants: dict[str, Callable[[], Any]], number: int, repeat: int
) -> dict[str, list[float]]:
    """Seconds per call of each variant in each of ``repeat`` rounds of ``number`` calls,
    variants interleaved round by round; GC off inside a round (as ``timeit``)."""
    for fn in variants.values():
        for _ in range(max(3, number // 5)):
            fn()
    out: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                for _ in range(number):
                    fn()
                out[name].append((time.perf_counter() - start) / number)
            finally:
                gc.enable()
    return out


def spread(values: list[float], scale: float = 1e6, unit: str = "us") -> str:
    return (
        f"{min(values) * scale:.0f}/{statistics.median(values) * scale:.0f}/"
        f"{max(values) * scale:.0f} {unit}"
    )


def ratios(a: list[float], b: list[float]) -> list[float]:
    """Round-by-round ratios (a and b were measured in the same rounds)."""
    return [x / y for x, y in zip(a, b, strict=True)]


def ratio_spread(values: list[float]) -> str:
    return f"{min(values):.2f}/{statistics.median(values):.2f}/{max(values):.2f}x"


# ------------------------------------------------------------- hand-written floor models


def _floor_models() -> dict[str, type[Any]]:
    """Pydantic models of the fields callswitch's ``Call`` reads from each vendor, written
    by hand (what a team without callswitch would write), validated from the same dict."""
    from pydantic import BaseModel

    class Word(BaseModel):
        word: str
        start: float
        end: float

    class RetellUtterance(BaseModel):
        role: str
        content: str
        words: list[Word] = []

    class RetellCall(BaseModel):
        call_id: str
        call_type: str
        call_status: str
        agent_id: str | None = None
        direction: str | None = None
        from_number: str | None = None
        to_number: str | None = None
        start_timestamp: int | None = None
        end_timestamp: int | None = None
        duration_ms: int | None = None
        metadata: dict[str, Any] = {}
        retell_llm_dynamic_variables: dict[str, Any] = {}
        transcript_object: list[RetellUtterance] = []
        recording_url: str | None = None
        disconnection_reason: str | None = None
        call_analysis: dict[str, Any] | None = None
        call_cost: dict[str, Any] | None = None

    class VapiMessage(BaseModel):
        role: str
        message: str | None = None
        time: float | None = None
        endTime: float | None = None
        secondsFromStart: float | None = None

    class VapiArtifact(BaseModel):
        messages: list[VapiMessage] = []
        transcript: str | None = None
        recordingUrl: str | None = None

    class VapiCall(BaseModel):
        id: str
        type: str | None = None
        status: str | None = None
        assistantId: str | None = None
        createdAt: datetime | None = None
        startedAt: datetime | None = None
        endedAt: datetime | None = None
        endedReason: str | None = None
        artifact: VapiArtifact | None = None
        analysis: dict[str, Any] | None = None
        monitor: dict[str, Any] | None = None
        cost: float | None = None

    class TruedyRow(BaseModel):
        role: str
        text: str
        timestamp: float | None = None

    class TruedyCall(BaseModel):
        id: str
        status: str
        direction: str | None = None
        agent_id: str | None = None
        to: str | None = None
        duration_seconds: float | None = None
        recording_url: str | None = None
        summary: str | None = None
        metadata: dict[str, Any] = {}
        transcript: list[TruedyRow] = []
        started_at: datetime | None = None
        ended_at: datetime | None = None
        created_at: datetime | None = None

    class TruedyEnvelope(BaseModel):
        data: TruedyCall

    return {"retell": RetellCall, "vapi": VapiCall, "truedy": TruedyEnvelope}


# --------------------------------------------------------------------------- per-op


def _mock(routes: dict[tuple[str, str], bytes]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=routes[(request.method, request.url.path)], headers=JSON_HEADERS
        )

    return httpx.MockTransport(handle)


def per_op(number: int, repeat: int) -> list[list[str]]:
    """Rows: provider, op, callswitch, floor, vs floor, SDK, vs SDK (min/median/max)."""
    import retell
    import vapi

    import callswitch
    from callswitch import CallUpdate, LiveControl

    models = _floor_models()
    rows: list[list[str]] = []

    def add(provider: str, op: str, res: dict[str, list[float]]) -> None:
        cs, floor = res["callswitch"], res["floor"]
        sdk = res.get("sdk")
        rows.append(
            [
                provider,
                op,
                spread(cs),
                spread(floor),
                ratio_spread(ratios(cs, floor)),
                spread(sdk) if sdk else "no SDK op",
                ratio_spread(ratios(cs, sdk)) if sdk else "-",
            ]
        )

    # retell: update reads the call, then update-call (the route callswitch takes)
    base = "https://api.retellai.com"
    ended = json.dumps(payloads.retell_call("ended")).encode()
    mock = _mock(
        {
            ("GET", f"/v2/get-call/{CALL_ID}"): ended,
            ("PATCH", f"/v2/update-call/{CALL_ID}"): ended,
            ("PATCH", f"/v2/update-live-call/{CALL_ID}"): b'{"success": true}',
        }
    )
    cs = callswitch.connect(
        "retell", api_key=KEY, base_url=base, http_client=httpx.Client(transport=mock)
    )
    raw = httpx.Client(transport=mock)
    sdk = retell.Retell(api_key=KEY, base_url=base, http_client=httpx.Client(transport=mock))
    model = models["retell"]

    def r_get() -> Any:
        r = raw.get(f"{base}/v2/get-call/{CALL_ID}", headers=AUTH)
        r.raise_for_status()
        return model.model_validate(r.json())

    def r_update() -> Any:
        r_get()
        r = raw.patch(
            f"{base}/v2/update-call/{CALL_ID}", json={"metadata": {"tier": "gold"}}, headers=AUTH
        )
        r.raise_for_status()
        return model.model_validate(r.json())

    def r_control() -> Any:
        r = raw.patch(
            f"{base}/v2/update-live-call/{CALL_ID}",
            json={"call_control": {"additional_context": "VIP caller"}},
            headers=AUTH,
        )
        r.raise_for_status()
        return r.json()

    update, control = (
        CallUpdate(metadata={"tier": "gold"}),
        LiveControl(inject_context="VIP caller"),
    )
    add(
        "retell",
        "get",
        rounds(
            {
                "callswitch": lambda: cs.calls.get(CALL_ID),
                "floor": r_get,
                "sdk": lambda: sdk.call.retrieve(CALL_ID),
            },
            number,
            repeat,
        ),
    )
    add(
        "retell",
        "update",
        rounds(
            {
                "callswitch": lambda: cs.calls.update(CALL_ID, update),
                "floor": r_update,
                "sdk": lambda: (
                    sdk.call.retrieve(CALL_ID),
                    sdk.call.update(CALL_ID, metadata={"tier": "gold"}),
                ),
            },
            number,
            repeat,
        ),
    )
    add(
        "retell",
        "control",
        rounds(
            {
                "callswitch": lambda: cs.calls.control(CALL_ID, control),
                "floor": r_control,
                "sdk": lambda: sdk.call.update_live(
                    CALL_ID, call_control={"additional_context": "VIP caller"}
                ),
            },
            number,
            repeat,
        ),
    )

    # vapi
    base = "https://api.vapi.ai"
    control_url = (
        "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c1/control"
    )
    body = json.dumps(payloads.vapi_call(control_url)).encode()
    mock = _mock(
        {
            ("GET", f"/call/{CALL_ID}"): body,
            ("PATCH", f"/call/{CALL_ID}"): body,
            ("POST", "/c1/control"): b"{}",
        }
    )
    cs = callswitch.connect(
        "vapi", api_key=KEY, base_url=base, http_client=httpx.Client(transport=mock)
    )
    raw = httpx.Client(transport=mock)
    vsdk = vapi.Vapi(token=KEY, base_url=base, httpx_client=httpx.Client(transport=mock))
    model = models["vapi"]

    def v_get() -> Any:
        r = raw.get(f"{base}/call/{CALL_ID}", headers=AUTH)
        r.raise_for_status()
        return model.model_validate(r.json())

    def v_update() -> Any:
        r = raw.patch(f"{base}/call/{CALL_ID}", json={"name": "bench"}, headers=AUTH)
        r.raise_for_status()
        return model.model_validate(r.json())

    def v_control() -> Any:
        r = raw.post(
            control_url,
            json={
                "type": "add-message",
                "message": {"role": "system", "content": "VIP caller"},
                "triggerResponseEnabled": False,
            },
        )
        r.raise_for_status()
        return r.json()

    rename = CallUpdate(name="bench")
    add(
        "vapi",
        "get",
        rounds(
            {
                "callswitch": lambda: cs.calls.get(CALL_ID),
                "floor": v_get,
                "sdk": lambda: vsdk.calls.get(CALL_ID),
            },
            number,
            repeat,
        ),
    )
    add(
        "vapi",
        "update",
        rounds(
            {
                "callswitch": lambda: cs.calls.update(CALL_ID, rename),
                "floor": v_update,
                "sdk": lambda: vsdk.calls.update(CALL_ID, name="bench"),
            },
            number,
            repeat,
        ),
    )
    add(
        "vapi",
        "control",
        rounds(
            {"callswitch": lambda: cs.calls.control(CALL_ID, control), "floor": v_control},
            number,
            repeat,
        ),
    )

    # truedy: no SDK, no live control
    base = "https://api.truedy.ai/api/public/v1"
    envelope = json.dumps(payloads.truedy_call()).encode()
    path = f"/api/public/v1/calls/{CALL_ID}"
    mock = _mock({("GET", path): envelope, ("PATCH", path): envelope})
    cs = callswitch.connect(
        "truedy", api_key=KEY, base_url=base, http_client=httpx.Client(transport=mock)
    )
    raw = httpx.Client(transport=mock)
    model = models["truedy"]

    def t_get() -> Any:
        r = raw.get(f"{base}/calls/{CALL_ID}", headers=AUTH)
        r.raise_for_status()
        return model.model_validate(r.json())

    def t_update() -> Any:
        r = raw.patch(f"{base}/calls/{CALL_ID}", json={"variables": {"tier": "gold"}}, headers=AUTH)
        r.raise_for_status()
        return model.model_validate(r.json())

    variables = CallUpdate(variables={"tier": "gold"})
    add(
        "truedy",
        "get",
        rounds({"callswitch": lambda: cs.calls.get(CALL_ID), "floor": t_get}, number, repeat),
    )
    add(
        "truedy",
        "update",
        rounds(
            {"callswitch": lambda: cs.calls.update(CALL_ID, variables), "floor": t_update},
            number,
            repeat,
        ),
    )
    return rows


# ------------------------------------------------------------------------ cold start

_FLOOR = (
    """
import httpx, pydantic, attrs, pluggy
from datetime import datetime
from typing import Any
from pydantic import BaseModel
class Utterance(BaseModel):
    role: str
    text: str
    start: float | None = None
    end: float | None = None
class Call(BaseModel):  # as many fields as callswitch.Call
"""
    + "".join(f"    f{n}: str | None = None\n" for n in range(22))
    + """
    created_at: datetime | None = None
    metadata: dict[str, Any] = {}
    transcript: tuple[Utterance, ...] = ()
Call.model_validate({"f0": "x", "created_at": "2026-01-01T00:00:00Z",
                     "transcript": [{"role": "agent", "text": "hi", "start": 0.5}]})
"""
)

_CONNECT = (
    "import callswitch\n"
    "for p in ('retell', 'vapi', 'truedy'):\n"
    "    callswitch.connect(p, api_key='k')\n"
)

_WEBHOOK = """
import sys
sys.path.insert(0, {tests!r})
body, header, key, now = {args!r}
import callswitch.webhooks
callswitch.webhooks.parse("retell", headers={{"x-retell-signature": header}}, body=body,
                          secret=key, now=now)
"""


def _webhook_code() -> str:
    import hmac
    from hashlib import sha256

    body = json.dumps(payloads.retell_call_ended_event()).encode()
    key, now = "key_bench_0123456789", 1_800_000_000.0
    stamp = int(now * 1000)
    # Retell's scheme (retell-sdk lib/webhook_auth.py): v=<ms>,d=<hex hmac of body+ms>
    digest = hmac.new(key.encode(), body + str(stamp).encode(), sha256).hexdigest()
    header = f"v={stamp},d={digest}"
    tests = str(Path(__file__).resolve().parents[1] / "tests")
    return _WEBHOOK.format(tests=tests, args=(body, header, key, now))


def _child_env(pycache: str, tree: str | None) -> dict[str, str]:
    """The environment of a cold-start child: bytecode cached as a pip install has it.

    pip compiles every installed module to ``.pyc``, so the floor's packages never pay
    the compiler; with ``PYTHONDONTWRITEBYTECODE=1`` (set in some shells and CI images)
    callswitch, an editable install, would be compiled from source in every child (about
    200 ms here) while the floor's site-packages would not. So every child drops that
    variable and caches bytecode under one fresh ``PYTHONPYCACHEPREFIX`` (nothing is
    written into the source tree), and each snippet runs once untimed first. ``tree``
    is another checkout (``--baseline``) whose ``src`` and ``providers`` come first on
    ``sys.path``.
    """
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    if tree is not None:
        paths = [str(Path(tree) / "src"), str(Path(tree) / "providers")]
        env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(":")
    return env


def _timed(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``code`` in a fresh interpreter, measured inside it."""
    script = (
        "import time\n_t, _c = time.perf_counter(), time.process_time()\n"
        + code
        + "\nprint(time.perf_counter() - _t, time.process_time() - _c)\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def cold(runs: int, baseline: str | None = None) -> list[list[str]]:
    """Section B. With ``baseline`` (a checkout of older code, e.g. a worktree at
    ``main``), its two rows run in the same interleaved rounds, for a before/after."""
    import tempfile

    codes = {"floor": _FLOOR, "connect": _CONNECT, "webhook": _webhook_code()}
    labels = {
        "floor": "deps + one Call-sized pydantic model + one validation (floor)",
        "connect": "import callswitch + connect() x3",
        "webhook": "import callswitch.webhooks + one parse() (70 KB Retell)",
    }
    with tempfile.TemporaryDirectory(prefix="callswitch-pycache-") as pycache:
        env = _child_env(pycache, None)
        variants = {name: (code, env) for name, code in codes.items()}
        if baseline is not None:
            old_env = _child_env(pycache, baseline)
            for name in ("connect", "webhook"):
                variants[f"{name} (baseline)"] = (codes[name], old_env)
                labels[f"{name} (baseline)"] = f"{labels[name]}, baseline {baseline}"
        for code, child_env in variants.values():  # untimed: writes the bytecode cache
            _timed(code, child_env)
        times: dict[str, list[float]] = {k: [] for k in variants}
        cpu: dict[str, list[float]] = {k: [] for k in variants}
        for _ in range(runs):  # interleaved
            for name, (code, child_env) in variants.items():
                wall, used = _timed(code, child_env)
                times[name].append(wall)
                cpu[name].append(used)
    rows = []
    for name in times:
        rows.append(
            [
                labels[name],
                spread(times[name], 1e3, "ms"),
                ratio_spread(ratios(times[name], times["floor"])),
                spread(cpu[name], 1e3, "ms"),
                ratio_spread(ratios(cpu[name], cpu["floor"])),
            ]
        )
    return rows


#: Wall time is what a user waits; CPU time (the child's own ``process_time``) moves far
#: less when other jobs share the cores, so it is shown beside it.
COLD_HEADERS = ["what", "wall time", "wall vs floor", "CPU time", "CPU vs floor"]


def main(quick: bool, cold_only: bool = False, baseline: str | None = None) -> None:
    runs = 5 if quick else 9
    if cold_only:
        from run import table

        print(f"B. Cold start vs fair floor (fresh interpreter each, {runs} interleaved rounds)")
        print(table(COLD_HEADERS, cold(runs, baseline)))
        return
    number, repeat = (30, 5) if quick else (200, 7)
    print(
        f"A. Per-op vs fair floor and SDK (MockTransport; {repeat} interleaved rounds x "
        f"{number}; min/median/max; ratios per round)"
    )
    from run import table  # the same table printer

    print(
        table(
            [
                "provider",
                "op",
                "callswitch",
                "floor (httpx+parse+model)",
                "vs floor",
                "official SDK",
                "vs SDK",
            ],
            per_op(number, repeat),
        )
    )
    print(f"\nB. Cold start vs fair floor (fresh interpreter each, {runs} interleaved rounds)")
    print(table(COLD_HEADERS, cold(runs, baseline)))


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    args = sys.argv[1:]
    # --cold: section B only; --baseline DIR: also time the checkout DIR in section B
    base = args[args.index("--baseline") + 1] if "--baseline" in args else None
    main("--quick" in args, cold_only="--cold" in args, baseline=base)
