"""Resume after a crash: SIGKILL mid-campaign, then the same name again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from campaign_support import FROM, creates, dialed_numbers, phone_network, targets

import callswitch
from callswitch import emulators
from callswitch.campaigns import Campaign, SQLiteJournal

RUNNER = """
import sys
import callswitch
from callswitch.campaigns import Campaign, SQLiteJournal
url, journal = sys.argv[1], sys.argv[2]
client = callswitch.connect("retell", base_url=url, api_key="k")
rows = [{"to_number": f"+1415555{n:04d}", "key": f"row-{n}"} for n in range(30)]
Campaign(client, name="killed", journal=SQLiteJournal(journal), max_concurrent=3,
         max_per_second=20.0, from_number=sys.argv[3]).run(rows)
"""


def test_sigkill_then_rerun_dials_every_number_once(tmp_path: Path) -> None:
    """A runner SIGKILLed after about a third of its creates, then run again: every number
    was dialed, none twice (the emulator's call records)."""
    emu = emulators.create("retell")
    journal = tmp_path / "j.db"
    with emulators.running(emu) as url, phone_network(emu, 0.02, 0.2):
        proc = subprocess.Popen([sys.executable, "-c", RUNNER, url, str(journal), FROM])
        deadline = time.monotonic() + 30
        while len(creates(emu)) < 10:
            assert proc.poll() is None, "the runner ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        before = len(creates(emu))
        assert 10 <= before < 30
        client = callswitch.connect("retell", base_url=url, api_key="k")
        report = Campaign(
            client,
            name="killed",
            journal=SQLiteJournal(journal),
            max_concurrent=3,
            max_per_second=50.0,
            from_number=FROM,
        ).run(targets(30))
        client.close()
    assert report.counts == {"ended": 30, "failed": 0, "unknown": 0, "refused": 0}
    counted = Counter(dialed_numbers(emu))
    assert set(counted) == {t["to_number"] for t in targets(30)}
    assert max(counted.values()) == 1


def _vapi_setup(tmp_path: Path) -> tuple[SQLiteJournal, list[dict[str, str]]]:
    journal = SQLiteJournal(tmp_path / "j.db")
    rows = targets(3)
    return journal, rows


@pytest.mark.parametrize("redial", [False, True])
def test_vapi_intent_is_unknown_and_not_redialed_unless_asked(tmp_path: Path, redial: bool) -> None:
    """On Vapi (no idempotency key) a row whose create may have been sent is reported
    unknown and not dialed again; redial_unknown=True dials it."""
    emu = emulators.create("vapi")
    with phone_network(emu, 0.01, 0.02):
        _vapi_case(emu, tmp_path, redial)


def _vapi_case(emu: object, tmp_path: Path, redial: bool) -> None:
    client = emu.connect()  # type: ignore[attr-defined]
    journal, rows = _vapi_setup(tmp_path)
    campaign = Campaign(
        client,
        name="v",
        journal=journal,
        max_concurrent=2,
        max_per_second=100.0,
        redial_unknown=redial,
        from_number=_vapi_number(emu),
        agent_id="asst_1",
    )
    assert campaign.honours_idempotency_key is False
    # A crash right after row-1's intent was recorded:
    target = campaign._targets(rows)[1]
    journal.intend("v", target.row_key, target.idempotency_key, target.to_number)
    report = campaign.run(rows)
    by_key = {row.key: row for row in report.rows}
    numbers = dialed_numbers_vapi(emu)
    if redial:
        assert by_key["row-1"].status == "ended"
        assert rows[1]["to_number"] in numbers
    else:
        assert by_key["row-1"].status == "unknown"
        assert rows[1]["to_number"] not in numbers
        # and a later run leaves it alone too
        campaign.run(rows)
        assert rows[1]["to_number"] not in dialed_numbers_vapi(emu)
    assert by_key["row-0"].status == by_key["row-2"].status == "ended"


def _vapi_number(emu: object) -> str:
    return "+14155550100"


def dialed_numbers_vapi(emu: object) -> list[str]:
    with emu.lock:  # type: ignore[attr-defined]
        return [c.get("customer", {}).get("number") for c in emu.calls.values()]  # type: ignore[attr-defined]


def test_retell_and_truedy_declare_idempotent_creates_vapi_does_not() -> None:
    """The decision to re-send is read from declared capabilities data."""
    matrix = callswitch.capability_matrix()
    assert matrix["retell"].idempotent_create is True
    assert matrix["truedy"].idempotent_create is True
    assert matrix["vapi"].idempotent_create is False
