"""`callswitch calls create|end|delete|wait` and the list filters, against the emulators."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from callswitch import cli, emulators

FROM = "+14155550100"
TO = "+14155550123"


class Cli:
    """Runs the command against one in-process emulator (no socket)."""

    def __init__(self, emu: emulators.Emulator, provider: str) -> None:
        self.emu = emu
        self.base = ["--provider", provider, "--base-url", emu.base_url]
        self.http = httpx.Client(transport=emu.transport())

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = cli.run([*self.base, *argv], stdout=out, stderr=err, http_client=self.http)
        return code, out.getvalue(), err.getvalue()

    def json(self, *argv: str) -> Any:
        code, out, err = self("--json", *argv)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def vapi(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("VAPI_API_KEY", "emulator-key")
    emu = emulators.create("vapi")
    try:
        yield Cli(emu, "vapi")
    finally:
        emu.close()


@pytest.fixture
def retell(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("RETELL_API_KEY", "emulator-key")
    emu = emulators.create("retell")
    try:
        yield Cli(emu, "retell")
    finally:
        emu.close()


@pytest.fixture
def truedy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("TRUEDY_API_KEY", "emulator-key")
    emu = emulators.create("truedy")
    try:
        yield Cli(emu, "truedy")
    finally:
        emu.close()


def test_create_phone_call_prints_the_call(vapi: Cli) -> None:
    call = vapi.json(
        "calls", "create", "--to", TO, "--from", FROM, "--agent", "asst_1",
        "--variable", "name=Ada", "--metadata", "ticket=T-1",
    )  # fmt: skip
    assert call["to_number"] == TO
    assert call["status"] == "queued"
    record = vapi.emu.get_call(call["id"])
    assert record["assistantId"] == "asst_1"
    assert record["assistantOverrides"]["variableValues"] == {"name": "Ada"}
    assert record["assistantOverrides"]["metadata"] == {"ticket": "T-1"}
    code, out, err = vapi("calls", "create", "--to", TO, "--from", FROM, "--agent", "asst_1")
    assert code == 0, err
    assert "to number:" in out
    assert TO in out


def test_create_without_to_is_a_usage_error_and_sends_nothing(vapi: Cli) -> None:
    code, _, err = vapi("calls", "create", "--agent", "asst_1")
    assert code == 2
    assert "calls create needs --to NUMBER" in err
    assert vapi.emu.requests == []


def test_create_web_call(retell: Cli) -> None:
    call = retell.json("calls", "create", "--web", "--agent", "agent_1")
    assert call["kind"] == "web"
    assert "access_token" not in call
    code, _, err = retell("calls", "create", "--web", "--to", TO, "--agent", "agent_1")
    assert code == 2
    assert "takes no --to" in err
    code, _, err = retell("calls", "create", "--web")
    assert code == 2
    assert "needs --agent" in err


def test_create_missing_what_the_provider_needs_exits_2(truedy: Cli) -> None:
    code, _, err = truedy("calls", "create", "--to", TO)
    assert code == 2
    assert "agent_id" in err
    assert truedy.emu.requests == []


def test_end_hangs_up(vapi: Cli) -> None:
    call_id = vapi.emu.call_id(vapi.emu.add_call("ongoing"))
    code, out, err = vapi("calls", "end", call_id)
    assert code == 0, err
    assert out == f"ended {call_id}\n"
    assert vapi.json("calls", "get", call_id)["status"] == "ended"
    other = vapi.emu.call_id(vapi.emu.add_call("ongoing"))
    assert vapi.json("calls", "end", other) == {"call_id": other, "ended": True}
    code, _, err = vapi("calls", "end", call_id)
    assert code == 1
    assert "has ended" in err


def test_delete_removes_the_record(vapi: Cli) -> None:
    call_id = vapi.emu.call_id(vapi.emu.add_call("ended"))
    code, out, err = vapi("calls", "delete", call_id)
    assert code == 0, err
    assert out == f"deleted {call_id}\n"
    code, _, err = vapi("calls", "get", call_id)
    assert code == 1
    assert "callswitch: error:" in err


def test_end_refused_where_the_provider_cannot(truedy: Cli) -> None:
    call_id = truedy.emu.call_id(truedy.emu.add_call("ongoing"))
    code, _, err = truedy("calls", "end", call_id)
    assert code == 2
    assert "calls.end" in err
    assert "--drop-unsupported" not in err  # calls end has no such flag
    assert truedy.emu.requests == []


def test_list_filters_by_direction(truedy: Cli) -> None:
    inbound = truedy.emu.call_id(truedy.emu.add_call("ended", direction="inbound"))
    outbound = truedy.emu.call_id(truedy.emu.add_call("ended", direction="outbound"))
    ids = [c["id"] for c in truedy.json("calls", "list", "--direction", "inbound")]
    assert ids == [inbound]
    ids = [c["id"] for c in truedy.json("calls", "list", "--direction", "outbound")]
    assert ids == [outbound]


def test_list_filters_by_creation_dates(truedy: Cli) -> None:
    old = truedy.emu.call_id(truedy.emu.add_call("ended", created_at="2026-01-01T10:00:00Z"))
    new = truedy.emu.call_id(truedy.emu.add_call("ended", created_at="2026-03-01T10:00:00Z"))
    after = truedy.json("calls", "list", "--created-after", "2026-02-01T00:00:00Z")
    assert [c["id"] for c in after] == [new]
    before = truedy.json("calls", "list", "--created-before", "2026-02-01T00:00:00+00:00")
    assert [c["id"] for c in before] == [old]
    sent = [r["query"] for r in truedy.emu.requests if r["method"] == "GET"]
    assert any("created_after" in q for q in sent), sent


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--created-after", "2026-02-01"], "timezone-aware"),
        (["--created-after", "yesterday"], "ISO 8601"),
        (
            ["--created-after", "2026-03-01T00:00:00Z", "--created-before", "2026-02-01T00:00Z"],
            "later than",
        ),
        (["--direction", "sideways"], "invalid choice"),
    ],
)
def test_list_bad_filters_exit_2_before_sending(
    truedy: Cli, flags: list[str], expected: str
) -> None:
    code, _, err = truedy("calls", "list", *flags)
    assert code == 2
    assert expected in err
    assert truedy.emu.requests == []


def test_wait_prints_the_call_once_it_is_there(vapi: Cli) -> None:
    vapi.emu.set_timers(answer_after=0.05)
    call_id = vapi.emu.call_id(vapi.emu.add_call("queued"))
    call = vapi.json(
        "calls", "wait", call_id, "--until", "ongoing", "--timeout", "5", "--poll-interval", "0.02"
    )
    assert call["id"] == call_id
    assert call["status"] == "ongoing"
    code, out, err = vapi("calls", "wait", call_id, "--until", "ongoing", "--until", "ended")
    assert code == 0, err
    assert "status:" in out


def test_wait_timeout_and_unawaited_end_exit_1(vapi: Cli) -> None:
    queued = vapi.emu.call_id(vapi.emu.add_call("queued"))
    argv = ["calls", "wait", queued, "--until", "ongoing", "--timeout", "0"]
    code, _, err = vapi(*argv)
    assert code == 1
    assert f"call {queued} was still queued after 0 s" in err
    ended = vapi.emu.call_id(vapi.emu.add_call("ended"))
    code, _, err = vapi("calls", "wait", ended, "--until", "ongoing")
    assert code == 1
    assert "will never be ongoing" in err


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--until", "answered"], "invalid choice"),
        ([], "--until"),
        (["--until", "ended", "--timeout", "-1"], "timeout must be a finite number"),
        (["--until", "ended", "--poll-interval", "nan"], "poll_interval must be a finite"),
    ],
)
def test_wait_bad_arguments_exit_2_before_sending(
    vapi: Cli, flags: list[str], expected: str
) -> None:
    code, _, err = vapi("calls", "wait", "call-1", *flags)
    assert code == 2
    assert expected in err
    assert vapi.emu.requests == []
