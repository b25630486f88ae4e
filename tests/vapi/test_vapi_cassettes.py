"""Replays of hand-built cassettes (cassettes/vapi/, made by build_vapi_cassettes.py).

The client uses its own httpx.Client, as an application would; vcrpy answers at the
transport, matching method, URL (with query) and body, each interaction played once;
the network stays blocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import callswitch
from callswitch import CallKind, CallStatus, CallUpdate, EndReason, LiveControl, UtteranceRole
from callswitch.errors import NotFoundError, ProviderError


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **vcr_config,
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "allow_playback_repeats": False,
    }


@pytest.fixture(autouse=True)
def _every_interaction_played(vcr: Any) -> Iterator[None]:
    """No recorded request may go unused: the replay made exactly the recorded requests."""
    yield
    assert vcr.all_played, f"unplayed interactions in {vcr._path}"


@pytest.fixture
def client() -> Iterator[callswitch.Client]:
    with callswitch.connect("vapi", api_key="cassette-replay", max_retries=0) as c:
        yield c


@pytest.mark.vcr
@pytest.mark.default_cassette("vapi_get_call.yaml")
def test_get_call_replay(client: callswitch.Client) -> None:
    call = client.calls.get("vc-ended-1")
    assert call.status is CallStatus.ENDED
    assert call.kind is CallKind.PHONE
    assert call.end_reason is EndReason.AGENT_HANGUP
    assert call.cost is not None
    assert call.cost.amount == Decimal("0.087")
    assert call.metadata == {"ticket": "T-42"}
    assert call.variables == {"customer_name": "Ann"}
    assert [u.role for u in call.transcript] == [UtteranceRole.AGENT, UtteranceRole.USER]
    assert call.successful is True
    assert call.from_number == "+14155550100"  # phoneNumberId resolved by one lookup
    assert call.to_number == "+14155550123"
    assert call.duration is not None
    assert call.duration.total_seconds() == 93


@pytest.mark.vcr
@pytest.mark.default_cassette("vapi_create_phone_call.yaml")
def test_create_phone_call_replay(client: callswitch.Client) -> None:
    call = client.calls.create_phone(
        from_number="pn-demo",
        to_number="+14155550123",
        agent_id="asst-demo",
        variables={"customer_name": "Ann"},
        metadata={"ticket": "T-42"},
    )
    assert call.id == "vc-new-1"
    assert call.status is CallStatus.QUEUED
    assert call.to_number == "+14155550123"


@pytest.mark.vcr
@pytest.mark.default_cassette("vapi_list_two_pages.yaml")
def test_list_two_pages_replay(client: callswitch.Client) -> None:
    """Second page overlaps the first at the shared boundary instant; no duplicates."""
    ids = [c.id for c in client.calls.list()]
    assert len(ids) == 103
    assert len(set(ids)) == 103
    assert ids[-2:] == ["vc-list-101", "vc-list-102"]


@pytest.mark.vcr
@pytest.mark.default_cassette("vapi_control_live_call.yaml")
def test_control_then_end_replay(client: callswitch.Client) -> None:
    """One GET for the control URL, then one POST per action, end included."""
    result = client.calls.control(
        "vc-live-1",
        LiveControl(
            inject_context="The caller is a premium member.",
            trigger_response=True,
            say="Thanks for waiting.",
        ),
    )
    assert result.applied == ("control.inject_context", "control.trigger_response", "control.say")
    client.calls.end("vc-live-1")


@pytest.mark.vcr
@pytest.mark.default_cassette("vapi_update_and_delete.yaml")
def test_update_and_delete_replay(client: callswitch.Client) -> None:
    result = client.calls.update("vc-ended-1", CallUpdate(name="Appointment reminder"))
    assert result.applied == ("update.name",)
    assert result.call is not None
    assert result.call.raw["name"] == "Appointment reminder"
    client.calls.delete("vc-ended-1")


@pytest.mark.vcr
@pytest.mark.default_cassette("vapi_errors.yaml")
def test_errors_replay(client: callswitch.Client) -> None:
    with pytest.raises(NotFoundError, match="Call not found"):
        client.calls.get("vc-missing")
    with pytest.raises(ProviderError) as info:
        client.calls.create_phone(
            from_number="pn-unknown", to_number="+14155550123", agent_id="asst-demo"
        )
    assert info.value.status_code == 400
    assert info.value.message == "phoneNumberId must be a UUID; customer.number is invalid"
