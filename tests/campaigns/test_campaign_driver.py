"""What a campaign accepts as its client."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from callswitch import emulators
from callswitch.campaigns import Campaign, SQLiteJournal
from callswitch.errors import ConfigurationError


def test_a_client_without_calls_wait_is_refused_when_built(tmp_path: Path) -> None:
    """Every Client, AsyncClient and Router has calls.wait; anything else is refused with
    a ConfigurationError naming what is missing, before any request is sent."""
    created: list[object] = []
    calls = SimpleNamespace(create_phone=lambda **kw: created.append(kw), get=lambda ref: None)
    with pytest.raises(ConfigurationError, match=r"calls\.wait\(\)"):
        Campaign(SimpleNamespace(calls=calls), name="x", journal=SQLiteJournal(tmp_path / "j"))
    assert created == []


def test_an_object_without_calls_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"create_phone\(\) or calls\.wait\(\)"):
        Campaign(object(), name="x", journal=SQLiteJournal(tmp_path / "j"))


def test_poll_interval_is_checked_when_built(tmp_path: Path) -> None:
    client = SimpleNamespace(calls=SimpleNamespace(create_phone=print, wait=print))
    for bad in (0, -1, float("nan"), True, "1"):
        with pytest.raises(ConfigurationError, match="poll_interval"):
            Campaign(client, name="x", journal=SQLiteJournal(tmp_path / "j"), poll_interval=bad)


@pytest.mark.parametrize("interval", [None, 0.02])
def test_poll_interval_sets_the_pace_of_calls_wait(tmp_path: Path, interval: float | None) -> None:
    """With poll_interval the call is polled every interval (many gets during a 0.3 s
    call); without it calls.wait's backoff (first poll after 0.5 s) polls it a few times."""
    emu = emulators.create("retell", answer_after=0.01, end_after=0.3)
    report = Campaign(
        emu.connect(),
        name="p",
        journal=SQLiteJournal(tmp_path / "j.db"),
        max_per_second=100.0,
        from_number="+14155550100",
        poll_interval=interval,
    ).run([{"to_number": "+14155550001"}])
    assert report.counts["ended"] == 1
    gets = [r for r in emu.requests if r["method"] == "GET"]
    if interval is None:
        assert len(gets) <= 3
    else:
        assert len(gets) >= 8
