"""Contract: for each operation callswitch sends what the official retell SDK sends.

Both run against scripted MockTransports; we compare method, path, JSON body and the
authorization header of the request that carries the intent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from retell_fakes import KEY, FakeRetell

import callswitch
from callswitch import CallUpdate, LiveControl

CALL_ID = "call_a4441234567890777c4a4a123e6"

PHONE_CALL: dict[str, Any] = {
    "call_type": "phone_call",
    "call_id": CALL_ID,
    "agent_id": "oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD",
    "agent_version": 1,
    "call_status": "ended",
    "direction": "outbound",
    "from_number": "+12137771234",
    "to_number": "+12137771235",
    "data_storage_setting": "everything",
}
ONGOING = {**PHONE_CALL, "call_status": "ongoing"}
WEB_V3 = {
    "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJ2aWRlbyI6eyJyb29tSm9p",
    "call_id": "Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6",
    "expires_at": 1703302467333,
    "ice_servers": [{"urls": "stun:stun.example.org"}],
    "transport": "gateway",
}
AUTH = f"Bearer {KEY}"


def same_wire(ours: FakeRetell, theirs: FakeRetell, ours_index: int = -1) -> None:
    mine, sdk = ours.sent(ours_index), theirs.sent(-1)
    assert mine == sdk
    assert mine[3] == AUTH


def test_get(client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell) -> None:
    """get is GET /v2/get-call/{id}, no body, bearer key."""
    for f in (fake, sdk_fake):
        f.on("GET", f"/v2/get-call/{CALL_ID}", json_body=PHONE_CALL)
    client.calls.get(CALL_ID)
    sdk.call.retrieve(CALL_ID)
    same_wire(fake, sdk_fake)
    assert fake.sent()[:3] == ("GET", f"/v2/get-call/{CALL_ID}", None)


def test_list_with_every_filter(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell
) -> None:
    """Neutral filters become the SDK's filter_criteria. The time bounds are applied by
    callswitch to created_at (Retell has no creation time and its start_timestamp filter
    misses calls that never started), so the page is full size and carries no time filter."""
    # What Retell sends for this filter: the agent asked for, started inside the window.
    item = {**PHONE_CALL, "agent_id": "agent_1", "start_timestamp": 1705000000000}
    outside = {**item, "call_id": "call_early", "start_timestamp": 1700000000000}
    page = {"items": [item, outside], "has_more": False}
    for f in (fake, sdk_fake):
        f.on("POST", "/v3/list-calls", json_body=page)
    after = datetime(2024, 1, 1, tzinfo=UTC)
    before = datetime(2024, 2, 1, tzinfo=UTC)
    calls = list(
        client.calls.list(
            limit=10,
            status="ended",
            agent_id="agent_1",
            direction="outbound",
            created_after=after,
            created_before=before,
        )
    )
    sdk.call.list(
        limit=100,
        filter_criteria={
            "call_status": {"op": "in", "type": "enum", "value": ["ended", "error"]},
            "direction": {"op": "in", "type": "enum", "value": ["outbound"]},
            "agent": [{"agent_id": "agent_1"}],
        },
    )
    same_wire(fake, sdk_fake)
    assert [c.id for c in calls] == [CALL_ID]


def test_list_follows_pagination_key(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell
) -> None:
    """The second page is asked for with the opaque pagination_key of the first."""
    second = {**PHONE_CALL, "call_id": "call_2"}
    fake.on(
        "POST",
        "/v3/list-calls",
        json_body={"items": [PHONE_CALL], "has_more": True, "pagination_key": "cursor-1"},
    )
    fake.on("POST", "/v3/list-calls", json_body={"items": [second], "has_more": False})
    sdk_fake.on("POST", "/v3/list-calls", json_body={"items": [second], "has_more": False})
    ids = [c.id for c in client.calls.list()]
    sdk.call.list(limit=100, pagination_key="cursor-1")
    assert ids == [CALL_ID, "call_2"]
    same_wire(fake, sdk_fake)
    assert "pagination_key" not in fake.sent(0)[2]


def test_list_failed_status_and_single_bounds(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell
) -> None:
    """failed narrows to the call_status values a never-connected call can have; the
    time bound is applied by callswitch, so the page is full size."""
    for f in (fake, sdk_fake):
        f.on("POST", "/v3/list-calls", json_body={"items": [], "has_more": False})
    after = datetime(2024, 1, 1, tzinfo=UTC)
    list(client.calls.list(limit=5, status=["failed", "ongoing"], created_after=after))
    sdk.call.list(
        limit=100,
        filter_criteria={
            "call_status": {
                "op": "in",
                "type": "enum",
                "value": ["not_connected", "error", "ended", "ongoing"],
            },
        },
    )
    same_wire(fake, sdk_fake)


def test_create_phone(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell
) -> None:
    """create_phone sends the SDK's body plus a generated idempotency_key body field."""
    created = {**PHONE_CALL, "call_status": "registered"}
    for f in (fake, sdk_fake):
        f.on("POST", "/v2/create-phone-call", status=201, json_body=created)
    client.calls.create_phone(
        from_number="+12137771234",
        to_number="+12137771235",
        agent_id="agent_1",
        variables={"customer_name": "John Doe"},
        metadata={"customer_id": "cust_123"},
    )
    key = fake.sent()[2]["idempotency_key"]
    assert isinstance(key, str)
    assert len(key) >= 16
    # The SDK accepts idempotency_key as a body parameter: same key, same body.
    sdk.call.create_phone_call(
        from_number="+12137771234",
        to_number="+12137771235",
        override_agent_id="agent_1",
        retell_llm_dynamic_variables={"customer_name": "John Doe"},
        metadata={"customer_id": "cust_123"},
        idempotency_key=key,
    )
    same_wire(fake, sdk_fake)


