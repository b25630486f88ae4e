"""``callswitch campaign run|status`` against a Retell emulator on a socket."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from campaign_support import FROM, dialed_numbers, phone_network

from callswitch import emulators
from callswitch.cli import run


def test_campaign_run_then_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CSV with variables and metadata columns is dialed; progress goes to stderr as
    plain lines (not a terminal); status reads the same journal; a rerun dials nobody."""
    monkeypatch.setenv("RETELL_API_KEY", "k")
    csv_path = tmp_path / "targets.csv"
    csv_path.write_text(
        "to_number,key,var.name,meta.ticket\n"
        "+14155550001,a,Ada,T-1\n"
        "+14155550002,b,Bo,T-2\n"
        "+14155550003,c,Cy,T-3\n",
        encoding="utf-8",
    )
    journal = tmp_path / "j.db"
    emu = emulators.create("retell")
    with emulators.running(emu) as url, phone_network(emu, 0.01, 0.03):
        argv = [
            "campaign",
            "run",
            str(csv_path),
            "--name",
            "cli",
            "--journal",
            str(journal),
            "--provider",
            "retell",
            "--base-url",
            url,
            "--from-number",
            FROM,
            "--max-concurrent",
            "2",
            "--rate",
            "50",
        ]
        out, err = io.StringIO(), io.StringIO()
        assert run(argv, stdout=out, stderr=err) == 0
        assert "ended: 3, failed: 0, unknown: 0, refused: 0" in out.getvalue()
        assert "3/3 done" in err.getvalue()
        assert "\r" not in err.getvalue()
        out2 = io.StringIO()
        assert run([*argv, "--json"], stdout=out2, stderr=io.StringIO()) == 0
        assert json.loads(out2.getvalue())["counts"]["ended"] == 3
    assert sorted(dialed_numbers(emu)) == ["+14155550001", "+14155550002", "+14155550003"]
    with emu.lock:
        record = next(c for c in emu.calls.values() if c["to_number"] == "+14155550001")
    assert record["retell_llm_dynamic_variables"] == {"name": "Ada"}
    assert record["metadata"] == {"ticket": "T-1"}
    out = io.StringIO()
    status_argv = ["campaign", "status", "--name", "cli", "--journal", str(journal), "--json"]
    assert run(status_argv, stdout=out, stderr=io.StringIO()) == 0
    assert json.loads(out.getvalue())["counts"]["ended"] == 3


def test_campaign_run_refuses_a_bad_csv_before_sending(tmp_path: Path) -> None:
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("number\n+14155550001\n", encoding="utf-8")
    err = io.StringIO()
    code = run(
        ["campaign", "run", str(csv_path), "--name", "x", "--provider", "retell"],
        stdout=io.StringIO(),
        stderr=err,
    )
    assert code == 2
    assert "to_number" in err.getvalue()
