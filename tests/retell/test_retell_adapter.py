"""The Retell adapter through the client: routing, validation, errors, retries, sync = async."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from retell_fakes import KEY, FakeRetell

import callswitch
from callswitch import CallStatus, CallUpdate, LiveControl
from callswitch.errors import (
    AuthenticationError,
    InvalidCallStateError,
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ServerError,
    UnsupportedCapabilityError,
    UnsupportedCapabilityWarning,
)

CID = "call_123"
GET = f"GET /v2/get-call/{CID}"
LIVE = f"PATCH /v2/update-live-call/{CID}"
RECORD = f"PATCH /v2/update-call/{CID}"
STOP = f"POST /v2/stop-call/{CID}"


def call(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "call_type": "phone_call",
        "call_id": CID,
        "agent_id": "agent_1",
        "call_status": status,
        "direction": "outbound",
        "from_number": "+12137771234",
        "to_number": "+12137771235",
        **extra,
    }


def error(status: int, message: str, **headers: str) -> dict[str, Any]:
    return {
        "status": status,
        "json_body": {"status": "error", "message": message},
        "headers": headers or None,
    }


# ------------------------------------------------------------------- update routing


def test_update_registered_call_is_refused_after_the_read(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    """A registered call fits neither endpoint: only the GET goes out."""
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("registered"))
    with pytest.raises(InvalidCallStateError, match="registered"):
        client.calls.update(CID, CallUpdate(metadata={"a": 1}))
    assert fake.paths == [GET]


def test_update_variables_on_ended_call_is_refused(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    """update-call no longer takes dynamic variables: nothing is patched."""
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ended"))
    with pytest.raises(InvalidCallStateError, match="only be changed while the call is ongoing"):
        client.calls.update(CID, CallUpdate(metadata={"a": 1}, variables={"x": "y"}))
    assert fake.paths == [GET]


@pytest.mark.parametrize("status", ["ended", "not_connected", "error", "a_future_status"])
def test_update_non_ongoing_goes_to_update_call(
    client: callswitch.Client, fake: FakeRetell, status: str
) -> None:
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call(status))
    fake.on("PATCH", f"/v2/update-call/{CID}", json_body=call(status, metadata={"a": 1}))
    result = client.calls.update(CID, CallUpdate(metadata={"a": 1}))
    assert fake.paths == [GET, RECORD]
    assert result.call is not None
    assert result.call.metadata == {"a": 1}
    assert result.applied == ("update.metadata",)


def test_update_live_returns_no_call(client: callswitch.Client, fake: FakeRetell) -> None:
    """update-live-call answers {success}; the result has no (stale) call."""
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ongoing"))
    fake.on(
        "PATCH",
        f"/v2/update-live-call/{CID}",
        json_body={"success": True},
        headers={"x-request-id": "req_9"},
    )
    result = client.calls.update(CID, CallUpdate(variables={"x": "y"}))
    assert result.call is None
    assert result.applied == ("update.variables",)
    assert result.request_id == "req_9"


def test_update_falls_back_when_the_call_ended_meanwhile(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    """Ongoing at the read, ended at the live PATCH: read again and use update-call."""
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ongoing"))
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ended"))
    fake.on("PATCH", f"/v2/update-live-call/{CID}", **error(400, "Call is not ongoing"))
    fake.on("PATCH", f"/v2/update-call/{CID}", json_body=call("ended"))
    result = client.calls.update(CID, CallUpdate(metadata={"a": 1}))
    assert fake.paths == [GET, LIVE, GET, RECORD]
    assert result.call is not None
    assert result.call.status is CallStatus.ENDED


def test_update_live_error_on_a_still_ongoing_call_is_raised(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ongoing"))
    fake.on("PATCH", f"/v2/update-live-call/{CID}", **error(400, "bad metadata"))
    with pytest.raises(ProviderError, match="bad metadata") as info:
        client.calls.update(CID, CallUpdate(metadata={"a": 1}))
    assert info.value.status_code == 400
    assert fake.paths == [GET, LIVE, GET]


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("everything", "everything_except_pii", True),
        ("everything", "basic_attributes_only", True),
        ("everything_except_pii", "basic_attributes_only", True),
        ("everything_except_pii", "everything_except_pii", True),
        ("everything_except_pii", "everything", False),
        ("basic_attributes_only", "everything_except_pii", False),
        (None, "everything", True),  # unknown current setting: Retell decides
    ],
)
def test_data_storage_only_moves_to_more_restrictive(
    client: callswitch.Client, fake: FakeRetell, current: str | None, new: str, allowed: bool
) -> None:
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ended", data_storage_setting=current))
    fake.on("PATCH", f"/v2/update-call/{CID}", json_body=call("ended"))
    if allowed:
        client.calls.update(CID, CallUpdate(data_storage=new))
        assert fake.sent()[2] == {"data_storage_setting": new}
    else:
        with pytest.raises(InvalidRequestError, match="less restrictive"):
            client.calls.update(CID, CallUpdate(data_storage=new))
        assert fake.paths == [GET]


def test_data_storage_downgrade_refused_on_live_path_too(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    fake.on(
        "GET",
        f"/v2/get-call/{CID}",
        json_body=call("ongoing", data_storage_setting="basic_attributes_only"),
    )
    with pytest.raises(InvalidRequestError, match="less restrictive"):
        client.calls.update(CID, CallUpdate(data_storage="everything"))
    assert fake.paths == [GET]


def _metadata_of_size(size: int) -> dict[str, str]:
    base = len(json.dumps({"k": ""}, separators=(",", ":")))
    return {"k": "x" * (size - base)}


def test_metadata_limit(
    make_client: Callable[..., callswitch.Client],
    refuse_requests: Any,
    client: callswitch.Client,
    fake: FakeRetell,
) -> None:
    """50,000 bytes of JSON is accepted; one more is refused before any request."""
    over = _metadata_of_size(50_001)
    with pytest.raises(InvalidRequestError, match="50 kB"):
        make_client(refuse_requests).calls.update(CID, CallUpdate(metadata=over))
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ended"))
    fake.on("PATCH", f"/v2/update-call/{CID}", json_body=call("ended"))
    client.calls.update(CID, CallUpdate(metadata=_metadata_of_size(50_000)))
    assert len(fake.requests[-1].content) == 50_000 + len('{"metadata":}')


# --------------------------------------------------------------------------- control


def test_control_on_ended_call_becomes_invalid_call_state(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    """Retell refuses; a read shows the call ended; the vendor's words are kept."""
    fake.on(
        "PATCH",
        f"/v2/update-live-call/{CID}",
        **error(400, "Call is not ongoing", **{"x-request-id": "req_1"}),
    )
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ended"))
    with pytest.raises(InvalidCallStateError) as info:
        client.calls.control(CID, LiveControl(inject_context="VIP"))
    assert "is ended" in str(info.value)
    assert "Call is not ongoing" in str(info.value)
    assert info.value.status_code == 400
    assert info.value.request_id == "req_1"
    assert fake.paths == [LIVE, GET]