def test_create_phone_keys_differ_per_call(client: callswitch.Client, fake: FakeRetell) -> None:
    """Each new call gets its own idempotency key."""
    fake.on("POST", "/v2/create-phone-call", status=201, json_body=PHONE_CALL)
    for _ in range(2):
        client.calls.create_phone(from_number="+12137771234", to_number="+12137771235")
    assert fake.sent(0)[2]["idempotency_key"] != fake.sent(1)[2]["idempotency_key"]


def test_create_web(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell
) -> None:
    """create_web is POST /v3/create-web-call, as SDK 6.2.13 sends it."""
    for f in (fake, sdk_fake):
        f.on("POST", "/v3/create-web-call", status=201, json_body=WEB_V3)
    call = client.calls.create_web(
        agent_id="agent_1", variables={"customer_name": "John Doe"}, metadata={"k": "v"}
    )
    sdk.call.create_web_call(
        agent_id="agent_1",
        retell_llm_dynamic_variables={"customer_name": "John Doe"},
        metadata={"k": "v"},
    )
    same_wire(fake, sdk_fake)
    assert call.access_token == WEB_V3["access_token"]


def test_update_ended_call_uses_update_call(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell
) -> None:
    """An ended call: GET, then PATCH /v2/update-call with the SDK's body."""
    fake.on("GET", f"/v2/get-call/{CALL_ID}", json_body=PHONE_CALL)
    for f in (fake, sdk_fake):
        f.on("PATCH", f"/v2/update-call/{CALL_ID}", json_body=PHONE_CALL)
    client.calls.update(
        CALL_ID,
        CallUpdate(metadata={"customer_id": "cust_123"}, data_storage="everything_except_pii"),
    )
    sdk.call.update(
        CALL_ID,
        metadata={"customer_id": "cust_123"},
        data_storage_setting="everything_except_pii",
    )
    assert fake.paths == [f"GET /v2/get-call/{CALL_ID}", f"PATCH /v2/update-call/{CALL_ID}"]
    same_wire(fake, sdk_fake)


def test_update_ongoing_call_uses_update_live_call(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell
) -> None:
    """An ongoing call: GET, then one PATCH /v2/update-live-call with fields_to_override."""
    fake.on("GET", f"/v2/get-call/{CALL_ID}", json_body=ONGOING)
    for f in (fake, sdk_fake):
        f.on("PATCH", f"/v2/update-live-call/{CALL_ID}", json_body={"success": True})
    client.calls.update(
        CALL_ID,
        CallUpdate(
            metadata={"customer_id": "cust_123"},
            variables={"additional_discount": "15%"},
            data_storage="basic_attributes_only",
        ),
    )
    sdk.call.update_live(
        CALL_ID,
        fields_to_override={
            "metadata": {"customer_id": "cust_123"},
            "override_dynamic_variables": {"additional_discount": "15%"},
            "data_storage_setting": "basic_attributes_only",
        },
    )
    assert fake.paths == [
        f"GET /v2/get-call/{CALL_ID}",
        f"PATCH /v2/update-live-call/{CALL_ID}",
    ]
    same_wire(fake, sdk_fake)


def test_control_is_one_update_live_call(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell, payload: Any
) -> None:
    """The documented example (seed 000): context, trigger and variables in one request."""
    documented = payload("seed000_update_live_call_request.json")
    for f in (fake, sdk_fake):
        f.on("PATCH", f"/v2/update-live-call/{CALL_ID}", json_body={"success": True})
    result = client.calls.control(
        CALL_ID,
        LiveControl(
            inject_context=documented["call_control"]["additional_context"],
            trigger_response=True,
            variables=documented["fields_to_override"]["override_dynamic_variables"],
        ),
    )
    sdk.call.update_live(CALL_ID, **documented)
    assert fake.paths == [f"PATCH /v2/update-live-call/{CALL_ID}"]
    same_wire(fake, sdk_fake)
    assert fake.sent()[2] == documented
    assert result.applied == (
        "control.inject_context",
        "control.trigger_response",
        "control.variables",
    )


def test_end(client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell) -> None:
    """end is POST /v2/stop-call/{id} with no body."""
    for f in (fake, sdk_fake):
        f.on("POST", f"/v2/stop-call/{CALL_ID}", status=204)
    client.calls.end(CALL_ID)
    sdk.call.stop(CALL_ID)
    same_wire(fake, sdk_fake)
    assert fake.sent()[2] is None


def test_control_end_call_is_stop_call(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell
) -> None:
    """LiveControl(end_call=True) alone sends only stop-call."""
    for f in (fake, sdk_fake):
        f.on("POST", f"/v2/stop-call/{CALL_ID}", status=204)
    result = client.calls.control(CALL_ID, LiveControl(end_call=True))
    sdk.call.stop(CALL_ID)
    assert fake.paths == [f"POST /v2/stop-call/{CALL_ID}"]
    same_wire(fake, sdk_fake)
    assert result.applied == ("control.end_call",)


def test_delete(
    client: callswitch.Client, fake: FakeRetell, sdk: Any, sdk_fake: FakeRetell
) -> None:
    """delete is DELETE /v2/delete-call/{id}."""
    for f in (fake, sdk_fake):
        f.on("DELETE", f"/v2/delete-call/{CALL_ID}", status=204)
    client.calls.delete(CALL_ID)
    sdk.call.delete(CALL_ID)
    same_wire(fake, sdk_fake)
