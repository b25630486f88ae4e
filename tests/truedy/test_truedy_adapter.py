"""The Truedy adapter as pure translation: request shapes, page parsing, error bodies.

No client and no transport here: plans are driven by hand with canned responses.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

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
from callswitch.http import Request, Response, Safety
from callswitch.models import CallStatus, CallUpdate, NewPhoneCall
from callswitch_truedy import adapter as adapter_module
from callswitch_truedy.adapter import TruedyAdapter, reset_at_seconds
from callswitch_truedy.capabilities import CAPABILITIES

Drive = Callable[..., tuple[list[Request], Any]]
Ok = Callable[..., Response]
Envelope = Callable[..., dict[str, Any]]

#: The POST /calls body fields vendors.md documents (no OpenAPI for create exists).
CREATE_FIELDS = {"agent_id", "phone_number", "from_number", "variables", "call_settings"}
NOW = datetime(2026, 4, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def adapter() -> TruedyAdapter:
    return TruedyAdapter(CAPABILITIES)


def conforms(value: Any, schema: dict[str, Any], where: str = "body") -> list[str]:
    """Problems with ``value`` under the small subset of JSON Schema the fragment uses.

    Stricter than the schema in one way: a property it does not list is a problem, since
    we must send only documented fields."""
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    checks: dict[str, Callable[[Any], bool]] = {
        "object": lambda v: isinstance(v, dict),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "null": lambda v: v is None,
    }
    if kinds and not any(checks[k](value) for k in kinds):
        return [f"{where}: {value!r} is not {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in {schema['enum']}"]
    problems = []
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        for key, item in value.items():
            if key not in props:
                problems.append(f"{where}.{key}: not a documented property")
            else:
                problems += conforms(item, props[key], f"{where}.{key}")
        problems += [f"{where}.{k}: required" for k in schema.get("required", ()) if k not in value]
    return problems


def test_conforms_catches_a_wrong_body(openapi: dict[str, Any]) -> None:
    """The checker itself fails bodies the schema forbids (so the tests below mean something)."""
    schema = openapi["components"]["schemas"]["CallUpdateRequest"]
    assert conforms({"call_settings": {"recording_enabled": "yes"}}, schema)
    assert conforms({"metadata": {}}, schema)
    assert conforms({"variables": []}, schema)
    assert not conforms({"variables": None}, schema)


# ------------------------------------------------------------------------------ get


def test_get_request(adapter: TruedyAdapter, drive: Drive, ok: Ok, envelope: Envelope) -> None:
    sent, call = drive(adapter.get("call_1"), ok(envelope({"id": "call_1", "status": "queued"})))
    assert (sent[0].method, sent[0].path, sent[0].json) == ("GET", "/calls/call_1", None)
    assert sent[0].safety is Safety.IDEMPOTENT
    assert call.id == "call_1"
    assert call.status is CallStatus.QUEUED


# ----------------------------------------------------------------------------- list


def test_list_params_map_every_filter(adapter: TruedyAdapter) -> None:
    plan = adapter.list_page(
        filters={
            "status": "ongoing",
            "direction": "outbound",
            "agent_id": "agt_1",
            "created_after": datetime(2026, 4, 5, 12, tzinfo=timezone(timedelta(hours=2))),
            "created_before": "2026-04-06T00:00:00Z",
        },
        page_size=20,
        cursor=40,
    )
    request = next(plan)
    assert (request.method, request.path) == ("GET", "/calls")
    assert dict(request.params) == {
        "limit": 20,
        "offset": 40,
        "status": "in-progress",
        "direction": "outbound",
        "agent_id": "agt_1",
        "created_after": "2026-04-05T10:00:00Z",
        "created_before": "2026-04-06T00:00:00Z",
    }


@pytest.mark.parametrize(
    ("neutral", "wire"),
    [
        (CallStatus.QUEUED, "queued"),
        (CallStatus.RINGING, "ringing"),
        (CallStatus.ONGOING, "in-progress"),
        (CallStatus.ENDED, "ended"),
    ],
)
def test_status_filter_uses_the_list_guide_spelling(
    adapter: TruedyAdapter, neutral: CallStatus, wire: str
) -> None:
    request = next(adapter.list_page(filters={"status": neutral}, page_size=5, cursor=None))
    assert request.params["status"] == wire


@pytest.mark.parametrize("status", [CallStatus.FAILED, [CallStatus.ENDED, CallStatus.QUEUED]])
def test_status_filter_truedy_cannot_express_is_not_sent(
    adapter: TruedyAdapter, status: object
) -> None:
    """failed also covers Truedy's cancelled, and a query takes one status: the client
    filters these itself, so nothing narrower than asked is sent."""
    request = next(adapter.list_page(filters={"status": status}, page_size=5, cursor=None))
    assert "status" not in request.params


@pytest.mark.parametrize("size", [1, 100, 500])
def test_limit_stays_within_1_to_100(adapter: TruedyAdapter, size: int) -> None:
    request = next(adapter.list_page(filters={}, page_size=size, cursor=None))
    assert request.params["limit"] == min(size, 100)
    assert request.params["offset"] == 0


@pytest.mark.parametrize(
    ("filters", "needle"),
    [
        ({"status": "unknown"}, "status filter"),
        ({"status": "in_progress"}, "status filter"),
        ({"direction": "both"}, "direction"),
        ({"agent_id": ""}, "agent_id"),
        ({"created_after": datetime(2026, 4, 5)}, "timezone-aware"),
        ({"created_before": "last week"}, "ISO 8601"),
        ({"phone_number": "+1"}, "cannot filter"),
    ],
)
def test_bad_filters_raise_when_the_plan_is_made(
    adapter: TruedyAdapter, filters: dict[str, Any], needle: str
) -> None:
    with pytest.raises(InvalidRequestError, match=needle):
        adapter.list_page(filters=filters, page_size=10, cursor=None)


def test_page_cursor_from_has_more(
    adapter: TruedyAdapter, drive: Drive, ok: Ok, envelope: Envelope
) -> None:
    body = envelope(
        [{"id": "a"}, {"id": "b"}],
        pagination={"total": 5, "limit": 2, "offset": 2, "has_more": True},
    )
    _, page = drive(adapter.list_page(filters={}, page_size=2, cursor=2), ok(body))
    assert [c.id for c in page.items] == ["a", "b"]
    assert page.next_cursor == 4
    body["pagination"]["has_more"] = False
    _, last = drive(adapter.list_page(filters={}, page_size=2, cursor=2), ok(body))
    assert last.next_cursor is None


def test_page_without_pagination_block_continues_only_when_full(
    adapter: TruedyAdapter, drive: Drive, ok: Ok, envelope: Envelope
) -> None:
    _, full = drive(
        adapter.list_page(filters={}, page_size=2, cursor=None),
        ok(envelope([{"id": "a"}, {"id": "b"}])),
    )
    _, short = drive(
        adapter.list_page(filters={}, page_size=2, cursor=None), ok(envelope([{"id": "a"}]))
    )
    assert (full.next_cursor, short.next_cursor) == (2, None)


def test_page_whose_data_is_not_a_list_is_a_provider_error(
    adapter: TruedyAdapter, drive: Drive, ok: Ok, envelope: Envelope
) -> None:
    with pytest.raises(ProviderError, match="expected a list"):
        drive(adapter.list_page(filters={}, page_size=2, cursor=None), ok(envelope({"id": "a"})))


# --------------------------------------------------------------------------- create


def _new(**kwargs: Any) -> NewPhoneCall:
    fields = {"to_number": "+14155550123", "agent_id": "agt_f9447372", **kwargs}
    return NewPhoneCall(**fields)


def test_create_request_shape(
    adapter: TruedyAdapter, drive: Drive, ok: Ok, envelope: Envelope
) -> None:
    plan = adapter.create_phone(
        _new(from_number="+18005559876", variables={"name": "Ada"}),
        {"call_settings": {"max_duration": "3600s"}},
    )
    sent, call = drive(plan, ok(envelope({"id": "call_new", "status": "queued"}), status=201))
    request = sent[0]
    assert (request.method, request.path) == ("POST", "/calls")
    assert request.json == {
        "agent_id": "agt_f9447372",
        "phone_number": "+14155550123",
        "from_number": "+18005559876",
        "variables": {"name": "Ada"},
        "call_settings": {"max_duration": "3600s"},
    }
    assert set(request.json) <= CREATE_FIELDS
    assert request.safety is Safety.IDEMPOTENT
    assert uuid.UUID(request.headers["X-Idempotency-Key"])
    assert call.id == "call_new"


def test_create_minimal_body(adapter: TruedyAdapter) -> None:
    request = next(adapter.create_phone(_new(), {}))
    assert request.json == {"agent_id": "agt_f9447372", "phone_number": "+14155550123"}


def test_each_logical_call_gets_its_own_key(adapter: TruedyAdapter) -> None:
    first = next(adapter.create_phone(_new(), {}))
    second = next(adapter.create_phone(_new(), {}))
    assert first.headers["X-Idempotency-Key"] != second.headers["X-Idempotency-Key"]


def test_caller_can_supply_the_idempotency_key(adapter: TruedyAdapter) -> None:
    request = next(adapter.create_phone(_new(), {"idempotency_key": "order-42"}))
    assert request.headers["X-Idempotency-Key"] == "order-42"
    assert "idempotency_key" not in request.json


@pytest.mark.parametrize(
    ("new", "options", "needle"),
    [
        (_new(agent_id=None), {}, "needs agent_id"),
        (_new(metadata={"a": 1}), {}, "metadata"),
        (_new(from_number="18005559876"), {}, "E.164"),
        (_new(), {"idempotency_key": ""}, "idempotency_key"),
        (_new(), {"phone_number": "+1999"}, "already sets"),
        (_new(), {"call_settings": "fast"}, "must be a dict"),
    ],
)
def test_bad_create_input_raises_when_the_plan_is_made(
    adapter: TruedyAdapter, new: NewPhoneCall, options: dict[str, Any], needle: str
) -> None:
    with pytest.raises(InvalidRequestError, match=needle):
        adapter.create_phone(new, options)


# --------------------------------------------------------------------------- update


def test_update_body_matches_the_seed_schema(
    adapter: TruedyAdapter,
    drive: Drive,
    ok: Ok,
    openapi: dict[str, Any],
    guide_call: dict[str, Any],
) -> None:
    update = CallUpdate(
        variables={"status": "premium"},
        recording_enabled=False,
        transcription_enabled=True,
        greeting="Updated greeting",
    )
    sent, result = drive(adapter.update("call_a1b2c3d4", update, {}), ok(guide_call))
    request = sent[0]
    assert (request.method, request.path) == ("PATCH", "/calls/call_a1b2c3d4")
    assert request.json == {
        "variables": {"status": "premium"},
        "call_settings": {
            "recording_enabled": False,
            "transcription_enabled": True,
            "greeting": "Updated greeting",
        },
    }
    schema = openapi["components"]["schemas"]["CallUpdateRequest"]
    assert conforms(request.json, schema) == []
    assert result.applied == (
        "update.variables",
        "update.recording_enabled",
        "update.transcription_enabled",
        "update.greeting",
    )
    assert result.request_id == "req_32e7531c"
    assert result.call is not None
    assert result.call.id == "call_a1b2c3d4"


def test_update_of_variables_only_sends_no_call_settings(adapter: TruedyAdapter) -> None:
    request = next(adapter.update("c1", CallUpdate(variables={"a": "b"}), {}))
    assert request.json == {"variables": {"a": "b"}}


def test_update_options_merge_into_call_settings(adapter: TruedyAdapter) -> None:
    request = next(
        adapter.update("c1", CallUpdate(greeting="Hi"), {"call_settings": {"join_timeout": "30s"}})
    )
    assert request.json == {"call_settings": {"greeting": "Hi", "join_timeout": "30s"}}
    with pytest.raises(InvalidRequestError, match="greeting"):
        adapter.update("c1", CallUpdate(greeting="Hi"), {"call_settings": {"greeting": "Yo"}})


def test_update_refuses_fields_truedy_lacks_even_when_called_directly(
    adapter: TruedyAdapter,
) -> None:
    # The same class and wording as the client's refusal, from the same declarations.
    with pytest.raises(
        UnsupportedCapabilityError, match=r"truedy does not support update\.metadata"
    ):
        adapter.update("c1", CallUpdate(metadata={"a": 1}), {})


# --------------------------------------------------------------------------- errors


def _error(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(status, headers or {}, content, "truedy")


def _truedy_error(code: str, message: str = "nope", details: Any = None) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "details": details},
        "meta": {"request_id": "req_err_1", "ts": "2026-04-05T10:00:00Z"},
    }


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "validation_error", ProviderError),
        (401, "unauthorized", AuthenticationError),
        (402, "insufficient_credits", ProviderError),
        (403, "ip_not_allowed", PermissionDeniedError),
        (404, "not_found", NotFoundError),
        (409, "conflict", ProviderError),
        (422, "validation_error", ProviderError),
        (429, "rate_limit_exceeded", RateLimitError),
        (500, "internal_error", ServerError),
        (400, "not_found", NotFoundError),
        (400, "unauthorized", AuthenticationError),
        (400, "rate_limit_exceeded", RateLimitError),
    ],
)
def test_error_shape_maps_to_the_hierarchy(
    adapter: TruedyAdapter, status: int, code: str, cls: type[ProviderError]
) -> None:
    error = adapter.error_for(_error(status, _truedy_error(code, "Agent not found")))
    assert type(error) is cls
    assert (error.status_code, error.code, error.message) == (status, code, "Agent not found")
    assert error.request_id == "req_err_1"
    assert error.provider == "truedy"


def test_seed_error_example(adapter: TruedyAdapter, openapi: dict[str, Any]) -> None:
    props = openapi["components"]["schemas"]["ErrorResponse"]["properties"]["error"]["properties"]
    body = {"error": {k: v["example"] for k, v in props.items()}}
    error = adapter.error_for(_error(404, body))
    assert isinstance(error, NotFoundError)
    assert error.message == "The requested resource does not exist"
    assert error.code == "not_found"
    assert error.request_id is None


def test_fastapi_validation_shape(adapter: TruedyAdapter) -> None:
    body = {
        "detail": [
            {"loc": ["body", "phone_number"], "msg": "Field required", "type": "missing"},
            {"loc": ["body", "variables", "x"], "msg": "Input should be a string", "type": "s"},
        ]
    }
    error = adapter.error_for(_error(422, body))
    assert type(error) is ProviderError
    assert error.status_code == 422
    assert error.message == (
        "body.phone_number: Field required; body.variables.x: Input should be a string"
    )
    assert error.code is None


def test_fastapi_string_detail(adapter: TruedyAdapter) -> None:
    error = adapter.error_for(_error(404, {"detail": "Not Found"}))
    assert isinstance(error, NotFoundError)
    assert error.message == "Not Found"


@pytest.mark.parametrize("body", [b"<html>Bad gateway</html>", b"", b"[1, 2]"])
def test_unparseable_error_bodies_still_map(adapter: TruedyAdapter, body: bytes) -> None:
    error = adapter.error_for(_error(502, body))
    assert isinstance(error, ServerError)
    assert error.message


@pytest.mark.parametrize(
    ("reset_at", "seconds"),
    [
        ("2026-04-05T10:00:30Z", 30.0),
        ("2026-04-05T10:00:30", 30.0),
        ("2026-04-05T11:00:30+01:00", 30.0),
        (NOW.timestamp() + 45, 45.0),
        (str(int(NOW.timestamp()) + 45), 45.0),
        ((NOW.timestamp() + 12) * 1000, 12.0),
        (20, 20.0),
        ("2026-04-05T09:59:00Z", 0.0),
        ("whenever", None),
        (True, None),
        (None, None),
    ],
)
def test_reset_at_formats(reset_at: Any, seconds: float | None) -> None:
    result = reset_at_seconds(reset_at, NOW)
    if seconds is None:
        assert result is None
    else:
        assert result == pytest.approx(seconds)


def test_429_reads_reset_at(adapter: TruedyAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adapter_module, "_now", lambda: NOW)
    body = _truedy_error("rate_limit_exceeded", "Slow down", {"reset_at": "2026-04-05T10:00:07Z"})
    error = adapter.error_for(_error(429, body))
    assert isinstance(error, RateLimitError)
    assert error.retry_after == pytest.approx(7.0)


def test_retry_after_header_wins_over_reset_at(
    adapter: TruedyAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapter_module, "_now", lambda: NOW)
    body = _truedy_error("rate_limit_exceeded", details={"reset_at": "2026-04-05T10:00:50Z"})
    error = adapter.error_for(_error(429, body, {"retry-after": "3"}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 3.0


def test_429_without_any_hint(adapter: TruedyAdapter) -> None:
    error = adapter.error_for(_error(429, _truedy_error("rate_limit_exceeded")))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None
