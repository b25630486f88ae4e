"""Replay of hand-built cassettes (cassettes/truedy/) through the real client and httpx.

The cassettes hold the example payloads of Truedy's OpenAPI fragment (seed 002). POST
and PATCH interactions also match on the JSON body, so a change in what we send fails
the replay. Re-recording needs a real key:
``TRUEDY_API_KEY=... pytest tests/truedy/test_truedy_cassettes.py --record-mode=once``
after deleting the cassette to replace.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import callswitch
from callswitch import CallStatus, CallUpdate, EndReason, Money
from callswitch.errors import NotFoundError, ProviderError

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "truedy"
BODY_MATCH = ["method", "scheme", "host", "port", "path", "query", "body"]


@pytest.fixture
def client() -> callswitch.Client:
    return callswitch.connect("truedy", api_key="tdy-cassette-key", max_retries=0)


@pytest.mark.vcr("truedy_get_call.yaml")
def test_get_replay(client: callswitch.Client, vcr: Any) -> None:
    call = client.calls.get("call_a1b2c3d4")
    assert call.status is CallStatus.ENDED
    assert call.cost == Money(amount=Decimal("0.42"), currency="USD")
    assert call.created_at == datetime(2026, 3, 3, 20, 24, 55, 310278, tzinfo=UTC)
    assert vcr.all_played


@pytest.mark.vcr("truedy_update_call.yaml", match_on=BODY_MATCH)
def test_update_replay_sends_the_seed_example_body(client: callswitch.Client, vcr: Any) -> None:
    """The seed's own "update_settings" request example is what we send."""
    update = CallUpdate(recording_enabled=False, greeting="Updated greeting")
    result = client.calls.update("call_a1b2c3d4", update)
    assert result.request_id == "req_32e7531c"
    assert result.applied == ("update.recording_enabled", "update.greeting")
    assert result.call is not None
    assert result.call.to_number == "+12125551234"
    assert result.call.cost == Money(amount=Decimal(24), currency="credits")
    assert vcr.all_played


@pytest.mark.vcr("truedy_create_call.yaml", match_on=BODY_MATCH)
def test_create_replay(client: callswitch.Client, vcr: Any) -> None:
    call = client.calls.create_phone(
        to_number="+15551234567",
        from_number="+15559876543",
        agent_id="agt_f9447372",
        variables={"customer_name": "Ada"},
    )
    assert (call.id, call.status) == ("call_b2c3d4e5", CallStatus.QUEUED)
    assert vcr.all_played


@pytest.mark.vcr("truedy_list_calls.yaml")
def test_list_replay_two_offset_pages(client: callswitch.Client, vcr: Any) -> None:
    calls = list(client.calls.list(agent_id="agt_f9447372"))
    # Pages of up to 100 are asked for; the first answer holds 2 with has_more=true.
    assert [c.id for c in calls] == ["call_a1b2c3d4", "call_c3d4e5f6", "call_d4e5f6a7"]
    # The third was cancelled: it never connected, so it is failed (docs/statuses.md).
    assert [c.status for c in calls] == [CallStatus.ENDED, CallStatus.ONGOING, CallStatus.FAILED]
    assert calls[2].end_reason is EndReason.CANCELLED
    assert vcr.play_count == 2


@pytest.mark.vcr("truedy_errors.yaml", match_on=BODY_MATCH)
def test_error_shapes_replay(client: callswitch.Client, vcr: Any) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.calls.get("call_missing")
    assert missing.value.code == "not_found"
    assert missing.value.request_id == "req_e404"
    with pytest.raises(ProviderError) as invalid:
        client.calls.update("call_a1b2c3d4", CallUpdate(variables={"status": "premium"}))
    assert invalid.value.status_code == 422
    assert invalid.value.message.startswith("body.variables.status: Value error")
    assert vcr.all_played


def test_cassettes_hold_no_credentials() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 5
    suspicious = re.compile(r"authorization|bearer|x-api-key|api[_-]?key|tdy-", re.IGNORECASE)
    for path in files:
        assert not suspicious.search(path.read_text()), path.name
