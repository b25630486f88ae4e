"""`callswitch emulate --webhook-url ...` into `callswitch webhooks listen`, both real."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from callswitch import cli

KEY = "key_cli_webhooks_9a8b7c"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _command(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "callswitch.cli", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def test_emulated_call_reaches_listen_once_despite_duplicates() -> None:
    """Started, ended and analysed each print one JSON line; every copy got a 2xx."""
    hook_port, emu_port = _free_port(), _free_port()
    listen_env = {"RETELL_API_KEY": KEY, "VAPI_WEBHOOK_SECRET": "", "TRUEDY_WEBHOOK_SECRET": ""}
    emu_env = {"CALLSWITCH_WEBHOOK_SECRET": KEY}
    emulate = [
        "emulate", "retell", "--port", str(emu_port),
        "--webhook-url", f"http://127.0.0.1:{hook_port}/retell", "--duplicate-webhooks", "2",
    ]  # fmt: skip
    with (
        _command(["webhooks", "listen", "--port", str(hook_port), "--json"], listen_env) as hook,
        _command(emulate, emu_env) as emu,
    ):
        _wait_port(hook_port)
        _wait_port(emu_port)
        base = f"http://127.0.0.1:{emu_port}"
        auth = {"Authorization": "Bearer any-key"}
        created = httpx.post(
            f"{base}/v2/create-phone-call",
            json={"from_number": "+14155550100", "to_number": "+14155550123"},
            headers=auth,
        )
        assert created.status_code == 201, created.text
        call_id = created.json()["call_id"]
        for state in ("ongoing", "ended"):
            moved = httpx.post(f"{base}/_emulator/calls/{call_id}/state", json={"status": state})
            assert moved.status_code == 200, moved.text
        lines: list[dict[str, str]] = []
        deadline = time.monotonic() + 20
        assert hook.stdout is not None
        while len(lines) < 3 and time.monotonic() < deadline:
            lines.append(json.loads(hook.stdout.readline()))
        time.sleep(0.5)  # the duplicates' answers
        emu.terminate()
        hook.terminate()
        rest, errors = hook.communicate(timeout=10)
        _, emu_errors = emu.communicate(timeout=10)
    assert [line["type"] for line in lines] == ["call.started", "call.ended", "call.analyzed"]
    assert {line["call_id"] for line in lines} == {call_id}
    assert rest.strip() == ""  # no duplicate was printed
    assert KEY not in rest + errors + emu_errors
    assert "not accepted" not in emu_errors


def test_listen_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """No secret in the environment: exit 2 naming the variables to set."""
    for name in ("RETELL_API_KEY", "RETELL_WEBHOOK_SECRET", "VAPI_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("TRUEDY_WEBHOOK_SECRET", raising=False)
    err = io.StringIO()
    code = cli.run(["webhooks", "listen", "--port", "0"], stdout=io.StringIO(), stderr=err)
    assert code == 2
    assert "VAPI_WEBHOOK_SECRET" in err.getvalue()


def test_listen_prints_a_table_row_per_event() -> None:
    """The listen receiver's table output: one row per event, not per delivery."""
    from callswitch.cli._webhooks import listen_receiver, secrets_from_env
    from callswitch.testing import sign_webhook

    secrets = secrets_from_env({"RETELL_API_KEY": KEY, "VAPI_WEBHOOK_SECRET": "v"})
    assert secrets == {"retell": KEY, "vapi": "v"}
    out = io.StringIO()
    receiver = listen_receiver(secrets, out, as_json=False, store_path=None)
    payload = {"event": "call_ended", "call": {"call_id": "call_7", "call_status": "ended"}}
    headers, body = sign_webhook("retell", payload, KEY)
    assert receiver.handle("retell", headers, body)[0] == 200
    assert receiver.handle("retell", headers, body)[0] == 200
    (row,) = out.getvalue().splitlines()
    assert row.split()[1:4] == ["retell", "call.ended", "call_7"]


def test_emulate_webhook_flags_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """--webhook-url without a secret, or copies without a URL: exit 2, clear message."""
    monkeypatch.delenv("CALLSWITCH_WEBHOOK_SECRET", raising=False)
    for argv, needle in (
        (["--webhook-url", "http://127.0.0.1:9/retell"], "needs a signing secret"),
        (["--duplicate-webhooks", "2"], "needs --webhook-url"),
        (["--webhook-secret", "s"], "needs --webhook-url"),
    ):
        err = io.StringIO()
        code = cli.run(["emulate", "retell", "--port", "0", *argv], stderr=err)
        assert code == 2
        assert needle in err.getvalue()
