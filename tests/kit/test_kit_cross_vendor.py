"""The same logical call, as each vendor sends it, maps to the same neutral fields.

This is what "switch vendors by config" rests on: an app reading ``Call.variables``,
times, durations or costs must not see different values because the vendor changed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from callswitch.errors import InvalidRequestError, ProviderError, UnsupportedCapabilityError
from callswitch.http import Plan
from callswitch.models import Call, CallUpdate, LiveControl
from callswitch.provider import Adapter
from callswitch.registry import default_registry
from callswitch_retell._mapping import to_call as retell_to_call
from callswitch_truedy._mapping import to_call as truedy_to_call
from callswitch_vapi._mapping import to_call as vapi_to_call

VARIABLES: dict[str, Any] = {"n": {"b": 1, "a": 2}, "z": None, "s": "x", "t": True, "k": 3}
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
END = START + timedelta(seconds=90)
START_MS = int(START.timestamp() * 1000)


def _retell() -> Call:
    return retell_to_call(
        {
            "call_id": "c1",
            "retell_llm_dynamic_variables": VARIABLES,
            "start_timestamp": START_MS,
            "end_timestamp": START_MS + 90_000,
            "duration_ms": 90_000,
            "call_cost": {"combined_cost": 42},
        }
    )


def _vapi() -> Call:
    return vapi_to_call(
        {
            "id": "c1",
            "assistantOverrides": {"variableValues": VARIABLES},
            "startedAt": "2024-05-01T12:00:00",  # no offset
            "endedAt": "2024-05-01T12:01:30.000Z",
            "cost": 0.42,
        }
    )


def _truedy() -> Call:
    return truedy_to_call(
        {
            "id": "c1",
            "variables": VARIABLES,
            "started_at": "2024-05-01T12:00:00",  # no offset
            "ended_at": "2024-05-01T14:01:30+02:00",
            "duration_seconds": 90,
            "cost_usd": 0.42,
        }
    )


@pytest.mark.parametrize("build", [_retell, _vapi, _truedy], ids=["retell", "vapi", "truedy"])
def test_same_payload_same_neutral_fields(build: Any) -> None:
    call = build()
    assert call.variables == {"n": '{"a":2,"b":1}', "s": "x", "t": "true", "k": "3"}
    assert call.started_at == START
    assert call.ended_at == END
    assert call.duration == timedelta(seconds=90)
    assert call.cost is not None
    assert (call.cost.amount, call.cost.currency) == (Decimal("0.42"), "USD")


def _adapter(provider: str) -> Adapter:
    spec = default_registry().get(provider)
    return spec.load_adapter()(spec.capabilities)


def _first_request(plan: Plan[Any]) -> Any:
    return next(plan)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"status": "lost"}, "status must be one of"),
        ({"direction": ["inbound", "sideways"]}, "direction must be one of"),
        ({"agent_id": ""}, "agent_id filter must be a non-empty string"),
        ({"status": []}, "list filter status is empty"),
        ({"created_after": datetime(2024, 1, 1)}, "must be timezone-aware"),
        ({"created_before": "2024-01-01T00:00:00"}, "must be timezone-aware"),
        ({"created_before": "soon"}, "ISO 8601 string with an offset"),
        (
            {"created_after": END.isoformat(), "created_before": START},
            "created_after is later than created_before",
        ),
    ],
)
@pytest.mark.parametrize("provider", ["retell", "vapi", "truedy"])
def test_same_bad_filter_same_refusal(provider: str, filters: dict[str, Any], message: str) -> None:
    """The filter checks are one function: every adapter refuses alike, before sending."""
    adapter = _adapter(provider)
    with pytest.raises(InvalidRequestError, match=message):
        _first_request(adapter.list_page(filters=filters, page_size=10, cursor=None))


@pytest.mark.parametrize("provider", ["retell", "vapi", "truedy"])
def test_iso_string_and_datetime_filters_are_equal(provider: str) -> None:
    """An ISO string with an offset and the same aware datetime make the same request."""
    adapter = _adapter(provider)
    a = _first_request(
        adapter.list_page(
            filters={"created_after": "2024-05-01T14:00:00+02:00"}, page_size=10, cursor=None
        )
    )
    b = _first_request(
        adapter.list_page(filters={"created_after": START}, page_size=10, cursor=None)
    )
    assert (a.params, a.json) == (b.params, b.json)


@pytest.mark.parametrize(
    ("provider", "update"),
    [
        ("retell", CallUpdate(greeting="Hi")),
        ("vapi", CallUpdate(name="n", metadata={"a": 1})),
        ("truedy", CallUpdate(metadata={"a": 1})),
    ],
)
def test_direct_update_with_an_undeclared_field_is_refused_alike(
    provider: str, update: CallUpdate
) -> None:
    """An adapter used without the client refuses what its provider declares unsupported
    with the client's own error class, before making any request."""
    with pytest.raises(UnsupportedCapabilityError, match=f"{provider} does not support update"):
        _first_request(_adapter(provider).update("c1", update, {}))


@pytest.mark.parametrize(
    ("provider", "control", "capability"),
    [
        ("retell", LiveControl(say="hi"), "control.say"),
        ("retell", LiveControl(mute_assistant=True), "control.mute"),
        ("vapi", LiveControl(variables={"a": "b"}), "control.variables"),
    ],
)
def test_direct_control_with_an_undeclared_field_is_refused_alike(
    provider: str, control: LiveControl, capability: str
) -> None:
    with pytest.raises(UnsupportedCapabilityError, match=capability):
        _first_request(_adapter(provider).control("c1", control, {}))


@pytest.mark.parametrize(
    ("to_call", "payload"),
    [
        (retell_to_call, {"agent_id": "a", "call_status": "ended"}),
        (vapi_to_call, {"assistantId": "a", "status": "ended"}),
        (truedy_to_call, {"agent_id": "a", "status": "completed"}),
        (retell_to_call, {"call_id": "", "agent_id": "a"}),
        (vapi_to_call, {"id": 7, "assistantId": "a"}),
        (truedy_to_call, {"id": None, "agent_id": "a"}),
    ],
    ids=["retell", "vapi", "truedy", "retell-empty", "vapi-number", "truedy-null"],
)
def test_call_without_id_is_a_provider_error_everywhere(to_call: Any, payload: Any) -> None:
    """Never a Call with an empty id: a ProviderError with the payload's text attached."""
    with pytest.raises(ProviderError, match="the call object has no") as info:
        to_call(payload)
    assert info.value.body is not None
    assert '"a"' in info.value.body


@pytest.mark.parametrize("to_call", [retell_to_call, vapi_to_call, truedy_to_call])
def test_call_that_is_not_an_object_is_a_provider_error_everywhere(to_call: Any) -> None:
    with pytest.raises(ProviderError, match="expected a call object, got list") as info:
        to_call(["c1"])
    assert info.value.body == '["c1"]'
