"""How close a campaign keeps to max_concurrent: 200 targets, calls lasting 0.5-2 s.

Run: python benchmarks/campaign_pacing.py [--targets 200] [--limit 20] [--calls 0.5 2]
         [--modes default,0.1,webhooks] [--rounds 5]
Each mode is one way of learning that a call ended: ``default`` (``poll_interval=None``,
calls.wait's backoff), a number (``poll_interval`` in seconds), or ``webhooks`` (the
emulator posts its signed ``call_ended`` to a ``Receiver`` in this process, whose
handler is ``campaign.notify``; polling stays at the default backoff). Modes run
interleaved, round by round. Prints average live calls / limit (1.0 = the limit held all
the time) for the whole run and until the last create, measured from the emulator's own
records (create arrival to end timestamp), with min / median / max over the rounds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "campaigns"))

from campaign_support import FROM, retell_live_intervals

import callswitch
from callswitch import emulators
from callswitch.campaigns import Campaign, SQLiteJournal
from callswitch.webhooks import MemoryStore, Receiver

SECRET = "key_pacing_benchmark"


def network(emu: emulators.Emulator, stop: threading.Event, low: float, high: float) -> None:
    """Each callee answers at once and hangs up after low-high s (uniform)."""
    lasts: dict[str, float] = {}
    while not stop.is_set():
        now = time.time()
        with emu.lock:
            ids = list(emu.calls)
        for call_id in ids:
            if call_id not in lasts:
                lasts[call_id] = now + random.uniform(low, high)  # noqa: S311
                emu.set_status(call_id, "ongoing")
            elif lasts[call_id] <= now:
                emu.set_status(call_id, "ended")
                lasts[call_id] = float("inf")
        time.sleep(0.002)


def one_run(mode: str, args: argparse.Namespace) -> tuple[float, float, float, int]:
    """(wall s, whole-run ratio, until-last-create ratio, GETs) of one campaign."""
    emu = emulators.create("retell")
    stop = threading.Event()
    thread = threading.Thread(target=network, args=(emu, stop, *args.calls), daemon=True)
    thread.start()
    rows = [{"to_number": f"+1415556{n:04d}", "key": str(n)} for n in range(args.targets)]
    poll = None if mode in ("default", "webhooks") else float(mode)
    with tempfile.TemporaryDirectory() as tmp, emulators.running(emu) as url:
        client = callswitch.connect("retell", base_url=url, api_key="k")
        campaign = Campaign(
            client,
            name="pacing",
            journal=SQLiteJournal(Path(tmp) / "j.db"),
            max_concurrent=args.limit,
            max_per_second=args.rate,
            from_number=FROM,
            poll_interval=poll,
        )
        if mode == "webhooks":
            receiver = Receiver(secrets={"retell": SECRET}, store=MemoryStore())
            receiver.on("call.ended")(campaign.notify)

            def answer(request: httpx.Request) -> httpx.Response:
                status, body = receiver.handle("retell", request.headers, request.content)
                return httpx.Response(status, content=body)

            emu.set_webhooks(
                "http://receiver.local/retell", SECRET, transport=httpx.MockTransport(answer)
            )
        started = time.time()
        report = campaign.run(rows)
        finished = time.time()
        client.close()
    stop.set()
    thread.join()
    assert report.counts["ended"] == args.targets, report.counts
    spans = retell_live_intervals(emu)
    gets = sum(1 for r in emu.requests if r["method"] == "GET")
    emu.close()
    whole = sum(end - start for start, end in spans) / (finished - started) / args.limit
    # While there is still a row to start (first create to last create): the runner's
    # own pacing, without the drain at the end, where fewer rows than the limit remain.
    first, last = min(s for s, _ in spans), max(s for s, _ in spans)
    steady = sum(max(0.0, min(end, last) - max(start, first)) for start, end in spans)
    return finished - started, whole, steady / (last - first) / args.limit, gets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--calls", type=float, nargs=2, default=[0.5, 2.0], metavar=("LO", "HI"))
    parser.add_argument("--modes", default="default,0.1,webhooks")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    modes = args.modes.split(",")
    results: dict[str, list[tuple[float, float, float, int]]] = {m: [] for m in modes}
    print(
        f"targets {args.targets}, max_concurrent {args.limit}, rate {args.rate}/s, "
        f"calls {args.calls[0]:g}-{args.calls[1]:g} s, {args.rounds} round(s)"
    )
    for round_number in range(args.rounds):
        for mode in modes:
            result = one_run(mode, args)
            results[mode].append(result)
            wall, whole, steady, gets = result
            print(
                f"round {round_number + 1} {mode:>9}: wall {wall:6.1f} s  whole run {whole:.3f}  "
                f"until last create {steady:.3f}  GETs {gets}",
                flush=True,
            )
    print(
        "mode | wall s (median) | whole run min/median/max "
        "| until last create min/median/max | GETs (median)"
    )
    for mode, rows in results.items():

        def spread(i: int, rows: list[tuple[float, float, float, int]] = rows) -> str:
            values = [r[i] for r in rows]
            return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"

        print(
            f"{mode:10} | {statistics.median(r[0] for r in rows):.1f} | {spread(1)} | {spread(2)} "
            f"| {statistics.median(r[3] for r in rows):.0f}"
        )


if __name__ == "__main__":
    main()
