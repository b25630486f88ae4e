"""Replays of hand-built cassettes (cassettes/retell/, see build_cassettes.py).

The client here uses its own httpx.Client, as an application would; vcrpy answers at
the transport, matching method, URL and body, and the network stays blocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import callswitch
from callswitch import CallKind, CallStatus, CallUpdate, EndReason, LiveControl, Sentiment
from callswitch.errors import NotFoundError

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "retell"
SEED_CALL = "Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6"


@pytest.fixture
def client() -> Iterator[callswitch.Client]:
    with callswitch.connect("retell", api_key="cassette-replay-key", max_retries=0) as c:
        yield c


@pytest.mark.vcr
@pytest.mark.default_cassette("retell_get_call.yaml")
def test_get_call_replay(client: callswitch.Client) -> None:
    call = client.calls.get(SEED_CALL)
    assert call.status is CallStatus.ENDED
    assert call.kind is CallKind.WEB
    assert call.sentiment is Sentiment.POSITIVE
    assert call.cost is not None
    assert call.cost.amount == Decimal("0.7")
    assert call.end_reason is EndReason.AGENT_HANGUP


@pytest.mark.vcr
@pytest.mark.default_cassette("retell_update_ended_call.yaml")
def test_update_ended_call_replay(client: callswitch.Client) -> None:
    metadata = {"customer_id": "cust_123", "notes": "Follow-up required"}
    result = client.calls.update(SEED_CALL, CallUpdate(metadata=metadata))
    assert result.call is not None
    assert result.call.metadata == metadata
    assert result.applied == ("update.metadata",)


@pytest.mark.vcr
@pytest.mark.default_cassette("retell_control_live_call.yaml")
def test_control_replay(client: callswitch.Client) -> None:
    result = client.calls.control(
        "call_a4441234567890777c4a4a123e6",
        LiveControl(
            inject_context="Customer just opened a support ticket about billing.",
            trigger_response=True,
            variables={"additional_discount": "15%"},
        ),
    )
    assert result.applied == (
        "control.inject_context",
        "control.trigger_response",
        "control.variables",
    )


@pytest.mark.vcr
@pytest.mark.default_cassette("retell_list_two_pages.yaml")
def test_list_two_pages_replay(client: callswitch.Client) -> None:
    calls = list(client.calls.list())
    assert [c.id for c in calls] == [SEED_CALL, "call_second_page"]
    assert calls[0].transcript == ()  # v3 list items carry no transcript


@pytest.mark.vcr
@pytest.mark.default_cassette("retell_create_web_call.yaml")
def test_create_web_call_replay(client: callswitch.Client) -> None:
    call = client.calls.create_web(
        agent_id="oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD", variables={"customer_name": "John Doe"}
    )
    assert call.id == SEED_CALL
    assert call.access_token == "eyJhbGciOiJIUzI1NiJ9.eyJ2aWRlbyI6eyJyb29tSm9p"
    assert call.status is CallStatus.QUEUED


@pytest.mark.vcr
@pytest.mark.default_cassette("retell_create_phone_call.yaml")
def test_create_phone_call_replay(client: callswitch.Client) -> None:
    call = client.calls.create_phone(
        from_number="+12137771234",
        to_number="+12137771235",
        provider_options={"retell": {"idempotency_key": "order-42"}},
    )
    assert (call.id, call.kind, call.status) == ("call_phone_1", CallKind.PHONE, CallStatus.QUEUED)


@pytest.mark.vcr
@pytest.mark.default_cassette("retell_unknown_call.yaml")
def test_unknown_call_replay(client: callswitch.Client) -> None:
    with pytest.raises(NotFoundError, match="Cannot find requested asset") as info:
        client.calls.get("call_does_not_exist")
    assert info.value.status_code == 422


@pytest.mark.vcr
@pytest.mark.default_cassette("retell_end_and_delete.yaml")
def test_end_and_delete_replay(client: callswitch.Client) -> None:
    client.calls.end(SEED_CALL)
    client.calls.delete(SEED_CALL)


@pytest.mark.vcr
@pytest.mark.default_cassette("retell_create_web_call.yaml")
def test_a_different_body_does_not_replay(client: callswitch.Client) -> None:
    """Body matching is on: a request the cassette did not record is refused, not faked."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    with pytest.raises(CannotOverwriteExistingCassetteException):
        client.calls.create_web(agent_id="some_other_agent")


@pytest.mark.parametrize("path", sorted(CASSETTES.glob("*.yaml")), ids=lambda p: p.name)
def test_cassettes_hold_no_auth_headers(path: Path) -> None:
    text = path.read_text().lower()
    assert "authorization" not in text
    assert "bearer" not in text


def test_cassettes_are_what_the_builder_writes() -> None:
    """The committed cassettes match build_cassettes.py (rebuild them after changing it)."""
    import yaml
    from build_cassettes import cassettes

    built = cassettes()
    assert sorted(built) == sorted(p.name for p in CASSETTES.glob("*.yaml"))
    for name, interactions in built.items():
        on_disk = yaml.safe_load((CASSETTES / name).read_text())
        assert on_disk == {"interactions": interactions, "version": 1}, name
