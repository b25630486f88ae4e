"""A campaign run through an AsyncClient (``arun``) and through a Router."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest
from campaign_support import FROM, dialed_numbers, max_overlap, retell_live_intervals, targets

import callswitch
from callswitch import emulators
from callswitch.campaigns import Campaign, SQLiteJournal

AGENT = "agent_1"


def test_arun_with_an_async_client_holds_the_limit(tmp_path: Path) -> None:
    """``await campaign.arun(targets)`` with an AsyncClient: every row ended, one call per
    number, never more than the limit live (emulator records), and no worker threads:
    the async client is awaited, not run in threads."""
    emu = emulators.create("retell", answer_after=0.02, end_after=0.1)
    threads: list[int] = []

    async def main() -> Any:
        async with emu.connect_async() as client:
            campaign = Campaign(
                client,
                name="async",
                journal=SQLiteJournal(tmp_path / "j.db"),
                max_concurrent=3,
                max_per_second=200.0,
                from_number=FROM,
                progress=lambda p: threads.append(threading.active_count()),
            )
            return await campaign.arun(targets(12))

    before = threading.active_count()
    report = anyio.run(main)
    assert report.counts == {"ended": 12, "failed": 0, "unknown": 0, "refused": 0}
    assert sorted(dialed_numbers(emu)) == sorted(t["to_number"] for t in targets(12))
    spans = retell_live_intervals(emu)
    assert 2 <= max_overlap(spans) <= 3
    assert max(threads) == before


def _members(*names: str) -> tuple[list[emulators.Emulator], list[callswitch.Client]]:
    emus = [emulators.create(n, answer_after=0.02, end_after=0.05) for n in names]
    return emus, [e.connect() for e in emus]


def _vapi_numbers(emu: emulators.Emulator) -> list[str]:
    with emu.lock:
        return [c.get("customer", {}).get("number") for c in emu.calls.values()]


def test_a_router_as_the_client(tmp_path: Path) -> None:
    """Router([retell, vapi]): creates go to the first vendor, refs carry the vendor
    (followed through the router's wait), and a 429 on a create slows the campaign down
    instead of failing the row."""
    emus, clients = _members("retell", "vapi")
    emus[0].add_fault(method="POST", path="/v2/create-phone-call", status=429, retry_after=0.05)
    router = callswitch.Router(clients)
    campaign = Campaign(
        router,
        name="routed",
        journal=SQLiteJournal(tmp_path / "j.db"),
        max_concurrent=2,
        max_per_second=100.0,
        from_number=FROM,
        agent_id=AGENT,
    )
    assert campaign.honours_idempotency_key is False  # Vapi declares no idempotent create
    report = campaign.run(targets(5))
    assert report.counts == {"ended": 5, "failed": 0, "unknown": 0, "refused": 0}
    refs = [row.ref or "" for row in report.rows]
    assert all(ref.split(":", 1)[0] in ("retell", "vapi") for ref in refs), refs
    numbers = dialed_numbers(emus[0]) + _vapi_numbers(emus[1])
    assert Counter(numbers) == Counter(t["to_number"] for t in targets(5))


def _crash_after_create(
    campaign: Campaign, journal: SQLiteJournal, client: callswitch.Client, row: dict[str, Any]
) -> None:
    """What a run killed between its create reaching Retell and the journal noting it
    leaves behind: an intent in the journal, and a call at the vendor under the row's key."""
    target = campaign._targets([row])[0]
    journal.intend(campaign.name, target.row_key, target.idempotency_key, target.to_number)
    client.calls.create_phone(
        to_number=target.to_number,
        from_number=FROM,
        provider_options={"retell": {"idempotency_key": target.idempotency_key}},
    )


@pytest.mark.parametrize(
    ("second", "honours"), [("truedy", True), ("vapi", False)], ids=["truedy", "vapi"]
)
def test_resume_on_a_router_follows_the_least_idempotent_vendor(
    tmp_path: Path, second: str, honours: bool
) -> None:
    """A router resumes as safely as its weakest vendor: Retell + Truedy (both honour a
    key) re-send an interrupted create with the same key, which Retell answers with the
    call it already made (no second dial); Retell + Vapi cannot tell, so the row is
    reported unknown and not dialed at all."""
    emus, clients = _members("retell", second)
    router = callswitch.Router(clients)
    journal = SQLiteJournal(tmp_path / "j.db")
    rows = targets(3)
    campaign = Campaign(
        router,
        name="resume",
        journal=journal,
        max_concurrent=2,
        max_per_second=100.0,
        from_number=FROM,
        agent_id=AGENT,
    )
    assert campaign.honours_idempotency_key is honours
    _crash_after_create(campaign, journal, clients[0], rows[1])
    report = campaign.run(rows)
    by_key = {row.key: row for row in report.rows}
    counted = Counter(dialed_numbers(emus[0]))
    assert counted[rows[1]["to_number"]] == 1  # the call made before the "crash", only
    assert by_key["row-0"].status == by_key["row-2"].status == "ended"
    if honours:
        assert by_key["row-1"].status == "ended"
        assert (by_key["row-1"].ref or "").startswith("retell:")
    else:
        assert by_key["row-1"].status == "unknown"
        assert "idempotency key" in (by_key["row-1"].error or "")
    assert max(counted.values()) == 1
