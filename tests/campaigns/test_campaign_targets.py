"""Target validation: bad rows are refused with a clear error before anything is sent."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from callswitch import emulators
from callswitch.campaigns import Campaign, SQLiteJournal
from callswitch.cli import run
from callswitch.cli._campaign import read_targets
from callswitch.errors import InvalidRequestError

FROM = "+14155550100"


def _campaign(tmp_path: Path, emu: emulators.Emulator) -> Campaign:
    return Campaign(
        emu.connect(),
        name="t",
        journal=SQLiteJournal(tmp_path / "j.db"),
        max_per_second=100.0,
        from_number=FROM,
    )


@pytest.mark.parametrize(
    "number", ["4155550123", "+1 415 555 0123", "+0123456789", "+1415555012x", "+12", ""]
)
def test_a_bad_e164_number_is_refused_before_any_create(tmp_path: Path, number: str) -> None:
    emu = emulators.create("retell")
    rows = [{"to_number": "+14155550001"}, {"to_number": number}]
    with pytest.raises(InvalidRequestError, match=r"target 2") as caught:
        _campaign(tmp_path, emu).run(rows)
    assert "E.164" in str(caught.value) or "non-empty" in str(caught.value)
    assert emu.calls == {}


def test_duplicate_keys_are_refused_naming_both_rows(tmp_path: Path) -> None:
    emu = emulators.create("retell")
    rows = [
        {"to_number": "+14155550001", "key": "a"},
        {"to_number": "+14155550002", "key": "b"},
        {"to_number": "+14155550003", "key": "a"},
    ]
    with pytest.raises(InvalidRequestError, match=r"targets 1 and 3 .*'a'"):
        _campaign(tmp_path, emu).run(rows)
    assert emu.calls == {}


def test_the_same_row_twice_without_keys_is_a_duplicate(tmp_path: Path) -> None:
    emu = emulators.create("retell")
    row = {"to_number": "+14155550001", "variables": {"name": "Ada"}}
    with pytest.raises(InvalidRequestError, match=r"targets 1 and 2"):
        _campaign(tmp_path, emu).run([row, dict(row)])
    assert emu.calls == {}


def test_unknown_fields_and_non_string_variables_are_refused(tmp_path: Path) -> None:
    emu = emulators.create("retell")
    with pytest.raises(InvalidRequestError, match=r"unknown field\(s\) phone"):
        _campaign(tmp_path, emu).run([{"to_number": "+14155550001", "phone": "x"}])
    with pytest.raises(InvalidRequestError, match=r"str\(\)"):
        _campaign(tmp_path, emu).run([{"to_number": "+14155550001", "variables": {"n": 1}}])
    assert emu.calls == {}


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _run_csv(path: Path) -> tuple[int, str]:
    err = io.StringIO()
    code = run(
        ["campaign", "run", str(path), "--name", "x", "--provider", "retell"],
        stdout=io.StringIO(),
        stderr=err,
    )
    return code, err.getvalue()


def test_csv_unknown_column_is_a_usage_error(tmp_path: Path) -> None:
    path = _csv(tmp_path, "to_number,phone\n+14155550001,x\n")
    code, err = _run_csv(path)
    assert code == 2
    assert "unknown column 'phone'" in err
    assert "var.<name>" in err


def test_csv_variables_metadata_and_empty_cells(tmp_path: Path) -> None:
    path = _csv(tmp_path, "to_number,key,var.name,meta.t\n+14155550001,a,Ada,\n+14155550002,,,T\n")
    assert read_targets(str(path)) == [
        {"to_number": "+14155550001", "key": "a", "variables": {"name": "Ada"}},
        {"to_number": "+14155550002", "metadata": {"t": "T"}},
    ]


def test_csv_empty_to_number_names_the_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "to_number,key\n+14155550001,a\n,b\n")
    code, err = _run_csv(path)
    assert code == 2
    assert "line 3: to_number is empty" in err


def test_a_huge_csv_field_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    """A field over the csv module's size limit (131072 characters by default)."""
    path = _csv(tmp_path, "to_number,var.note\n+14155550001," + "x" * 200_000 + "\n")
    code, err = _run_csv(path)
    assert code == 2
    assert "not a CSV file callswitch can read" in err
    assert "Traceback" not in err
    assert len(err) < 1000


def test_a_csv_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"to_number,var.name\n+14155550001,\xff\xfe\n")
    code, err = _run_csv(path)
    assert code == 2
    assert "UTF-8" in err


def test_a_bad_number_in_a_csv_is_refused_before_sending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETELL_API_KEY", "k")
    emu = emulators.create("retell")
    path = _csv(tmp_path, "to_number\n+14155550001\n555-0123\n")
    with emulators.running(emu) as url:
        err = io.StringIO()
        argv = ["campaign", "run", str(path), "--name", "x", "--provider", "retell"]
        code = run([*argv, "--base-url", url], stdout=io.StringIO(), stderr=err)
    assert code != 0
    assert "target 2" in err.getvalue()
    assert "E.164" in err.getvalue()
    assert emu.requests == []
