"""portable_app runs unchanged on every emulator, sync and async, switched only by
environment variables: the provider's own ones (``CALLSWITCH_PROVIDER``,
``CALLSWITCH_BASE_URL``, ``<P>_API_KEY``, ``<P>_FROM_NUMBER``, ``<P>_AGENT_ID``). The app
creates with only ``to_number``; the per-provider defaults supply the rest.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import pytest

import callswitch
from app import portable_app
from callswitch import CallStatus, emulators

TO = "+14155550123"
PROVIDERS = ("retell", "truedy", "vapi")
#: The environment variables the app may see: nothing of its own.
ALLOWED = {"CALLSWITCH_PROVIDER", "CALLSWITCH_BASE_URL"}


def _deploy(emu: emulators.Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the environment at ``emu`` the way a deployment would: provider env vars only."""
    prefix = emu.name.upper()
    env = {
        **emu.env(),
        f"{prefix}_FROM_NUMBER": "+14155550100",
        f"{prefix}_AGENT_ID": f"agent_portable_{emu.name}",
    }
    assert set(env) == ALLOWED | {f"{prefix}_{v}" for v in ("API_KEY", "FROM_NUMBER", "AGENT_ID")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture(params=PROVIDERS)
def deployed(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[emulators.Emulator]:
    """An emulator on a socket whose callees answer after 0.05 s and hang up after 1 s,
    and the environment pointing at it."""
    emu = emulators.create(request.param, answer_after=0.05, end_after=1.0)
    with emulators.running(emu):
        _deploy(emu, monkeypatch)
        yield emu
    emu.close()


def _creates(emu: emulators.Emulator) -> list[dict[str, object]]:
    return [
        r
        for r in emu.requests
        if r["method"] == "POST" and ("create" in r["path"] or r["path"] in {"/call", "/calls"})
    ]


def _check(emu: emulators.Emulator, call: callswitch.Call) -> None:
    assert call.status is CallStatus.ENDED
    assert call.to_number == TO
    record = emu.get_call(call.id)
    assert emu.vendor_status(record) in {"ended", "completed"}
    assert len(_creates(emu)) == 1  # dialled once
    # The defaults came from <P>_AGENT_ID / <P>_FROM_NUMBER: the emulator saw them.
    seen = repr(record)
    if emu.name != "vapi":  # Vapi's record holds the assistant, its number by id
        assert "+14155550100" in seen
    assert f"agent_portable_{emu.name}" in seen


def test_sync_app_runs_on_every_emulator(deployed: emulators.Emulator) -> None:
    _check(deployed, portable_app.run(TO))


def test_async_app_runs_on_every_emulator(deployed: emulators.Emulator) -> None:
    _check(deployed, anyio.run(portable_app.arun, TO))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_call_nobody_answered_is_failed_everywhere(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Created with only ``to_number``; the emulator's control API says nobody answered;
    the call is ``failed`` (never connected), on every provider, in get, wait and list."""
    emu = emulators.create(provider)  # no timers: the call rings until told otherwise
    with emulators.running(emu):
        env = _deploy(emu, monkeypatch)
        with callswitch.connect() as client:
            call = client.calls.create_phone(to_number=TO)
            answer = httpx.post(
                f"{env['CALLSWITCH_BASE_URL']}/_emulator/calls/{call.id}/state",
                json={"status": "failed"},
            )
            assert answer.status_code == 200, answer.text
            done = client.calls.wait(call.id, {"ended", "failed"}, timeout=10)
            assert done.status is CallStatus.FAILED
            assert call.id in {c.id for c in client.calls.list(status="failed")}
            assert call.id not in {c.id for c in client.calls.list(status="ended")}
    emu.close()


def test_the_app_names_no_vendor() -> None:
    from pathlib import Path

    source = Path(portable_app.__file__).read_text().lower()
    for name in PROVIDERS:
        assert name not in source
    assert "app_from_number" not in source
    assert "app_agent_id" not in source
