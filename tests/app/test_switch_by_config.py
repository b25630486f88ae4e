"""One application, three vendors: switched only by configuration.

``follow_up`` is written the way an app would write it: it never names a vendor. The test
points it at each emulator (on a socket) purely through environment variables, and checks
that every step either did the job or was refused clearly, as the capability declarations
say.
"""

from __future__ import annotations

from typing import Any

import pytest

import callswitch
from callswitch import CallUpdate, LiveControl
from callswitch.emulators import create, running
from callswitch.errors import UnsupportedCapabilityError

FROM, TO = "+14155550100", "+14155550123"


def follow_up(agent_id: str) -> dict[str, Any]:
    """The app under test: call a customer, steer the live call, file the outcome."""
    client = callswitch.connect()  # provider, key and URL from the environment
    outcome: dict[str, Any] = {"provider": client.provider}
    call = client.calls.create_phone(
        from_number=FROM, to_number=TO, agent_id=agent_id, variables={"customer": "Ada"}
    )
    outcome["call_id"] = call.id
    outcome["go_live"] = yield_to_test(call.id)
    try:
        result = client.calls.control(
            call.id, LiveControl(inject_context="Customer is a VIP", trigger_response=True)
        )
        outcome["control"] = result.applied
    except UnsupportedCapabilityError as exc:
        outcome["control"] = exc
    if client.supports("update.variables"):
        outcome["update"] = client.calls.update(
            call.id, CallUpdate(variables={"t": "gold"})
        ).applied
    else:
        outcome["update"] = "not supported"
    outcome["end"] = "ended" if client.supports("calls.end") else "not supported"
    if client.supports("calls.end"):
        client.calls.end(call.id)
    outcome["final"] = client.calls.get(call.id)
    client.close()
    return outcome


_live: list[Any] = []


def yield_to_test(call_id: str) -> bool:
    """Stands in for time passing: the callee picks up (the emulator moves the call)."""
    emulator = _live[-1]
    emulator.set_status(call_id, "ongoing")
    return True


@pytest.mark.parametrize("provider", ["retell", "vapi", "truedy"])
def test_same_app_runs_on_every_provider(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = create(provider)
    _live.append(emulator)
    with running(emulator) as base_url:
        for key, value in emulator.env().items():
            monkeypatch.setenv(key, value)
        assert base_url == emulator.socket_url
        outcome = follow_up(agent_id="agent_demo")
    caps = callswitch.capability_matrix()[provider]
    assert outcome["provider"] == provider
    final = outcome["final"]
    assert final.id == outcome["call_id"]
    assert final.variables.get("customer") == "Ada"
    if caps.supports("control.inject_context"):
        assert outcome["control"] == ("control.inject_context", "control.trigger_response")
        assert [u.text for u in final.transcript].count("Customer is a VIP") == 1
    else:
        error = outcome["control"]
        assert isinstance(error, UnsupportedCapabilityError)
        assert error.capabilities == ("control.inject_context", "control.trigger_response")
        assert caps["calls.control"].note in str(error)
    if caps.supports("update.variables"):
        assert outcome["update"] == ("update.variables",)
        assert final.variables.get("t") == "gold"
    else:
        assert outcome["update"] == "not supported"
    if caps.supports("calls.end"):
        assert final.status is callswitch.CallStatus.ENDED
    else:
        assert outcome["end"] == "not supported"
    _live.pop()


@pytest.mark.parametrize("provider", ["vapi"])
def test_unsupported_update_field_refused_without_sending(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vapi cannot change variables after creation: the app is told, and nothing is sent."""
    emulator = create(provider)
    call = emulator.add_call("ongoing")
    with running(emulator):
        for key, value in emulator.env().items():
            monkeypatch.setenv(key, value)
        client = callswitch.connect()
        emulator.clear_requests()
        with pytest.raises(UnsupportedCapabilityError, match="update.variables"):
            client.calls.update(emulator.call_id(call), CallUpdate(variables={"a": "b"}))
        assert emulator.requests == []
        client.close()
