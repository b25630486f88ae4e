"""Limits against a Retell emulator on a socket whose callees answer and hang up:
concurrency and create rate checked from the emulator's own records."""

from __future__ import annotations

from pathlib import Path

from campaign_support import (
    FROM,
    creates,
    dialed_numbers,
    max_in_window,
    max_overlap,
    phone_network,
    retell_live_intervals,
    targets,
)

import callswitch
from callswitch import emulators
from callswitch.campaigns import Campaign, SQLiteJournal


def test_thirty_targets_never_more_than_four_live(tmp_path: Path) -> None:
    """30 targets, max_concurrent=4: 30 calls, one per number, at most 4 live at once
    by the emulator's create arrivals and end timestamps."""
    emu = emulators.create("retell")
    with emulators.running(emu) as url, phone_network(emu, 0.02, 0.1):
        client = callswitch.connect("retell", base_url=url, api_key="k")
        campaign = Campaign(
            client,
            name="c30",
            journal=SQLiteJournal(tmp_path / "j.db"),
            max_concurrent=4,
            max_per_second=200.0,
            from_number=FROM,
        )
        report = campaign.run(targets(30))
        client.close()
    assert report.counts == {"ended": 30, "failed": 0, "unknown": 0, "refused": 0}
    numbers = dialed_numbers(emu)
    assert sorted(numbers) == sorted(t["to_number"] for t in targets(30))
    spans = retell_live_intervals(emu)
    assert len(spans) == 30
    assert max_overlap(spans) <= 4
    assert max_overlap(spans) >= 2  # the limit was actually used, not one at a time
    assert all(row.ref and row.ref.startswith("retell:") for row in report.rows)


def test_429_storm_slows_down_and_every_row_completes(tmp_path: Path) -> None:
    """Every tenth create answers 429 (Retry-After 0.3 s): every row still ends, and no
    second holds more creates than max_per_second (429s counted)."""
    base = type(emulators.create("retell"))

    class Stormy(base):  # type: ignore[misc, valid-type]
        seen = 0

        async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
            if scope["type"] == "http" and scope["path"] == "/v2/create-phone-call":
                Stormy.seen += 1
                if Stormy.seen % 10 == 0:
                    self.add_fault(path="/v2/create-phone-call", status=429, retry_after=0.3)
            await super().__call__(scope, receive, send)

    emu = Stormy()
    with emulators.running(emu) as url, phone_network(emu, 0.02, 0.05):
        client = callswitch.connect("retell", base_url=url, api_key="k")
        campaign = Campaign(
            client,
            name="storm",
            journal=SQLiteJournal(tmp_path / "j.db"),
            max_concurrent=8,
            max_per_second=10.0,
            from_number=FROM,
        )
        report = campaign.run(targets(30))
        client.close()
    assert report.counts["ended"] == 30
    sent = creates(emu)
    statuses = [r["status"] for r in sent]
    assert statuses.count(429) >= 3
    assert sorted(dialed_numbers(emu)) == sorted(t["to_number"] for t in targets(30))
    # Creates are spaced 1/10 s apart at the sender; allow 20 ms of network jitter.
    assert max_in_window([r["time"] for r in sent], 1.0 - 0.02) <= 10
    # After each 429, the next create waited for Retry-After.
    times = [r["time"] for r in sent]
    for i, request in enumerate(sent[:-1]):
        if request["status"] == 429:
            assert times[i + 1] - times[i] >= 0.3 - 0.02
