"""mypy --strict, run on a small app, catches a misspelt capability, list filter, status
and fixture option, and passes the same app spelt correctly."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mypy import api

APP = """
    from datetime import UTC, datetime

    import callswitch
    from callswitch import Capability, CallStatus
    from callswitch.emulators.pytest_plugin import EmulatorFactory

    client = callswitch.connect("retell")
    name: str = "control.say"
    if client.supports({capability}) and client.supports(Capability.parse(name)):
        print(client.capabilities["update.name"].note)
    for call in client.calls.list(limit=5, {filter}="ended", agent_id=["a", "b"]):
        print(call.ref)
    since = datetime(2026, 1, 1, tzinfo=UTC)
    client.calls.list(status={{CallStatus.ENDED, {status}}}, created_after=since)


    def test_app(callswitch_emulator: EmulatorFactory) -> None:
        emu = callswitch_emulator("vapi", {option}=0.1)
        emu.connect().calls.get("c1")
"""

GOOD = {
    "capability": '"control.say"',
    "filter": "status",
    "status": '"failed"',
    "option": "answer_after",
}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for both runs, so the second checks only the app (about 10 s in all)."""
    return tmp_path_factory.mktemp("mypy-cache")


def _mypy(tmp_path: Path, cache: Path, **changes: str) -> tuple[dict[int, str], int]:
    source = textwrap.dedent(APP).format(**{**GOOD, **changes})
    app = tmp_path / "app.py"
    app.write_text(source)
    out, err, status = api.run(["--strict", "--cache-dir", str(cache), str(app)])
    errors: dict[int, str] = {}
    for line in (out + err).splitlines():
        parts = line.split(":", 3)
        if len(parts) == 4 and parts[2].strip() == "error":
            errors[int(parts[1])] = errors.get(int(parts[1]), "") + parts[3]
    return errors, status


def test_a_correct_app_passes(tmp_path: Path, cache: Path) -> None:
    errors, status = _mypy(tmp_path, cache)
    assert (errors, status) == ({}, 0)


def test_misspellings_are_reported(tmp_path: Path, cache: Path) -> None:
    """Each misspelling is an error on its own line, and nothing else is."""
    errors, status = _mypy(
        tmp_path,
        cache,
        capability='"control.sya"',
        filter="stauts",
        status='"faild"',
        option="answer_afer",
    )
    assert status == 1
    assert sorted(errors) == [10, 12, 15, 19], errors
    assert "control.sya" in errors[10]
    assert '"supports"' in errors[10]
    assert '"stauts"' in errors[12]
    assert '"list"' in errors[12]
    assert "faild" in errors[15]
    assert '"answer_afer"' in errors[19]
