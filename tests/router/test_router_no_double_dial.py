"""A keyed create whose first attempt may have reached vendor A must never go to vendor B,
whatever the later retries of that same create answer."""

from __future__ import annotations

import pytest
from tests.router.conftest import PHONE, Vendor

from callswitch import Router
from callswitch.errors import OutcomeUnknownError


def test_dropped_then_rate_limited_keyed_create_does_not_fail_over(
    vendors: dict[str, Vendor],
) -> None:
    """Retell applies the create and the answer is lost; its retries (same key) get 429.
    The call exists at Retell, so Vapi must get nothing."""
    a, b = vendors["retell"], vendors["vapi"]
    a.fault(method="POST", path=a.create_path, drop="after", count=1)
    a.fault(method="POST", path=a.create_path, status=429, count=5)
    router = Router([a.client(), b.client()])
    with pytest.raises(OutcomeUnknownError) as caught:
        router.calls.create_phone(to_number="+14155550140", **PHONE)
    assert a.dialed() == ["+14155550140"]
    assert b.emu.requests == []
    assert caught.value.idempotency_key


def test_dropped_then_refused_connection_keyed_create_does_not_fail_over(
    vendors: dict[str, Vendor],
) -> None:
    """Retell applies the create and the answer is lost; the retries cannot connect.
    The call exists at Retell, so Vapi must get nothing."""
    a, b = vendors["retell"], vendors["vapi"]
    a.fault(method="POST", path=a.create_path, drop="after", count=1)
    sent = [0]

    def refuse() -> bool:
        sent[0] += 1
        return sent[0] > 1

    router = Router([a.client(refuse=refuse), b.client()])
    with pytest.raises(OutcomeUnknownError) as caught:
        router.calls.create_phone(to_number="+14155550141", **PHONE)
    assert a.dialed() == ["+14155550141"]
    assert b.emu.requests == []
    assert caught.value.idempotency_key


def test_with_options_shares_cooldowns_and_turns_off_retries(vendors: dict[str, Vendor]) -> None:
    """router.with_options(max_retries=0): one attempt per create, and a vendor that cools
    down in the twin cools down in the original router too."""
    a, b = vendors["retell"], vendors["vapi"]
    a.fault(method="POST", path=a.create_path, status=429, count=3)
    router = Router([a.client(), b.client()])
    twin = router.with_options(max_retries=0)
    assert twin.providers == router.providers
    call = twin.calls.create_phone(to_number="+14155550142", **PHONE)
    assert call.provider == "vapi"
    assert len(a.creates()) == 1
    assert "retell" in router.cooling_down()