def test_control_error_on_ongoing_call_stays_provider_error(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    fake.on("PATCH", f"/v2/update-live-call/{CID}", **error(400, "Invalid request format"))
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ongoing"))
    with pytest.raises(ProviderError) as info:
        client.calls.control(CID, LiveControl(inject_context="VIP"))
    assert type(info.value) is ProviderError
    assert info.value.message == "Invalid request format"


def test_control_then_end(client: callswitch.Client, fake: FakeRetell) -> None:
    """inject + end_call: the live update first, then stop-call."""
    fake.on("PATCH", f"/v2/update-live-call/{CID}", json_body={"success": True})
    fake.on("POST", f"/v2/stop-call/{CID}", status=204)
    result = client.calls.control(CID, LiveControl(inject_context="bye now", end_call=True))
    assert fake.paths == [LIVE, STOP]
    assert fake.sent(0)[2] == {"call_control": {"additional_context": "bye now"}}
    assert result.applied == ("control.inject_context", "control.end_call")


def test_failed_hang_up_says_the_update_went_through(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    fake.on("PATCH", f"/v2/update-live-call/{CID}", json_body={"success": True})
    fake.on("POST", f"/v2/stop-call/{CID}", **error(500, "An unexpected server error occurred."))
    with pytest.raises(ServerError) as info:
        client.calls.control(CID, LiveControl(inject_context="bye", end_call=True))
    assert any("control.inject_context reached Retell" in n for n in info.value.__notes__)


def test_unsupported_control_is_refused_before_sending(
    make_client: Callable[..., callswitch.Client], refuse_requests: Any
) -> None:
    client = make_client(refuse_requests)
    with pytest.raises(UnsupportedCapabilityError) as info:
        client.calls.control(CID, LiveControl(inject_context="x", say="Hello", mute_assistant=True))
    assert set(info.value.capabilities) == {"control.say", "control.mute"}


def test_drop_policy_sends_the_supported_part(
    make_client: Callable[..., callswitch.Client], fake: FakeRetell
) -> None:
    fake.on("PATCH", f"/v2/update-live-call/{CID}", json_body={"success": True})
    client = make_client(fake, on_unsupported="drop")
    with pytest.warns(UnsupportedCapabilityWarning):
        result = client.calls.control(
            CID, LiveControl(inject_context="x", transfer_to="+14155550123")
        )
    assert result.applied == ("control.inject_context",)
    assert result.dropped == ("control.transfer",)
    assert fake.sent()[2] == {"call_control": {"additional_context": "x"}}


def test_drop_policy_never_drops_recording_enabled(
    make_client: Callable[..., callswitch.Client], refuse_requests: Any
) -> None:
    client = make_client(refuse_requests, on_unsupported="drop")
    with pytest.raises(UnsupportedCapabilityError, match="never dropped"):
        client.calls.update(CID, CallUpdate(metadata={"a": 1}, recording_enabled=False))


def test_drop_policy_on_update(
    make_client: Callable[..., callswitch.Client], fake: FakeRetell
) -> None:
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ended"))
    fake.on("PATCH", f"/v2/update-call/{CID}", json_body=call("ended"))
    client = make_client(fake, on_unsupported="drop")
    with pytest.warns(UnsupportedCapabilityWarning):
        result = client.calls.update(CID, CallUpdate(metadata={"a": 1}, greeting="Hi", name="n"))
    assert result.dropped == ("update.greeting", "update.name")
    assert fake.sent()[2] == {"metadata": {"a": 1}}


# ------------------------------------------------------------ bad input, nothing sent


BAD_INPUTS: list[tuple[str, Callable[[callswitch.Client], object], type[Exception], str]] = [
    (
        "phone call without from_number",
        lambda c: c.calls.create_phone(to_number="+14155550123"),
        InvalidRequestError,
        "from_number",
    ),
    (
        "from_number not E.164",
        lambda c: c.calls.create_phone(from_number="555-0100", to_number="+14155550123"),
        InvalidRequestError,
        "E.164",
    ),
    (
        "to_number not E.164",
        lambda c: c.calls.create_phone(from_number="+14155550100", to_number="0800"),
        InvalidRequestError,
        "E.164",
    ),
    (
        "metadata not JSON",
        lambda c: c.calls.create_web(agent_id="a", metadata={"when": object()}),
        InvalidRequestError,
        "JSON-serializable",
    ),
    (
        "non-string variable",
        lambda c: c.calls.create_web(agent_id="a", variables={"n": 3}),  # type: ignore[dict-item]
        InvalidRequestError,
        "variables",
    ),
    ("empty call id", lambda c: c.calls.get(""), InvalidRequestError, "non-empty"),
    ("path-unsafe call id", lambda c: c.calls.get("../x/y"), InvalidRequestError, "not allowed"),
    (
        "empty LiveControl",
        lambda c: c.calls.control(CID, LiveControl()),
        InvalidRequestError,
        "at least one",
    ),
    (
        "empty inject_context",
        lambda c: c.calls.control(CID, LiveControl(inject_context="")),
        InvalidRequestError,
        "inject_context",
    ),
    (
        "unknown CallUpdate field",
        lambda c: c.calls.update(CID, CallUpdate(colour="red")),  # type: ignore[call-arg]
        InvalidRequestError,
        "unknown field",
    ),
    (
        "invalid data_storage value",
        lambda c: c.calls.update(CID, CallUpdate(data_storage="nothing")),
        InvalidRequestError,
        "must be one of",
    ),
    (
        "provider_options overwriting a neutral field",
        lambda c: c.calls.create_web(
            agent_id="a", metadata={"a": 1}, provider_options={"retell": {"metadata": {}}}
        ),
        InvalidRequestError,
        "metadata",
    ),
    (
        "naive datetime filter",
        lambda c: list(c.calls.list(created_before=datetime(2024, 1, 1))),
        InvalidRequestError,
        "timezone-aware",
    ),
]


@pytest.mark.parametrize(
    ("action", "error_class", "fragment"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_fails_before_any_request(
    make_client: Callable[..., callswitch.Client],
    refuse_requests: Any,
    action: Callable[[callswitch.Client], object],
    error_class: type[Exception],
    fragment: str,
) -> None:
    client = make_client(refuse_requests)
    with pytest.raises(error_class, match=fragment):
        action(client)


def test_custom_telephony_may_skip_e164(
    make_client: Callable[..., callswitch.Client], fake: FakeRetell
) -> None:
    """provider_options ignore_e164_validation lets a pseudo number through, and is sent."""
    fake.on("POST", "/v2/create-phone-call", status=201, json_body=call("registered"))
    client = make_client(fake)
    client.calls.create_phone(
        from_number="1001",
        to_number="+14155550123",
        provider_options={"retell": {"ignore_e164_validation": True}},
    )
    assert fake.sent()[2]["ignore_e164_validation"] is True


def test_caller_idempotency_key_is_used(
    make_client: Callable[..., callswitch.Client], fake: FakeRetell
) -> None:
    fake.on("POST", "/v2/create-phone-call", status=201, json_body=call("registered"))
    make_client(fake).calls.create_phone(
        from_number="+14155550100",
        to_number="+14155550123",
        provider_options={"retell": {"idempotency_key": "order-42"}},
    )
    assert fake.sent()[2]["idempotency_key"] == "order-42"


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("status", "message", "error_class"),
    [
        (401, "API key is missing or invalid.", AuthenticationError),
        (404, "The requested resource was not found.", NotFoundError),
        (422, "Cannot find requested asset under given api key.", NotFoundError),
        (422, "Some other validation failure", ProviderError),
        (402, "Payment required", ProviderError),
        (500, "An unexpected server error occurred.", ServerError),
        (503, "Service unavailable", ServerError),
    ],
)
def test_error_mapping(
    client: callswitch.Client,
    fake: FakeRetell,
    status: int,
    message: str,
    error_class: type[ProviderError],
) -> None:
    fake.on("GET", f"/v2/get-call/{CID}", **error(status, message, **{"x-request-id": "r-7"}))
    with pytest.raises(ProviderError) as info:
        client.calls.get(CID)
    exc = info.value
    assert type(exc) is error_class
    assert (exc.status_code, exc.message, exc.request_id, exc.provider) == (
        status,
        message,
        "r-7",
        "retell",
    )
    assert message in str(exc)
    assert KEY not in str(exc)
    assert KEY not in repr(exc)


def test_rate_limit_carries_retry_after(client: callswitch.Client, fake: FakeRetell) -> None:
    fake.on("GET", f"/v2/get-call/{CID}", **error(429, "Too many requests", **{"retry-after": "7"}))
    with pytest.raises(RateLimitError) as info:
        client.calls.get(CID)
    assert info.value.retry_after == 7.0


def test_error_body_that_is_not_json(client: callswitch.Client, fake: FakeRetell) -> None:
    fake.on("GET", f"/v2/get-call/{CID}", status=502, content=b"<html>Bad gateway</html>")
    with pytest.raises(ServerError, match="Bad gateway"):
        client.calls.get(CID)


# ----------------------------------------------------------------------------- retries


def test_create_phone_retry_reuses_the_idempotency_key(
    make_client: Callable[..., callswitch.Client], fake: FakeRetell
) -> None:
    """create_phone is safe to repeat because the key rides in the body."""
    fake.on("POST", "/v2/create-phone-call", **error(503, "busy", **{"retry-after": "0"}))
    fake.on("POST", "/v2/create-phone-call", status=201, json_body=call("registered"))
    make_client(fake, max_retries=1).calls.create_phone(
        from_number="+14155550100", to_number="+14155550123"
    )
    assert len(fake.requests) == 2
    assert fake.sent(0)[2]["idempotency_key"] == fake.sent(1)[2]["idempotency_key"]


@pytest.mark.parametrize(
    "action",
    [
        lambda c: c.calls.create_web(agent_id="a"),
        lambda c: c.calls.control(CID, LiveControl(inject_context="x")),
        lambda c: c.calls.end(CID),
    ],
    ids=["create_web", "control", "end"],
)
def test_unsafe_requests_are_not_retried_on_5xx(
    make_client: Callable[..., callswitch.Client],
    fake: FakeRetell,
    action: Callable[[callswitch.Client], object],
) -> None:
    for method, path in [
        ("POST", "/v3/create-web-call"),
        ("PATCH", f"/v2/update-live-call/{CID}"),
        ("POST", f"/v2/stop-call/{CID}"),
    ]:
        fake.on(method, path, **error(503, "busy", **{"retry-after": "0"}))
    with pytest.raises(ServerError):
        action(make_client(fake, max_retries=2))
    assert len(fake.requests) == 1


# ----------------------------------------------------------------------------- listing


def test_list_stops_at_limit_and_caps_page_size(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    items = [call("ended", call_id=f"c{i}") for i in range(3)]
    fake.on("POST", "/v3/list-calls", json_body={
        "items": items, "has_more": True, "pagination_key": "k"
    })  # fmt: skip
    got = [c.id for c in client.calls.list(limit=2)]
    assert got == ["c0", "c1"]
    assert len(fake.requests) == 1
    assert fake.sent()[2] == {"limit": 2}
    # More than one page of the maximum. This fake sends the same page and key forever,
    # which callswitch now refuses at the first repeat (issue 13).
    with pytest.raises(ProviderError, match="already sent"):
        list(client.calls.list(limit=5000))
    assert fake.sent(1)[2]["limit"] == 100  # the default page size, under Retell's 1000


def test_list_has_more_without_key_is_an_error(client: callswitch.Client, fake: FakeRetell) -> None:
    fake.on("POST", "/v3/list-calls", json_body={"items": [call("ended")], "has_more": True})
    with pytest.raises(ProviderError, match="pagination_key"):
        list(client.calls.list())


# ------------------------------------------------------------------------ sync = async


def _scenario() -> FakeRetell:
    fake = FakeRetell()
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ongoing", start_timestamp=1703302407333))
    fake.on("PATCH", f"/v2/update-live-call/{CID}", json_body={"success": True})
    fake.on("POST", "/v3/list-calls", json_body={
        "items": [call("ended", call_id="c1")], "has_more": True, "pagination_key": "p2"
    })  # fmt: skip
    fake.on("POST", "/v3/list-calls", json_body={
        "items": [call("ended", call_id="c2")], "has_more": False
    })  # fmt: skip
    fake.on("POST", "/v2/create-phone-call", status=201, json_body=call("registered"))
    fake.on("POST", f"/v2/stop-call/{CID}", status=204)
    fake.on("DELETE", f"/v2/delete-call/{CID}", status=204)
    return fake


def _strip_keys(fake: FakeRetell) -> list[tuple[str, str, Any, str | None]]:
    out = []
    for i in range(len(fake.requests)):
        method, path, body, auth = fake.sent(i)
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "idempotency_key"}
        out.append((method, path, body, auth))
    return out


@pytest.mark.anyio
async def test_sync_and_async_are_identical(
    make_client: Callable[..., callswitch.Client],
    make_async_client: Callable[..., callswitch.AsyncClient],
) -> None:
    """The same scenario gives equal results and equal requests on both clients."""
    update = CallUpdate(metadata={"a": 1})
    control = LiveControl(inject_context="x", variables={"k": "v"})
    after = datetime(2024, 1, 1, tzinfo=UTC)

    sync_fake = _scenario()
    sc = make_client(sync_fake)
    sync_results = [
        sc.calls.get(CID),
        sc.calls.update(CID, update),
        sc.calls.control(CID, control),
        [c.id for c in sc.calls.list(created_after=after)],
        sc.calls.create_phone(from_number="+14155550100", to_number="+14155550123"),
        sc.calls.end(CID),
        sc.calls.delete(CID),
    ]

    async_fake = _scenario()
    ac = make_async_client(async_fake)
    async with ac:
        async_results = [
            await ac.calls.get(CID),
            await ac.calls.update(CID, update),
            await ac.calls.control(CID, control),
            [c.id async for c in ac.calls.list(created_after=after)],
            await ac.calls.create_phone(from_number="+14155550100", to_number="+14155550123"),
            await ac.calls.end(CID),
            await ac.calls.delete(CID),
        ]
    assert sync_results == async_results
    assert _strip_keys(sync_fake) == _strip_keys(async_fake)


@pytest.mark.anyio
async def test_async_errors_match_sync(
    make_async_client: Callable[..., callswitch.AsyncClient],
) -> None:
    fake = FakeRetell()
    fake.on(
        "GET",
        f"/v2/get-call/{CID}",
        **error(422, "Cannot find requested asset under given api key."),
    )
    ac = make_async_client(fake)
    async with ac:
        with pytest.raises(NotFoundError, match="Cannot find"):
            await ac.calls.get(CID)


def test_key_is_not_in_client_repr(client: callswitch.Client) -> None:
    assert KEY not in repr(client)


def test_requests_go_to_the_documented_base_url(
    fake: FakeRetell, client: callswitch.Client
) -> None:
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ended"))
    client.calls.get(CID)
    assert str(fake.requests[0].url) == f"https://api.retellai.com/v2/get-call/{CID}"


def test_transport_handler_type() -> None:
    """FakeRetell is a valid MockTransport handler (guards the fixtures themselves)."""
    fake = FakeRetell().on("GET", "/x", json_body={"ok": True})
    with httpx.Client(transport=httpx.MockTransport(fake)) as http:
        assert http.get("https://h/x").json() == {"ok": True}


def test_update_options_go_to_update_call_only(client: callswitch.Client, fake: FakeRetell) -> None:
    """provider_options (a record-only key) reach update-call, not update-live-call."""
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ended"))
    fake.on("PATCH", f"/v2/update-call/{CID}", json_body=call("ended"))
    client.calls.update(
        CID,
        CallUpdate(metadata={"a": 1}),
        provider_options={"retell": {"custom_attributes": {"tier": "gold"}}},
    )
    assert fake.paths == [GET, RECORD]
    assert json.loads(fake.requests[-1].content) == {
        "metadata": {"a": 1},
        "custom_attributes": {"tier": "gold"},
    }


def test_update_options_on_ongoing_call_refused_before_patching(
    client: callswitch.Client, fake: FakeRetell
) -> None:
    """On an ongoing call the options have no route: refused, nothing is patched."""
    fake.on("GET", f"/v2/get-call/{CID}", json_body=call("ongoing"))
    with pytest.raises(InvalidCallStateError, match="custom_attributes"):
        client.calls.update(
            CID,
            CallUpdate(metadata={"a": 1}),
            provider_options={"retell": {"custom_attributes": {"tier": "gold"}}},
        )
    assert fake.paths == [GET]
