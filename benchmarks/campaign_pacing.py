"""How close a campaign keeps to max_concurrent: 200 targets, calls lasting 0.5-2 s.

Run: python benchmarks/campaign_pacing.py [--targets 200] [--limit 20]
Prints average live calls / limit over the campaign (1.0 = the limit held all the time),
measured from the emulator's own records (create arrival to end timestamp).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "campaigns"))

from campaign_support import FROM, retell_live_intervals

import callswitch
from callswitch import emulators
from callswitch.campaigns import Campaign, SQLiteJournal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument(
        "--poll-interval", type=float, default=None, help="Campaign(poll_interval=...)"
    )
    args = parser.parse_args()
    emu = emulators.create("retell")
    stop = threading.Event()
    lasts: dict[str, float] = {}

    def network() -> None:  # each callee answers at once and hangs up after 0.5-2 s
        while not stop.is_set():
            now = time.time()
            with emu.lock:
                ids = list(emu.calls)
            for call_id in ids:
                if call_id not in lasts:
                    lasts[call_id] = now + random.uniform(0.5, 2.0)  # noqa: S311
                    emu.set_status(call_id, "ongoing")
                elif lasts[call_id] <= now:
                    emu.set_status(call_id, "ended")
                    lasts[call_id] = float("inf")
            time.sleep(0.002)

    thread = threading.Thread(target=network, daemon=True)
    thread.start()
    rows = [{"to_number": f"+1415556{n:04d}", "key": str(n)} for n in range(args.targets)]
    with tempfile.TemporaryDirectory() as tmp, emulators.running(emu) as url:
        client = callswitch.connect("retell", base_url=url, api_key="k")
        started = time.time()
        report = Campaign(
            client,
            name="pacing",
            journal=SQLiteJournal(Path(tmp) / "j.db"),
            max_concurrent=args.limit,
            max_per_second=args.rate,
            from_number=FROM,
            poll_interval=args.poll_interval,
        ).run(rows)
        finished = time.time()
        client.close()
    stop.set()
    spans = retell_live_intervals(emu)
    live_seconds = sum(end - start for start, end in spans)
    average = live_seconds / (finished - started)
    print(f"{report.counts}")
    print(
        f"targets {args.targets}, limit {args.limit}, rate {args.rate}/s, "
        f"poll_interval {args.poll_interval}, "
        f"wall {finished - started:.1f} s"
    )
    print(f"average live calls {average:.2f} / limit {args.limit} = {average / args.limit:.3f}")
    # While there is still a row to start (first create to last create): the runner's
    # own pacing, without the drain at the end, where fewer rows than the limit remain.
    first, last = min(s for s, _ in spans), max(s for s, _ in spans)
    steady = sum(max(0.0, min(end, last) - max(start, first)) for start, end in spans)
    steady_avg = steady / (last - first)
    print(f"until the last create: {steady_avg:.2f} / {args.limit} = {steady_avg / args.limit:.3f}")


if __name__ == "__main__":
    main()
