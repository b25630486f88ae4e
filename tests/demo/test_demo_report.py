"""`callswitch demo`: runs through the CLI and main(), exits 0, and reports honestly."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

import callswitch
from callswitch import cli, demo, emulators
from callswitch.registry import default_registry

EMULATED = ("retell", "truedy", "vapi")


def _note(provider: str, capability: str) -> str:
    return default_registry().get(provider).capabilities[capability].note


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    """The demo's JSON report, run once for the module."""
    out = io.StringIO()
    assert demo.main(["--json"], stdout=out) == 0
    data: dict[str, Any] = json.loads(out.getvalue())
    return {p["provider"]: p for p in data["providers"]} | {"_all": data}


def _step(report: dict[str, Any], provider: str, step: str) -> dict[str, Any]:
    steps = {s["step"]: s for s in report[provider]["steps"]}
    return steps[step]


def test_cli_demo_exits_0_and_names_every_emulated_provider(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`callswitch demo` as a user types it: exit 0, a column per provider, the reasons."""
    err = io.StringIO()
    code = cli.run(["demo"], stderr=err)
    text = capsys.readouterr().out
    assert code == 0, err.getvalue()
    header = next(line for line in text.splitlines() if line.startswith("STEP"))
    for provider in EMULATED:
        assert provider.upper() in header
    # Truedy refuses live control, quoting its declaration.
    assert _note("truedy", "calls.control") in " ".join(text.split())
    assert "refused [" in text
    assert "Summary:" in text


def test_demo_as_a_subprocess() -> None:
    """python -m callswitch.cli demo in a fresh interpreter, no key in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    proc = subprocess.run(
        [sys.executable, "-m", "callswitch.cli", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for provider in EMULATED:
        assert provider.upper() in proc.stdout


def test_providers_come_from_the_registry(report: dict[str, Any]) -> None:
    """Every installed provider with an emulator is run, in registry order."""
    names = [p["provider"] for p in report["_all"]["providers"]]
    assert names == [n for n in callswitch.providers() if default_registry().get(n).emulator]
    assert set(EMULATED) <= set(names)


def test_truedy_refuses_live_control_and_end_with_its_declared_reason(
    report: dict[str, Any],
) -> None:
    control = _step(report, "truedy", "control")
    assert control["status"] == "refused"
    assert control["refused"]["capability"] == "calls.control"
    assert control["refused"]["note"] == _note("truedy", "calls.control")
    end = _step(report, "truedy", "end")
    assert end["status"] == "refused"
    assert end["refused"]["note"] == _note("truedy", "calls.end")


def test_retell_injected_context_is_in_the_transcript_read_back(report: dict[str, Any]) -> None:
    control = _step(report, "retell", "control")
    assert control["applied"] == ["control.inject_context", "control.trigger_response"]
    call = report["retell"]["call"]
    assert call["status"] == "ended"
    injected = [u for u in call["transcript"] if u["text"] == demo.CONTEXT]
    assert [u["role"] for u in injected] == ["injected"]
    assert call["metadata"] == demo.METADATA
    assert call["variables"].items() >= demo.NEW_VARIABLES.items()


def test_fields_a_provider_lacks_are_dropped_with_their_notes(report: dict[str, Any]) -> None:
    vapi_update = _step(report, "vapi", "update")
    assert vapi_update["status"] == "dropped"
    assert [d["note"] for d in vapi_update["dropped"]] == [
        _note("vapi", "update.metadata"),
        _note("vapi", "update.variables"),
    ]
    truedy_update = _step(report, "truedy", "update")
    assert truedy_update["status"] == "partial"
    assert truedy_update["applied"] == ["update.variables"]
    assert [d["capability"] for d in truedy_update["dropped"]] == ["update.metadata"]
    # What was dropped is really absent when the call is read back.
    assert report["vapi"]["call"]["metadata"] == {}
    assert "order_status" not in report["vapi"]["call"]["variables"]


def test_every_provider_ends_with_an_ended_call(report: dict[str, Any]) -> None:
    for provider in EMULATED:
        assert report[provider]["call"]["status"] == "ended"
        assert _step(report, provider, "live")["detail"].startswith("ongoing")
        assert report[provider]["ms"] > 0


def test_text_report_table_and_read_back() -> None:
    out = io.StringIO()
    assert demo.main(stdout=out) == 0
    text = out.getvalue()
    table = text.split("\n\n")[1].splitlines()
    assert [row.split("  ")[0] for row in table[1:]] == [t for _, t in demo.STEPS] + ["time"]
    assert "injected: The caller is a premium member" in text
    assert "dropped: metadata, variables" in text


def test_refused_steps_send_nothing() -> None:
    """The flow asks supports() first: Truedy's emulator never sees a control or end."""
    emu = emulators.create("truedy")
    http = httpx.Client(transport=emu.transport())
    try:
        client = callswitch.connect(
            "truedy",
            api_key="demo",
            base_url=emu.base_url,
            http_client=http,
            on_unsupported="drop",
        )
        run = demo.run_flow(client, demo.EmulatorWorld(http, emu.base_url))
    finally:
        http.close()
        emu.close()
    sent = [(r["method"], r["path"]) for r in emu.requests]
    assert [m for m, _ in sent].count("POST") == 1  # the create only
    assert [m for m, _ in sent].count("PATCH") == 1  # the update, variables only
    patch = next(r for r in emu.requests if r["method"] == "PATCH")
    assert "metadata" not in patch["json"]
    assert run.ok


def test_a_failing_vendor_marks_the_step_failed_and_main_would_exit_1() -> None:
    """A 500 on create: the step fails, the rest is skipped, the run is not ok."""
    emu = emulators.create("vapi")
    emu.add_fault(method="POST", path="/call", status=500)
    http = httpx.Client(transport=emu.transport())
    try:
        client = callswitch.connect(
            "vapi",
            api_key="demo",
            base_url=emu.base_url,
            http_client=http,
            on_unsupported="drop",
            max_retries=0,
        )
        run = demo.run_flow(client, demo.EmulatorWorld(http, emu.base_url))
    finally:
        http.close()
        emu.close()
    assert run.outcome("create").status == "failed"
    assert "ServerError" in run.outcome("create").detail
    assert {o.status for o in run.outcomes[1:]} == {"skipped"}
    assert not run.ok
    assert "failed (see below)" in demo.render_text([run], {})


def test_providers_without_an_emulator_are_skipped(fake_provider: str) -> None:
    chosen, skipped = demo.demo_providers()
    assert fake_provider not in chosen
    assert skipped[fake_provider] == "ships no emulator"


def test_unknown_option_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        demo.main(["--no-such-flag"], stdout=io.StringIO())


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--provider", "vapi", "--json"],
        ["--provider", "vapi", "--json", "demo"],
    ],
)
def test_provider_option_runs_only_that_provider(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`callswitch demo --provider vapi` runs the flow on vapi alone, wherever the flag is."""
    err = io.StringIO()
    assert cli.run(argv, stderr=err) == 0, err.getvalue()
    data = json.loads(capsys.readouterr().out)
    assert [p["provider"] for p in data["providers"]] == ["vapi"]


def test_provider_option_is_repeatable(capsys: pytest.CaptureFixture[str]) -> None:
    err = io.StringIO()
    argv = ["demo", "--json", "--provider", "truedy", "--provider", "retell"]
    assert cli.run(argv, stderr=err) == 0, err.getvalue()
    data = json.loads(capsys.readouterr().out)
    assert [p["provider"] for p in data["providers"]] == ["truedy", "retell"]


def test_demo_of_an_unknown_provider_is_one_line_and_exit_2() -> None:
    err = io.StringIO()
    assert cli.run(["demo", "--provider", "nosuchvendor"], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().startswith("callswitch: error: ")
    assert "nosuchvendor" in err.getvalue()
    assert len(err.getvalue().splitlines()) == 1


def test_module_main_shares_the_cli_parser(capsys: pytest.CaptureFixture[str]) -> None:
    """python -m callswitch.demo takes the options of `callswitch demo`, from one parser."""
    with pytest.raises(SystemExit):
        demo.main(["--help"], stdout=io.StringIO())
    assert capsys.readouterr().out.startswith("usage: callswitch demo ")
    out = io.StringIO()
    assert demo.main(["--json", "--provider", "retell"], stdout=out) == 0
    assert [p["provider"] for p in json.loads(out.getvalue())["providers"]] == ["retell"]
