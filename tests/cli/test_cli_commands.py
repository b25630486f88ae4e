"""The `callswitch` command: output for people and scripts, exit codes, secrets kept out."""

from __future__ import annotations

import importlib.machinery
import io
import json
import subprocess
import sys
import types
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from callswitch import cli
from callswitch.capabilities import CapabilityMatrix
from callswitch.registry import default_registry

KEY = "sk-cli-test-0123456789"

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A mock transport that records every request and answers with ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler
        self.client = httpx.Client(transport=httpx.MockTransport(self._handle))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def run(
    argv: list[str], http: Recorder | None = None, *, stderr: io.StringIO | None = None
) -> tuple[int, str, str]:
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    code = cli.run(argv, stdout=out, stderr=err, http_client=http.client if http else None)
    return code, out.getvalue(), err.getvalue()


def call_json(call_id: str = "c1", status: str = "ongoing", **extra: Any) -> dict[str, Any]:
    return {"id": call_id, "status": status, **extra}


@pytest.fixture
def fake(fake_provider: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FAKE_API_KEY", KEY)
    return fake_provider


# ----------------------------------------------------------------------------- providers


def test_providers_table_lists_installed_names_with_package(fake: str) -> None:
    """Every registered provider gets a row; built-ins show their distribution."""
    code, out, err = run(["providers"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["PROVIDER", "PACKAGE", "VERSION"]
    names = [line.split()[0] for line in lines[1:]]
    assert names == list(default_registry().names())
    assert "fake" in names


def test_providers_json_is_machine_readable(fake: str) -> None:
    code, out, _ = run(["providers", "--json"])
    assert code == 0
    rows = json.loads(out)
    fake_row = next(r for r in rows if r["name"] == "fake")
    assert fake_row["ok"] is True
    assert fake_row["api_key_env"] == "FAKE_API_KEY"
    assert KEY not in out


# -------------------------------------------------------------------------- capabilities


def test_capabilities_for_one_provider_shows_notes_and_sources(fake: str) -> None:
    code, out, _ = run(["capabilities", "--provider", "fake"])
    assert code == 0
    assert "fake note for control.say" in out
    say_line = next(line for line in out.splitlines() if line.startswith("control.say "))
    assert say_line.split()[1] == "no"
    assert "tests/fakeprovider.py" in out


def test_capabilities_json_matches_declarations(fake: str) -> None:
    import fakeprovider

    code, out, _ = run(["--json", "capabilities", "--provider", "fake"])
    assert code == 0
    rows = json.loads(out)["fake"]
    assert {r["capability"]: r["supported"] for r in rows} == {
        row.name: row.supported for row in fakeprovider.CAPS
    }


def test_capabilities_markdown_is_the_generated_doc(fake: str) -> None:
    import fakeprovider

    code, out, _ = run(["capabilities", "--provider", "fake", "--format", "markdown"])
    assert code == 0
    assert out == cli.capabilities_markdown(CapabilityMatrix((fakeprovider.CAPS,)))
    assert out.startswith("# Capabilities")


def test_capabilities_compare_lists_gains_and_losses(fake: str) -> None:
    """--compare agrees with CapabilityMatrix.compare for the same two providers."""
    other = next(n for n in default_registry().names() if n != "fake")
    matrix = CapabilityMatrix(
        (default_registry().get("fake").capabilities, default_registry().get(other).capabilities)
    )
    gained, lost = matrix.compare("fake", other)
    code, out, _ = run(["--json", "capabilities", "--compare", "fake", other])
    assert code == 0
    data = json.loads(out)
    assert data["gained"] == [c.value for c in gained]
    assert data["lost"] == [c.value for c in lost]
    code, text, _ = run(["capabilities", "--compare", "fake", other])
    assert code == 0
    for cap in lost:
        assert any(line.split()[:2] == ["lost", cap.value] for line in text.splitlines())


def test_capabilities_unknown_provider_is_a_usage_error() -> None:
    code, out, err = run(["capabilities", "--provider", "nosuchvendor"])
    assert code == 2
    assert out == ""
    assert err.startswith("callswitch: error: unknown provider 'nosuchvendor'")
    assert len(err.splitlines()) == 1


# ---------------------------------------------------------------------------- calls get


def test_calls_get_table_and_json(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json=call_json("c1", "ended")))
    code, out, _ = run(["--provider", "fake", "calls", "get", "c1"], http)
    assert code == 0
    assert "id:" in out
    assert "c1" in out
    assert "status:" in out
    assert "ended" in out
    code, out, _ = run(["calls", "get", "c1", "--provider", "fake", "--json"], http)
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "c1"
    assert data["status"] == "ended"
    assert "raw" not in data
    assert "access_token" not in data
    assert http.requests[0].url.path == "/api/calls/c1"


def test_provider_from_environment_and_base_url_flag(
    fake: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI reads CALLSWITCH_PROVIDER like the library; --base-url redirects requests."""
    monkeypatch.setenv("CALLSWITCH_PROVIDER", "fake")
    http = Recorder(lambda r: httpx.Response(200, json=call_json()))
    code, _, err = run(["--base-url", "http://127.0.0.1:9/x", "calls", "get", "c1"], http)
    assert code == 0, err
    assert str(http.requests[0].url) == "http://127.0.0.1:9/x/calls/c1"


def test_provider_error_is_one_line_exit_1_without_the_key(fake: str) -> None:
    """A 401 prints one line to stderr, exits 1, and the key appears nowhere."""
    http = Recorder(lambda r: httpx.Response(401, json={"message": "invalid api key"}))
    code, out, err = run(["--provider", "fake", "calls", "get", "c1"], http)
    assert code == 1
    assert out == ""
    assert err.splitlines() == [err.rstrip("\n")]
    assert err.startswith("callswitch: error: fake HTTP 401: invalid api key")
    assert KEY not in err
    assert KEY not in out
    assert "Traceback" not in err


def test_not_found_exits_1(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(404, json={"message": "no such call"}))
    code, _, err = run(["--provider", "fake", "calls", "get", "nope"], http)
    assert code == 1
    assert "no such call" in err


def test_missing_key_is_a_usage_error(fake_provider: str) -> None:
    code, _, err = run(["--provider", "fake", "calls", "get", "c1"])
    assert code == 2
    assert "FAKE_API_KEY" in err


def test_no_provider_chosen_says_how_to_choose() -> None:
    code, _, err = run(["calls", "get", "c1"])
    assert code == 2
    assert "--provider" in err
    assert "CALLSWITCH_PROVIDER" in err


def test_invalid_call_id_is_refused_before_sending(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json=call_json()))
    code, _, err = run(["--provider", "fake", "calls", "get", "../etc"], http)
    assert code == 2
    assert http.requests == []
    assert "call_id" in err


# --------------------------------------------------------------------------- calls list


def paged(total: int) -> Handler:
    calls = [call_json(f"c{i}", "ended") for i in range(total)]

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        chunk = calls[offset : offset + limit]
        return httpx.Response(200, json={"data": chunk, "more": offset + limit < total})

    return handler


def test_calls_list_limit_and_all(fake: str) -> None:
    http = Recorder(paged(5))
    code, out, _ = run(["--provider", "fake", "calls", "list", "--limit", "3"], http)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["c0", "c1", "c2"]
    code, out, _ = run(["--provider", "fake", "--json", "calls", "list", "--all"], http)
    assert code == 0
    assert [c["id"] for c in json.loads(out)] == [f"c{i}" for i in range(5)]


def test_calls_list_rejects_a_zero_limit(fake: str) -> None:
    code, _, err = run(["--provider", "fake", "calls", "list", "--limit", "0"])
    assert code == 2
    assert "--limit" in err


def test_calls_list_no_progress_when_stderr_is_not_a_terminal(fake: str) -> None:
    http = Recorder(paged(7))
    code, _, err = run(["--provider", "fake", "calls", "list", "--all"], http)
    assert code == 0
    assert err == ""


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_after_the_delay() -> None:
    """The counter appears only on a TTY and only once the delay has passed."""
    now = [0.0]
    stream = TTY()
    progress = cli.Progress(stream, "fetching calls", delay=1.0, clock=lambda: now[0])
    progress.tick()
    assert stream.getvalue() == ""
    now[0] = 2.0
    progress.tick()
    assert stream.getvalue() == "\rfetching calls: 2"
    progress.done()
    assert stream.getvalue().endswith("\r")

    plain = io.StringIO()
    quiet = cli.Progress(plain, "fetching calls", delay=0.0, clock=lambda: now[0])
    now[0] = 10.0
    quiet.tick()
    quiet.done()
    assert plain.getvalue() == ""


# ------------------------------------------------------------------------- calls update


def test_calls_update_sends_fields_and_reports_applied(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json=call_json()))
    argv = ["--provider", "fake", "calls", "update", "c1", "--metadata", "a=1", "--metadata"]
    argv += ["b=x=y", "--variable", "name=Ann", "--data-storage", "everything_except_pii"]
    code, out, err = run(argv, http)
    assert code == 0, err
    assert http.bodies() == [
        {
            "metadata": {"a": "1", "b": "x=y"},
            "variables": {"name": "Ann"},
            "data_storage": "everything_except_pii",
        }
    ]
    assert out.startswith("applied: update.metadata, update.variables, update.data_storage")


def test_calls_update_unsupported_field_refused_before_sending(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json=call_json()))
    code, _, err = run(["--provider", "fake", "calls", "update", "c1", "--greeting", "Hi"], http)
    assert code == 2
    assert http.requests == []
    assert "update.greeting" in err
    assert "Nothing was sent" in err
    assert "--drop-unsupported" in err


def test_calls_update_drop_unsupported_reports_dropped(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json=call_json()))
    argv = ["--provider", "fake", "--json", "calls", "update", "c1", "--greeting", "Hi"]
    code, out, err = run([*argv, "--name", "VIP", "--drop-unsupported"], http)
    assert code == 0, err
    assert http.bodies() == [{"name": "VIP"}]
    data = json.loads(out)
    assert data["dropped"] == ["update.greeting"]
    assert data["applied"] == ["update.name"]


def test_calls_update_privacy_field_never_dropped(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json=call_json()))
    argv = ["--provider", "fake", "calls", "update", "c1", "--no-recording", "--name", "x"]
    code, _, err = run([*argv, "--drop-unsupported"], http)
    assert code == 2
    assert http.requests == []
    assert "update.recording_enabled" in err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([], "needs at least one change"),
        (["--metadata", "novalue"], "--metadata takes key=value"),
        (["--variable", "=x"], "--variable takes key=value"),
    ],
)
def test_calls_update_usage_errors(fake: str, extra: list[str], expected: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json=call_json()))
    code, _, err = run(["--provider", "fake", "calls", "update", "c1", *extra], http)
    assert code == 2
    assert expected in err
    assert http.requests == []


# ------------------------------------------------------------------------ calls control


def test_calls_control_inject_and_trigger(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json={}))
    argv = ["--provider", "fake", "calls", "control", "c1", "--inject", "VIP", "--trigger"]
    code, out, err = run(argv, http)
    assert code == 0, err
    assert http.bodies() == [{"inject_context": "VIP", "trigger_response": True}]
    assert http.requests[0].method == "POST"
    assert "control.inject_context" in out


def test_calls_control_unsupported_action_refused(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json={}))
    code, _, err = run(["--provider", "fake", "calls", "control", "c1", "--say", "hi"], http)
    assert code == 2
    assert http.requests == []
    assert "control.say" in err


def test_calls_control_invalid_transfer_target(fake: str) -> None:
    http = Recorder(lambda r: httpx.Response(200, json={}))
    argv = ["--provider", "fake", "calls", "control", "c1", "--transfer", "nowhere"]
    code, _, err = run(argv, http)
    assert code == 2
    assert "E.164" in err
    assert http.requests == []


def test_calls_control_needs_an_action(fake: str) -> None:
    code, _, err = run(["--provider", "fake", "calls", "control", "c1"])
    assert code == 2
    assert "at least one action" in err


# --------------------------------------------------------------------- emulate and demo


def stub_module(monkeypatch: pytest.MonkeyPatch, name: str, **attrs: Any) -> None:
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    for key, value in attrs.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, name, module)


def test_emulate_calls_serve_with_the_port(fake: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []

    def serve(provider: str, *, port: int, ready: Callable[[str], None]) -> None:
        seen.append((provider, port))
        ready(f"http://127.0.0.1:{port}")

    stub_module(monkeypatch, "callswitch.emulators", serve=serve)
    code, _, err = run(["emulate", "fake", "--port", "8555"])
    assert code == 0, err
    assert seen == [("fake", 8555)]
    assert "serving the fake emulator on http://127.0.0.1:8555" in err


def test_emulate_matches_the_emulators_serve_signature() -> None:
    """The real serve() takes what the CLI passes (port, ready), as keywords."""
    import inspect

    from callswitch import emulators

    params = inspect.signature(emulators.serve).parameters
    assert params["port"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["ready"].kind is inspect.Parameter.KEYWORD_ONLY


def test_cli_against_the_in_process_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    """calls get / list / update against the built-in vapi emulator, no socket."""
    from callswitch import emulators

    emu = emulators.create("vapi")
    try:
        record = emu.add_call("ongoing")
        call_id = emu.call_id(record)
        monkeypatch.setenv("VAPI_API_KEY", "emulator-key")
        http = httpx.Client(transport=emu.transport())
        base = ["--provider", "vapi", "--base-url", emu.base_url]
        out, err = io.StringIO(), io.StringIO()
        assert (
            cli.run(
                [*base, "--json", "calls", "get", call_id], stdout=out, stderr=err, http_client=http
            )
            == 0
        ), err.getvalue()
        assert json.loads(out.getvalue())["status"] == "ongoing"
        out = io.StringIO()
        assert cli.run([*base, "calls", "list"], stdout=out, stderr=err, http_client=http) == 0
        assert call_id in out.getvalue()
        out = io.StringIO()
        argv = [*base, "--json", "calls", "update", call_id, "--name", "renamed"]
        assert cli.run(argv, stdout=out, stderr=err, http_client=http) == 0, err.getvalue()
        assert json.loads(out.getvalue())["applied"] == ["update.name"]
        assert emu.get_call(call_id)["name"] == "renamed"
    finally:
        emu.close()


def test_emulate_interrupted_exits_quietly(fake: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def serve(provider: str, *, port: int, ready: Callable[[str], None]) -> None:
        raise KeyboardInterrupt

    stub_module(monkeypatch, "callswitch.emulators", serve=serve)
    code, _, err = run(["emulate", "fake", "--port", "0"])
    assert code == 130
    assert "Traceback" not in err


def test_emulate_unknown_provider() -> None:
    code, _, err = run(["emulate", "nosuchvendor"])
    assert code == 2
    assert "unknown provider 'nosuchvendor'" in err


def test_demo_runs_demo_show(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI hands the chosen providers, --json and its own stdout to demo.show and
    returns its exit code."""
    calls: list[tuple[Any, bool, Any]] = []

    def show(providers: Any, *, as_json: bool, stdout: Any) -> int:
        calls.append((providers, as_json, stdout))
        stdout.write("demo report\n")
        return 3

    stub_module(monkeypatch, "callswitch.cli.demo", show=show)
    code, out, _ = run(["demo"])
    assert code == 3
    assert out == "demo report\n"
    run(["--json", "demo"])
    run(["--provider", "vapi", "demo", "--provider", "retell"])
    assert [(p, j) for p, j, _ in calls] == [
        (None, False),
        (None, True),
        (["vapi", "retell"], False),
    ]


def test_demo_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name == "callswitch.cli.demo" else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    code, _, err = run(["demo"])
    assert code == 2
    assert "callswitch.cli.demo is missing" in err


# ------------------------------------------------------------------------------- usage


def test_no_command_is_a_usage_error() -> None:
    code, _, err = run([])
    assert code == 2
    assert "usage: callswitch" in err


def test_module_runs_as_a_script_and_stays_light() -> None:
    """`python -m callswitch.cli --help` works, and importing the CLI loads no server code."""
    proc = subprocess.run(
        [sys.executable, "-m", "callswitch.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "capabilities" in proc.stdout
    probe = (
        "import sys, callswitch.cli; "
        "print(sorted(m for m in ('uvicorn', 'starlette', 'callswitch.emulators') "
        "if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("provider", ["vapi", "retell"])
def test_emulate_on_a_busy_port_is_one_line_and_exit_2(provider: str) -> None:
    """uvicorn's own error and exit code 3 used to leak out; now one line names the port
    and the way out (another --port, or --port 0)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, out, err = run(["emulate", provider, "--port", str(port)])
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("callswitch: error: ")
    assert f"127.0.0.1:{port}" in err
    assert "in use" in err
    assert "--port 0" in err


def test_emulate_server_exit_becomes_one_line(fake: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the port is taken between the check and the server's bind, the server's exit
    is still one line and exit code 2."""

    def serve(provider: str, *, port: int, ready: Callable[[str], None]) -> None:
        raise SystemExit(3)

    stub_module(monkeypatch, "callswitch.emulators", serve=serve)
    code, _, err = run(["emulate", "fake", "--port", "0"])
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "--port" in err


def test_python_dash_m_callswitch_is_the_console_script() -> None:
    """`python -m callswitch` runs the same entry point as `callswitch`: the same help,
    the same output, and the same exit code for a usage error."""
    base = [sys.executable, "-m", "callswitch"]
    helped = subprocess.run([*base, "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0, helped.stderr
    assert "usage: callswitch" in helped.stdout
    listed = subprocess.run([*base, "providers"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    code, out, _ = run(["providers"])
    assert code == 0
    assert listed.stdout == out
    bare = subprocess.run(base, capture_output=True, text=True, timeout=60)
    assert bare.returncode == 2
    assert "usage: callswitch" in bare.stderr
