"""portable_app runs unchanged on every emulator, sync and async, switched only by
environment variables. What a create needs still differs by vendor (until per-provider
defaults exist), so the fixture, not the app, reads it from APP_FROM_NUMBER / APP_AGENT_ID.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from app import portable_app
from callswitch import CallStatus, emulators

TO = "+14155550123"
# What each vendor's create needs today, as deployment configuration would supply it.
NEEDS = {
    "retell": {"APP_FROM_NUMBER": "+14155550100"},
    "vapi": {"APP_FROM_NUMBER": "+14155550100", "APP_AGENT_ID": "asst_portable"},
    "truedy": {"APP_AGENT_ID": "agt_portable"},
}


@pytest.fixture(params=sorted(NEEDS))
def deployed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An emulator on a socket whose callees answer after 0.05 s and hang up after 1 s,
    and the environment pointing at it; yields the create arguments read from env."""
    provider = request.param
    emu = emulators.create(provider, answer_after=0.05, end_after=1.0)
    with emulators.running(emu):
        for key, value in {**emu.env(), **NEEDS[provider]}.items():
            monkeypatch.setenv(key, value)
        create = {
            arg: os.environ[var]
            for arg, var in (("from_number", "APP_FROM_NUMBER"), ("agent_id", "APP_AGENT_ID"))
            if var in os.environ
        }
        yield emu, create
    emu.close()


def _check(emu: emulators.Emulator, call_id: str) -> None:
    record = emu.get_call(call_id)
    assert emu.vendor_status(record) in {"ended", "completed"}
    creates = [
        r
        for r in emu.requests
        if r["method"] == "POST" and ("create" in r["path"] or r["path"] in {"/call", "/calls"})
    ]
    assert len(creates) == 1  # dialled once


def test_sync_app_runs_on_every_emulator(deployed: Any) -> None:
    emu, create = deployed
    call = portable_app.run(TO, **create)
    assert call.status is CallStatus.ENDED
    assert call.to_number == TO
    _check(emu, call.id)


def test_async_app_runs_on_every_emulator(deployed: Any) -> None:
    emu, create = deployed
    call = anyio.run(lambda: portable_app.arun(TO, **create))
    assert call.status is CallStatus.ENDED
    _check(emu, call.id)


def test_the_app_names_no_vendor() -> None:
    from pathlib import Path

    source = Path(portable_app.__file__).read_text().lower()
    for name in NEEDS:
        assert name not in source
