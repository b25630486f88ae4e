"""The router against emulators on sockets: when it fails over, when it must not, cooldowns."""

from __future__ import annotations

import logging

import pytest
from tests.router.conftest import PHONE, Vendor

from callswitch import LiveControl, Router
from callswitch.errors import (
    AllProvidersFailedError,
    InvalidRequestError,
    OutcomeUnknownError,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_refused_connection_fails_over_and_a_receives_nothing(
    vendors: dict[str, Vendor], caplog: pytest.LogCaptureFixture
) -> None:
    """A's connections are refused: the call is placed on B; A's emulator got nothing."""
    a, b = vendors["retell"], vendors["vapi"]
    router = Router([a.client(refuse=lambda: True), b.client()])
    with caplog.at_level(logging.INFO, logger="callswitch.router"):
        call = router.calls.create_phone(to_number="+14155550123", **PHONE)
    assert call.provider == "vapi"
    assert a.emu.requests == []
    assert len(b.creates()) == 1
    taken = [r.getMessage() for r in caplog.records if "took the call" in r.getMessage()]
    assert taken
    assert "vapi took the call vapi:" in taken[0]
    assert "retell: never reached" in taken[0]


def test_answer_lost_after_applying_raises_and_b_gets_nothing(vendors: dict[str, Vendor]) -> None:
    """A applies the create and the answer is dropped: OutcomeUnknownError, B untouched."""
    a, b = vendors["vapi"], vendors["retell"]
    a.fault(method="POST", path=a.create_path, drop="after")
    router = Router([a.client(), b.client()])
    with pytest.raises(OutcomeUnknownError) as caught:
        router.calls.create_phone(to_number="+14155550124", **PHONE)
    assert "vapi" in str(caught.value)
    assert a.dialed() == ["+14155550124"]  # applied at A
    assert b.emu.requests == []


def test_keyed_create_still_failing_after_retries_does_not_fail_over(
    vendors: dict[str, Vendor],
) -> None:
    """Retell's keyed create dropped on every retry: the key comes back, Vapi gets nothing."""
    a, b = vendors["retell"], vendors["vapi"]
    a.fault(method="POST", path=a.create_path, drop="after", count=3)
    router = Router([a.client(), b.client()])
    with pytest.raises(OutcomeUnknownError) as caught:
        router.calls.create_phone(to_number="+14155550125", **PHONE)
    assert caught.value.idempotency_key
    assert b.emu.requests == []


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_on_a_create_is_ambiguous(vendors: dict[str, Vendor], status: int) -> None:
    """A 5xx answer to a create may hide a placed call: OutcomeUnknownError naming A."""
    a, b = vendors["vapi"], vendors["retell"]
    a.fault(method="POST", path=a.create_path, status=status, count=5)
    router = Router([a.client(), b.client()])
    with pytest.raises(OutcomeUnknownError, match="^vapi: ") as caught:
        router.calls.create_phone(to_number="+14155550126", **PHONE)
    assert f"HTTP {status}" in str(caught.value)
    assert b.emu.requests == []


def test_429_with_retry_after_cools_a_down(vendors: dict[str, Vendor]) -> None:
    """429 + Retry-After 300: B takes the call; A is not tried again until 300 s pass."""
    a, b = vendors["retell"], vendors["vapi"]
    a.fault(method="POST", path=a.create_path, status=429, retry_after=300)
    clock = Clock()
    router = Router([a.client(), b.client()], cooldown=30.0, clock=clock)
    first = router.calls.create_phone(to_number="+14155550127", **PHONE)
    clock.now += 60  # past the cooldown, within Retry-After
    second = router.calls.create_phone(to_number="+14155550128", **PHONE)
    assert (first.provider, second.provider) == ("vapi", "vapi")
    assert len(a.creates()) == 1
    assert "retell" in router.cooling_down()
    clock.now += 241  # 301 s after the refusal
    third = router.calls.create_phone(to_number="+14155550129", **PHONE)
    assert third.provider == "retell"
    assert router.cooling_down() == {}


def test_refusals_fail_over_and_all_refused_lists_every_vendor(
    vendors: dict[str, Vendor],
) -> None:
    """401 at A, 422 at B, C skipped for a capability: AllProvidersFailedError says each."""
    a, b, c = vendors["vapi"], vendors["retell"], vendors["truedy"]
    a.fault(method="POST", path=a.create_path, status=401)
    b.fault(method="POST", path=b.create_path, status=422)
    router = Router([a.client(), b.client(), c.client()], requires=["control.inject_context"])
    with pytest.raises(AllProvidersFailedError) as caught:
        router.calls.create_phone(to_number="+14155550130", **PHONE)
    reasons = caught.value.reasons
    assert list(reasons) == ["vapi", "retell", "truedy"]
    assert "AuthenticationError" in reasons["vapi"]
    assert "422" in reasons["retell"]
    assert "does not support control.inject_context" in reasons["truedy"]
    assert c.emu.requests == []
    # Both now cool down; the next create names the cooldown for each.
    with pytest.raises(AllProvidersFailedError, match="cooling down"):
        router.calls.create_phone(to_number="+14155550131", **PHONE)


def test_requires_skips_truedy_before_sending(vendors: dict[str, Vendor]) -> None:
    """requires=["control.inject_context"] with Truedy first: Truedy is sent nothing."""
    t, r = vendors["truedy"], vendors["retell"]
    router = Router([t.client(), r.client()], requires=["control.inject_context"])
    call = router.calls.create_phone(to_number="+14155550132", **PHONE)
    assert call.provider == "retell"
    assert t.emu.requests == []
    assert router.supports("control.inject_context")
    assert not Router([t.client()]).supports("control.inject_context")


def test_operations_reach_the_owning_vendor(vendors: dict[str, Vendor]) -> None:
    """get(call.ref) and control(call.ref, ...) go to the vendor that owns the call."""
    r, v = vendors["retell"], vendors["vapi"]
    router = Router([r.client(refuse=lambda: False), v.client()])
    v_call = v.client().calls.create_phone(to_number="+14155550133", **PHONE)
    v.emu.set_status(v_call.id, "ongoing")
    r.emu.clear_requests()
    ref = f"vapi:{v_call.id}"
    assert router.calls.get(ref).id == v_call.id
    assert router.calls.get(v_call).provider == "vapi"
    result = router.calls.control(ref, LiveControl(inject_context="VIP caller"))
    assert result.applied == ("control.inject_context",)
    assert r.emu.requests == []
    assert any("control" in q["path"] for q in v.emu.requests)
    with pytest.raises(InvalidRequestError, match="bare call id"):
        router.calls.get(v_call.id)
    with pytest.raises(InvalidRequestError, match="does not have"):
        router.calls.get(f"truedy:{v_call.id}")
