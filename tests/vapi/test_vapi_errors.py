"""NestJS error bodies map to the hierarchy; bad input is refused before anything is sent."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from callswitch import CallUpdate
from callswitch.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
    UnsupportedCapabilityError,
)


@pytest.mark.parametrize(
    ("status", "body", "cls", "message"),
    [
        (
            400,
            {"message": "Bad thing", "error": "Bad Request", "statusCode": 400},
            ProviderError,
            "Bad thing",
        ),
        (
            400,
            {
                "message": ["name must be a string", "name too long"],
                "error": "Bad Request",
                "statusCode": 400,
            },
            ProviderError,
            "name must be a string; name too long",
        ),
        (401, {"message": "Unauthorized", "statusCode": 401}, AuthenticationError, "Unauthorized"),
        (
            403,
            {"message": "Forbidden resource", "error": "Forbidden", "statusCode": 403},
            PermissionDeniedError,
            "Forbidden resource",
        ),
        (404, {"message": "Not Found", "statusCode": 404}, NotFoundError, "Not Found"),
        (409, {"message": "Conflict", "statusCode": 409}, ProviderError, "Conflict"),
        (
            429,
            {"message": "ThrottlerException: Too Many Requests", "statusCode": 429},
            RateLimitError,
            "Too Many Requests",
        ),
        (
            500,
            {"statusCode": 500, "message": "Internal server error"},
            ServerError,
            "Internal server error",
        ),
        (502, "<html>Bad Gateway</html>", ServerError, "Bad Gateway"),
        (400, {"error": "Bad Request", "statusCode": 400}, ProviderError, "Bad Request"),
    ],
)
def test_error_bodies_map(
    kit: SimpleNamespace,
    connect: Any,
    status: int,
    body: Any,
    cls: type[ProviderError],
    message: str,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers={"retry-after": "1"})
        return httpx.Response(status, json=body, headers={"retry-after": "1"})

    rec = kit.Recorder(handler)
    with pytest.raises(cls) as info:
        connect(rec).calls.get("c1")
    assert type(info.value) is cls
    assert message in info.value.message
    assert info.value.status_code == status
    assert info.value.provider == "vapi"
    if cls is RateLimitError:
        assert isinstance(info.value, RateLimitError)
        assert info.value.retry_after == 1.0


def test_get_retries_on_503_then_succeeds(kit: SimpleNamespace, connect: Any) -> None:
    """get is safe to repeat: the client retries it (Retry-After 0 keeps the test fast)."""
    answers = iter(
        [
            httpx.Response(503, json={"message": "unavailable"}, headers={"retry-after": "0"}),
            httpx.Response(200, json=kit.sdk_call()),
        ]
    )
    rec = kit.Recorder(lambda r: next(answers))
    assert connect(rec, max_retries=2).calls.get("c1").id == "c1"
    assert len(rec.requests) == 2


def test_create_is_not_retried_after_a_5xx(kit: SimpleNamespace, connect: Any) -> None:
    """Vapi has no idempotency key: a create that reached the server is never repeated."""
    rec = kit.Recorder(
        lambda r: httpx.Response(503, json={"message": "unavailable"}, headers={"retry-after": "0"})
    )
    with pytest.raises(ServerError):
        connect(rec, max_retries=3).calls.create_phone(
            from_number="pn-1", to_number="+14155550123", agent_id="asst-1"
        )
    assert len(rec.requests) == 1


def test_malformed_success_bodies(kit: SimpleNamespace, connect: Any) -> None:
    """A 200 that is not a call (or not a list for listings) is a ProviderError, not a crash."""
    rec = kit.Recorder(
        lambda r: httpx.Response(200, json={"no": "id"} if r.url.path != "/call" else {})
    )
    client = connect(rec)
    with pytest.raises(ProviderError, match="no call id"):
        client.calls.get("c1")
    with pytest.raises(ProviderError, match="JSON array"):
        list(client.calls.list())


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"from_number": "pn-1", "to_number": "+14155550123"}, InvalidRequestError, "agent_id"),
        ({"agent_id": "a", "to_number": "+14155550123"}, InvalidRequestError, "from_number"),
        (
            {"from_number": "pn-1", "agent_id": "a", "to_number": "555-0123"},
            InvalidRequestError,
            "E.164",
        ),
        (
            {
                "from_number": "pn-1",
                "agent_id": "a",
                "to_number": "+14155550123",
                "provider_options": {"vapi": {"customer": {"number": "+1"}}},
            },
            InvalidRequestError,
            "customer",
        ),
    ],
)
def test_create_refused_before_sending(
    kit: SimpleNamespace, connect: Any, kwargs: dict[str, Any], error: type[Exception], needle: str
) -> None:
    rec = kit.Recorder(lambda r: pytest.fail("nothing may be sent"))
    with pytest.raises(error, match=needle):
        connect(rec).calls.create_phone(**kwargs)
    assert rec.requests == []


def test_create_web_is_declared_unsupported(kit: SimpleNamespace, connect: Any) -> None:
    rec = kit.Recorder(lambda r: pytest.fail("nothing may be sent"))
    with pytest.raises(UnsupportedCapabilityError, match="calls.create_web"):
        connect(rec).calls.create_web(agent_id="asst-1")
    assert rec.requests == []


def test_provider_options_extend_create(kit: SimpleNamespace, connect: Any) -> None:
    """Vapi-only fields ride along in provider_options; a squad can stand in for agent_id."""
    rec = kit.Recorder(lambda r: httpx.Response(201, json=kit.sdk_call()))
    connect(rec).calls.create_phone(
        from_number="pn-1",
        to_number="+14155550123",
        provider_options={"vapi": {"squadId": "sq-1", "name": "Reminder"}},
    )
    assert kit.body_of(rec.requests[0]) == {
        "customer": {"number": "+14155550123"},
        "phoneNumberId": "pn-1",
        "squadId": "sq-1",
        "name": "Reminder",
    }


@pytest.mark.parametrize(
    "update",
    [
        CallUpdate(metadata={"a": 1}),
        CallUpdate(variables={"a": "b"}),
        CallUpdate(greeting="Hello"),
        CallUpdate(recording_enabled=False),
        CallUpdate(transcription_enabled=True),
        CallUpdate(data_storage="basic_attributes_only"),
    ],
)
def test_update_fields_other_than_name_refused(
    kit: SimpleNamespace, connect: Any, update: CallUpdate
) -> None:
    rec = kit.Recorder(lambda r: pytest.fail("nothing may be sent"))
    with pytest.raises(UnsupportedCapabilityError, match="vapi does not support update"):
        connect(rec).calls.update("c1", update)
    assert rec.requests == []


def test_update_drop_mode_sends_name_only(kit: SimpleNamespace, connect: Any) -> None:
    rec = kit.Recorder(lambda r: httpx.Response(200, json=kit.sdk_call(name="n")))
    with pytest.warns(UserWarning, match="update.metadata"):
        result = connect(rec, on_unsupported="drop").calls.update(
            "c1", CallUpdate(name="n", metadata={"a": 1})
        )
    assert result.applied == ("update.name",)
    assert result.dropped == ("update.metadata",)
    assert kit.body_of(rec.requests[0]) == {"name": "n"}


def test_bad_call_id_refused(kit: SimpleNamespace, connect: Any) -> None:
    rec = kit.Recorder(lambda r: pytest.fail("nothing may be sent"))
    with pytest.raises(InvalidRequestError, match="call_id"):
        connect(rec).calls.get("../phone-number")
    assert rec.requests == []
