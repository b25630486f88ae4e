"""Truedy through the real Client / AsyncClient over httpx.MockTransport."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import callswitch
from callswitch import CallUpdate, DataStorage, LiveControl
from callswitch.errors import (
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    UnsupportedCapabilityError,
    UnsupportedCapabilityWarning,
)
from callswitch.registry import default_registry

Envelope = Callable[..., dict[str, Any]]
API_KEY = "tdy-test-key-0123456789"
CALL = {
    "id": "call_1",
    "status": "queued",
    "direction": "outbound",
    "created_at": "2026-04-05T10:00:00Z",
}


def test_registered_through_the_entry_point() -> None:
    """truedy is found like any third-party plugin, with its documented defaults."""
    assert "truedy" in callswitch.providers()
    spec = default_registry().get("truedy")
    assert spec.default_base_url == "https://api.truedy.ai/api/public/v1"
    assert spec.api_key_env == "TRUEDY_API_KEY"
    assert spec.adapter == "callswitch_truedy.adapter:TruedyAdapter"
    assert spec.emulator == "callswitch_truedy.emulator:create_app"
    assert spec.webhooks == "callswitch_truedy.webhooks:RULES"
    assert spec.package == "callswitch"


def test_key_from_environment_and_bearer_auth(
    truedy: Any, envelope: Envelope, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUEDY_API_KEY", "env-key-987")
    truedy.answer(200, envelope(CALL))
    http = httpx.Client(transport=httpx.MockTransport(truedy))
    client = callswitch.connect("truedy", http_client=http)
    client.calls.get("call_1")
    request = truedy.requests[0]
    assert request.headers["authorization"] == "Bearer env-key-987"
    assert str(request.url) == "https://api.truedy.ai/api/public/v1/calls/call_1"
    assert "env-key-987" not in repr(client)


# ----------------------------------------------------------------- idempotent create


def _create(client: callswitch.Client) -> callswitch.Call:
    return client.calls.create_phone(
        to_number="+14155550123", agent_id="agt_f9447372", variables={"name": "Ada"}
    )


def test_create_retry_after_503_reuses_the_idempotency_key(truedy: Any, envelope: Envelope) -> None:
    """503 then 201: two requests, same key and same body, one call."""
    truedy.answer(503, {"error": {"code": "unavailable", "message": "busy"}}, {"retry-after": "0"})
    truedy.answer(201, envelope(CALL))
    call = _create(truedy.client())
    assert call.id == "call_1"
    assert len(truedy.requests) == 2
    keys = [r.headers["x-idempotency-key"] for r in truedy.requests]
    assert keys[0] == keys[1]
    assert truedy.json(0) == truedy.json(1)


def test_create_retry_after_a_read_timeout_reuses_the_key(truedy: Any, envelope: Envelope) -> None:
    """A timeout after sending is ambiguous; the key makes the retry safe, so it is retried."""

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    truedy.answer_with(timeout)
    truedy.answer(201, envelope(CALL))
    assert _create(truedy.client()).id == "call_1"
    keys = {r.headers["x-idempotency-key"] for r in truedy.requests}
    assert len(truedy.requests) == 2
    assert len(keys) == 1


def test_two_creates_use_two_keys(truedy: Any, envelope: Envelope) -> None:
    truedy.answer(201, envelope(CALL))
    truedy.answer(201, envelope({**CALL, "id": "call_2"}))
    client = truedy.client()
    _create(client)
    _create(client)
    keys = {r.headers["x-idempotency-key"] for r in truedy.requests}
    assert len(keys) == 2


def test_create_gives_up_after_max_retries(truedy: Any) -> None:
    for _ in range(2):
        truedy.answer(503, {"error": {"code": "x", "message": "down"}}, {"retry-after": "0"})
    with pytest.raises(callswitch.errors.ServerError):
        _create(truedy.client(max_retries=1))
    assert len(truedy.requests) == 2


def test_timeout_on_every_attempt_hands_back_the_key(truedy: Any) -> None:
    """A keyed create that timed out every time may exist: OutcomeUnknownError with the
    key that was sent, so a later retry can reuse it instead of dialling again."""

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    truedy.answer_with(timeout)
    with pytest.raises(OutcomeUnknownError) as info:
        _create(truedy.client(max_retries=0))
    assert info.value.idempotency_key
    assert truedy.requests[0].headers["x-idempotency-key"] == info.value.idempotency_key


# ------------------------------------------------------------------------ pagination


def _page(
    envelope: Envelope, ids: list[str], offset: int, more: bool, status: str | None = None
) -> dict[str, Any]:
    extra = {"status": status} if status else {}
    return envelope(
        [{**CALL, "id": i, **extra} for i in ids],
        pagination={"total": 6, "limit": 2, "offset": offset, "has_more": more},
    )


def test_list_pages_lazily_over_offsets(truedy: Any, envelope: Envelope) -> None:
    # The pages hold what the status filter asked for: callswitch checks each call again.
    truedy.answer(200, _page(envelope, ["a", "b"], 0, True, "ended"))
    truedy.answer(200, _page(envelope, ["c", "d"], 2, True, "ended"))
    truedy.answer(200, _page(envelope, ["e", "f"], 4, False, "ended"))
    calls = truedy.client().calls.list(status="ended")
    assert truedy.requests == []  # nothing is fetched before iteration
    first_three = [c.id for c in itertools.islice(calls, 3)]
    assert first_three == ["a", "b", "c"]
    assert len(truedy.requests) == 2  # stopped early: the third page was never asked for
    assert [c.id for c in calls] == ["d", "e", "f"]
    assert len(truedy.requests) == 3
    offsets = [r.url.params["offset"] for r in truedy.requests]
    assert offsets == ["0", "2", "4"]
    # The list guide's spelling, not the schema's "completed".
    assert {r.url.params["status"] for r in truedy.requests} == {"ended"}


def test_list_limit_caps_page_size_and_total(truedy: Any, envelope: Envelope) -> None:
    truedy.answer(200, _page(envelope, ["a", "b"], 0, True))
    truedy.answer(200, _page(envelope, ["c", "d"], 2, True))
    ids = [c.id for c in truedy.client().calls.list(limit=3)]
    assert ids == ["a", "b", "c"]
    assert [r.url.params["limit"] for r in truedy.requests] == ["3", "3"]


def test_list_bad_filter_sends_nothing(truedy: Any) -> None:
    """A bad filter is refused when calls.list() is called, before any iteration."""
    with pytest.raises(InvalidRequestError, match="direction"):
        truedy.client().calls.list(direction="both")
    assert truedy.requests == []


# --------------------------------------------------------------------- sync == async


def _script(truedy: Any, envelope: Envelope) -> None:
    truedy.answer(200, envelope({**CALL, "status": "in-progress"}))
    truedy.answer(200, _page(envelope, ["a"], 0, False))
    truedy.answer(201, envelope(CALL, request_id="req_create"))
    truedy.answer(200, envelope({**CALL, "status": "completed"}, request_id="req_upd"))


def _shape(request: httpx.Request) -> tuple[Any, ...]:
    headers = {k: v for k, v in request.headers.items() if k != "x-idempotency-key"}
    body = json.loads(request.content) if request.content else None
    return request.method, str(request.url), body, headers


@pytest.mark.anyio
async def test_sync_and_async_are_identical(
    new_truedy: Callable[[], Any], envelope: Envelope
) -> None:
    """The same operations give equal results and equal requests (bar the random key)."""
    sync_mock, async_mock = new_truedy(), new_truedy()
    _script(sync_mock, envelope)
    _script(async_mock, envelope)
    update = CallUpdate(variables={"tier": "gold"}, greeting="Hello again")
    new = {"to_number": "+14155550123", "agent_id": "agt_1", "from_number": "+18005559876"}

    client = sync_mock.client()
    sync_results = [
        client.calls.get("call_1"),
        list(client.calls.list(agent_id="agt_1")),
        client.calls.create_phone(**new),
        client.calls.update("call_1", update),
    ]
    aclient = async_mock.async_client()
    async_results = [
        await aclient.calls.get("call_1"),
        [c async for c in aclient.calls.list(agent_id="agt_1")],
        await aclient.calls.create_phone(**new),
        await aclient.calls.update("call_1", update),
    ]
    await aclient.aclose()
    assert sync_results == async_results
    assert sync_results[3].request_id == "req_upd"
    assert [_shape(r) for r in sync_mock.requests] == [_shape(r) for r in async_mock.requests]
    assert len(sync_mock.requests) == 4


@pytest.mark.anyio
async def test_async_create_retry_reuses_the_key(truedy: Any, envelope: Envelope) -> None:
    truedy.answer(503, {"error": {"code": "x", "message": "busy"}}, {"retry-after": "0"})
    truedy.answer(201, envelope(CALL))
    aclient = truedy.async_client()
    call = await aclient.calls.create_phone(to_number="+14155550123", agent_id="agt_1")
    assert call.id == "call_1"
    keys = [r.headers["x-idempotency-key"] for r in truedy.requests]
    assert len(keys) == 2
    assert keys[0] == keys[1]


# ------------------------------------------------------------------ refused, unsent


def test_live_control_is_refused_naming_each_capability(truedy: Any) -> None:
    """Nothing reaches the transport: the mock has no answers and records every attempt."""
    client = truedy.client()
    control = LiveControl(
        inject_context="VIP caller",
        trigger_response=True,
        variables={"tier": "gold"},
        say="One moment",
        transfer_to="+14155550100",
        mute_assistant=True,
    )
    with pytest.raises(UnsupportedCapabilityError) as info:
        client.calls.control("call_1", control)
    assert info.value.provider == "truedy"
    assert info.value.capabilities == (
        "control.inject_context",
        "control.trigger_response",
        "control.variables",
        "control.say",
        "control.transfer",
        "control.mute",
    )
    for name in info.value.capabilities:
        assert name in str(info.value)
    assert truedy.requests == []


def test_end_call_control_is_refused(truedy: Any) -> None:
    with pytest.raises(UnsupportedCapabilityError) as info:
        truedy.client().calls.control("call_1", LiveControl(end_call=True))
    assert info.value.capabilities == ("control.end_call",)
    assert truedy.requests == []


def test_live_control_with_drop_sends_nothing_and_reports_all(truedy: Any) -> None:
    client = truedy.client(on_unsupported="drop")
    with pytest.warns(UnsupportedCapabilityWarning):
        result = client.calls.control("call_1", LiveControl(say="hi", mute_assistant=False))
    assert result.applied == ()
    assert result.dropped == ("control.say", "control.mute")
    assert truedy.requests == []


@pytest.mark.parametrize(
    ("operation", "capability"),
    [
        (lambda c: c.calls.end("call_1"), "calls.end"),
        (lambda c: c.calls.delete("call_1"), "calls.delete"),
    ],
)
def test_missing_operations_are_refused(
    truedy: Any, operation: Callable[[callswitch.Client], Any], capability: str
) -> None:
    with pytest.raises(UnsupportedCapabilityError) as info:
        operation(truedy.client())
    assert info.value.capabilities == (capability,)
    assert truedy.requests == []


@pytest.mark.parametrize(
    ("update", "refused"),
    [
        (CallUpdate(metadata={"a": 1}), ("update.metadata",)),
        (CallUpdate(name="x", greeting="hi"), ("update.name",)),
        (CallUpdate(data_storage=DataStorage.BASIC_ATTRIBUTES_ONLY), ("update.data_storage",)),
    ],
)
def test_update_fields_truedy_lacks_are_refused(
    truedy: Any, update: CallUpdate, refused: tuple[str, ...]
) -> None:
    with pytest.raises(UnsupportedCapabilityError) as info:
        truedy.client().calls.update("call_1", update)
    assert info.value.capabilities == refused
    assert truedy.requests == []


def test_data_storage_is_never_dropped(truedy: Any) -> None:
    update = CallUpdate(variables={"a": "b"}, data_storage="everything_except_pii")
    with pytest.raises(UnsupportedCapabilityError, match="never dropped"):
        truedy.client(on_unsupported="drop").calls.update("call_1", update)
    assert truedy.requests == []


def test_drop_sends_the_supported_part(truedy: Any, envelope: Envelope) -> None:
    truedy.answer(200, envelope(CALL, request_id="req_drop"))
    client = truedy.client(on_unsupported="drop")
    with pytest.warns(UnsupportedCapabilityWarning):
        result = client.calls.update("call_1", CallUpdate(metadata={"a": 1}, greeting="Hi"))
    assert truedy.json(0) == {"call_settings": {"greeting": "Hi"}}
    assert (result.applied, result.dropped) == (("update.greeting",), ("update.metadata",))
    assert result.request_id == "req_drop"


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"to_number": "4155550123"}, "E.164"),
        ({"to_number": "+1 415 555 0123"}, "E.164"),
        ({"from_number": "555-0100"}, "E.164"),
        ({"variables": {"": "x"}}, "non-empty"),
        ({"variables": {"n": 3}}, "variables"),
        ({"variables": {"vip": True}}, "variables"),
        ({"agent_id": None}, "agent_id"),
        ({"metadata": {"campaign": "x"}}, "metadata"),
    ],
)
def test_bad_create_input_sends_nothing(truedy: Any, kwargs: dict[str, Any], needle: str) -> None:
    fields: dict[str, Any] = {"to_number": "+14155550123", "agent_id": "agt_1", **kwargs}
    with pytest.raises(InvalidRequestError, match=needle):
        truedy.client().calls.create_phone(**fields)
    assert truedy.requests == []


@pytest.mark.parametrize(
    "fields",
    [{"variables": {"": "x"}}, {"variables": {"n": 1}}, {"greeting": ""}, {"recording_enabled": 1}],
)
def test_bad_update_input_fails_before_sending(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError):
        CallUpdate(**fields)


def test_bad_call_id_sends_nothing(truedy: Any) -> None:
    with pytest.raises(InvalidRequestError, match="call_id"):
        truedy.client().calls.get("../agents")
    assert truedy.requests == []


# ------------------------------------------------------------------------- errors


def test_request_id_reaches_errors(truedy: Any) -> None:
    truedy.answer(
        404,
        {
            "error": {"code": "not_found", "message": "Call not found", "details": None},
            "meta": {"request_id": "req_404", "ts": "2026-04-05T10:00:00Z"},
        },
    )
    with pytest.raises(NotFoundError) as info:
        truedy.client().calls.get("call_missing")
    assert info.value.request_id == "req_404"
    assert info.value.code == "not_found"
    assert "req_404" in str(info.value)
    assert API_KEY not in str(info.value)


def test_429_with_past_reset_at_retries_at_once(truedy: Any, envelope: Envelope) -> None:
    """reset_at already passed: wait 0 and retry; the second answer is used."""
    details = {"reset_at": "2020-01-01T00:00:00Z"}
    truedy.answer(
        429, {"error": {"code": "rate_limit_exceeded", "message": "slow", "details": details}}
    )
    truedy.answer(200, envelope(CALL))
    assert truedy.client().calls.get("call_1").id == "call_1"
    assert len(truedy.requests) == 2


def test_429_with_distant_reset_at_is_raised_with_retry_after(truedy: Any) -> None:
    truedy.answer(
        429,
        {
            "error": {
                "code": "rate_limit_exceeded",
                "message": "Rate limit exceeded",
                "details": {"reset_at": "2999-01-01T00:00:00Z"},
            },
            "meta": {"request_id": "req_429", "ts": "2026-04-05T10:00:00Z"},
        },
    )
    with pytest.raises(RateLimitError) as info:
        truedy.client().calls.get("call_1")
    assert info.value.retry_after is not None
    assert info.value.retry_after > 60
    assert info.value.request_id == "req_429"
    assert len(truedy.requests) == 1  # too long to wait for: handed to the caller


def test_supports_answers_from_the_declarations(truedy: Any) -> None:
    client = truedy.client()
    assert client.supports("calls.create_phone")
    assert client.supports("update.greeting")
    assert not client.supports("control.inject_context")
    assert not client.supports("calls.end")
