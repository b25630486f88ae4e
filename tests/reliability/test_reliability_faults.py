"""Fault tests against the vendor emulators: what the client retries, waits out, or
reports as an unknown outcome, checked against what the emulator received and applied."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from reliability_support import (
    FACTS,
    KEY,
    LIVE_PROVIDERS,
    PROVIDERS,
    SleepLog,
    context_count,
    inject,
    vendor_requests,
)

import callswitch
from callswitch import emulators
from callswitch.emulators import Emulator
from callswitch.errors import (
    AuthenticationError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    TransportError,
)

Factory = Callable[..., Emulator]


@contextmanager
def client_for(emu: Emulator, where: str, **options: Any) -> Iterator[callswitch.Client]:
    """A sync client reaching ``emu`` in process, or over a loopback socket."""
    if where == "in_process":
        yield emu.connect(api_key=KEY, **options)
        return
    with emulators.running(emu) as base_url:
        client = callswitch.connect(emu.name, api_key=KEY, base_url=base_url, **options)
        with client:
            yield client


# ------------------------------------------------------------------ waiting out a 429


@pytest.mark.parametrize("provider", PROVIDERS)
def test_429_with_retry_after_1_is_waited_out_once(
    provider: str, callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    """A 429 with Retry-After: 1 on a read: one wait of exactly 1 s, one retry, success."""
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    emu.add_fault(method="GET", path=FACTS[provider].get_path, status=429, retry_after=1)
    call = emu.connect(api_key=KEY).calls.get(call_id)
    assert call.id == call_id
    assert sleeps.waits == [1.0]
    # Only the call's GET: Vapi's get may add a phone number lookup, which is not retried.
    assert [r["status"] for r in vendor_requests(emu, "GET", FACTS[provider].get_path)] == [
        429,
        200,
    ]


@pytest.mark.parametrize("provider", LIVE_PROVIDERS)
def test_429_on_live_control_is_retried_and_applied_once(
    provider: str, callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    """A 429 means the vendor refused without acting, so even live control is retried."""
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    path = FACTS[provider].control_path
    assert path is not None
    emu.add_fault(path=path, status=429, retry_after=1)
    result = emu.connect(api_key=KEY).calls.control(call_id, inject("VIP caller"))
    assert result.applied == ("control.inject_context",)
    assert sleeps.waits == [1.0]
    assert [r["status"] for r in vendor_requests(emu, path=path)] == [429, 200]
    assert context_count(emu, call_id, "VIP caller") == 1


def test_truedy_429_reset_at_without_retry_after_is_honoured(
    callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    """Truedy's 429 may carry only details.reset_at: the wait is read from it."""
    emu = callswitch_emulator("truedy")
    call_id = emu.call_id(emu.add_call("ongoing"))
    reset_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    body = {
        "error": {
            "code": "rate_limit_exceeded",
            "message": "Too many requests",
            "details": {"reset_at": reset_at},
        },
        "meta": {"request_id": "req_1", "ts": reset_at},
    }
    emu.add_fault(method="GET", path="/calls/*", status=429, body=body)
    call = emu.connect(api_key=KEY).calls.get(call_id)
    assert call.id == call_id
    assert len(sleeps.waits) == 1
    assert 0.0 < sleeps.waits[0] <= 1.0  # the time left until reset_at, not a backoff guess
    first = vendor_requests(emu, "GET")[0]
    assert first["status"] == 429
    # Not retried blindly either: with retries off, the error carries the wait.
    emu.add_fault(method="GET", path="/calls/*", status=429, body=body)
    with pytest.raises(RateLimitError) as info:
        emu.connect(api_key=KEY, max_retries=0).calls.get(call_id)
    assert info.value.retry_after is not None
    assert info.value.retry_after <= 1.0
    assert info.value.code == "rate_limit_exceeded"


# ----------------------------------------------------------- 503 twice on an update


@pytest.mark.parametrize("provider", PROVIDERS)
def test_503_twice_then_200_on_update_takes_exactly_three_requests(
    provider: str, callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    facts = FACTS[provider]
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    emu.add_fault(method=facts.update_method, path=facts.update_path, count=2, status=503)
    result = emu.connect(api_key=KEY).calls.update(call_id, facts.update)
    assert result.applied
    updates = vendor_requests(emu, facts.update_method, facts.update_path)
    assert [r["status"] for r in updates] == [503, 503, 200]
    assert len(sleeps.waits) == 2  # two backoffs, no Retry-After sent
    record = emu.get_call(call_id)
    if provider == "retell":
        assert record["metadata"] == {"ticket": "T-1"}
    elif provider == "vapi":
        assert record["name"] == "renamed"
    else:
        assert record["variables"]["plan"] == "gold"


# ------------------------------------------------- live control: never sent twice


@pytest.mark.parametrize("where", ["in_process", "socket"])
@pytest.mark.parametrize("provider", LIVE_PROVIDERS)
def test_live_control_dropped_after_it_was_applied_is_sent_once(
    provider: str, where: str, callswitch_emulator: Factory
) -> None:
    """The vendor applied the context, then the connection died: OutcomeUnknownError,
    no retry, and the context is in the call exactly once."""
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    path = FACTS[provider].control_path
    assert path is not None
    emu.add_fault(path=path, drop="after")
    with client_for(emu, where) as client, pytest.raises(OutcomeUnknownError) as info:
        client.calls.control(call_id, inject("caller is a VIP"))
    assert len(vendor_requests(emu, path=path)) == 1
    assert context_count(emu, call_id, "caller is a VIP") == 1
    error = info.value
    assert "did not retry" in str(error)
    assert "state" in str(error)
    assert "caller is a VIP" in repr(error.json)  # what was sent, for the caller to check
    assert KEY not in str(error)
    if provider == "vapi":
        assert "/live/" not in error.url  # the control URL is a credential: shown redacted


@pytest.mark.anyio
@pytest.mark.parametrize("provider", LIVE_PROVIDERS)
async def test_async_live_control_dropped_after_is_sent_once(
    provider: str, callswitch_emulator: Factory
) -> None:
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    path = FACTS[provider].control_path
    assert path is not None
    emu.add_fault(path=path, drop="after")
    http = httpx.AsyncClient(transport=emu.async_transport())
    client = emu.connect_async(api_key=KEY, http_client=http)
    try:
        with pytest.raises(OutcomeUnknownError):
            await client.calls.control(call_id, inject("async context"))
    finally:
        await http.aclose()
    assert len(vendor_requests(emu, path=path)) == 1
    assert context_count(emu, call_id, "async context") == 1


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize("provider", LIVE_PROVIDERS)
def test_5xx_on_live_control_is_not_retried(
    provider: str, status: int, callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    path = FACTS[provider].control_path
    assert path is not None
    emu.add_fault(path=path, status=status)
    with pytest.raises(ServerError) as info:
        emu.connect(api_key=KEY).calls.control(call_id, inject("not twice"))
    assert info.value.status_code == status
    assert len(vendor_requests(emu, path=path)) == 1
    assert sleeps.waits == []
    assert context_count(emu, call_id, "not twice") == 0


@pytest.mark.parametrize("provider", LIVE_PROVIDERS)
def test_end_dropped_after_is_outcome_unknown_and_sent_once(
    provider: str, callswitch_emulator: Factory
) -> None:
    """Hanging up is not safe to repeat either (a second stop-call could hit a new state)."""
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    path = "/v2/stop-call/*" if provider == "retell" else "/live/*/control"
    emu.add_fault(method="POST", path=path, drop="after")
    with pytest.raises(OutcomeUnknownError):
        emu.connect(api_key=KEY).calls.end(call_id)
    assert len(vendor_requests(emu, "POST", path)) == 1
    assert emu.vendor_status(emu.get_call(call_id)) == "ended"


# ---------------------------------------------------------------------- 401


@pytest.mark.parametrize("provider", PROVIDERS)
def test_401_is_authentication_error_without_retry(
    provider: str, callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    emu = callswitch_emulator(provider, api_key="the-right-key")
    call_id = emu.call_id(emu.add_call("ongoing"))
    with pytest.raises(AuthenticationError) as info:
        emu.connect(api_key="a-wrong-key").calls.get(call_id)
    assert info.value.status_code == 401
    assert len(emu.requests) == 1
    assert sleeps.waits == []
    assert "a-wrong-key" not in str(info.value)


# ------------------------------------------------------------------- creates


def _create(client: callswitch.Client, provider: str, **options: Any) -> Any:
    if provider == "retell":
        return client.calls.create_phone(
            from_number="+14155550100", to_number="+14155550123", **options
        )
    if provider == "truedy":
        return client.calls.create_phone(
            to_number="+14155550123", agent_id="agt_reliability", **options
        )
    return client.calls.create_phone(
        from_number="+14155550100", to_number="+14155550123", agent_id="asst-1", **options
    )


def _sent_key(provider: str, request: dict[str, Any]) -> str:
    if provider == "retell":
        return str(request["json"]["idempotency_key"])
    return str(request["headers"]["x-idempotency-key"])


@pytest.mark.parametrize("fault", [{"drop": "after"}, {"status": 503}, {"status": 502}])
@pytest.mark.parametrize("provider", ["retell", "truedy"])
def test_create_with_idempotency_key_is_retried_with_the_same_key(
    provider: str, fault: dict[str, Any], callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    """An ambiguous failure on a keyed create is retried with the same key; the vendor
    de-duplicates, so exactly one call exists and it is the one returned."""
    emu = callswitch_emulator(provider)
    path = FACTS[provider].create_path
    assert path is not None
    emu.add_fault(method="POST", path=path, **fault)
    call = _create(emu.connect(api_key=KEY), provider)
    creates = vendor_requests(emu, "POST", path)
    assert len(creates) == 2
    keys = {_sent_key(provider, r) for r in creates}
    assert len(keys) == 1
    assert "" not in keys
    assert list(emu.calls) == [call.id]


@pytest.mark.parametrize("where", ["in_process", "socket"])
@pytest.mark.parametrize("provider", ["retell", "truedy"])
def test_callers_idempotency_key_is_used_on_every_attempt(
    provider: str, where: str, callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    emu = callswitch_emulator(provider)
    path = FACTS[provider].create_path
    assert path is not None
    emu.add_fault(method="POST", path=path, drop="after")
    options = {"provider_options": {provider: {"idempotency_key": "order-4711"}}}
    with client_for(emu, where) as client:
        call = _create(client, provider, **options)
    creates = vendor_requests(emu, "POST", path)
    assert [_sent_key(provider, r) for r in creates] == ["order-4711", "order-4711"]
    assert list(emu.calls) == [call.id]


@pytest.mark.parametrize("where", ["in_process", "socket"])
def test_vapi_create_has_no_key_so_an_ambiguous_failure_is_outcome_unknown(
    where: str, callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    emu = callswitch_emulator("vapi")
    emu.add_fault(method="POST", path="/call", drop="after")
    with client_for(emu, where) as client, pytest.raises(OutcomeUnknownError) as info:
        _create(client, "vapi")
    assert len(vendor_requests(emu, "POST", "/call")) == 1
    assert len(emu.calls) == 1  # it was applied; the client cannot know, so it says so
    assert sleeps.waits == []
    assert info.value.json["customer"] == {"number": "+14155550123"}


def test_vapi_create_503_is_not_retried(callswitch_emulator: Factory, sleeps: SleepLog) -> None:
    emu = callswitch_emulator("vapi")
    emu.add_fault(method="POST", path="/call", status=503)
    with pytest.raises(ServerError):
        _create(emu.connect(api_key=KEY), "vapi")
    assert len(vendor_requests(emu, "POST", "/call")) == 1
    assert emu.calls == {}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_create_dropped_before_sending_a_response_on_a_fresh_connection(
    provider: str, callswitch_emulator: Factory
) -> None:
    """drop="before" on a socket: the vendor saw the request but did not apply it. The
    client cannot tell this from "after", so it treats both the same way."""
    emu = callswitch_emulator(provider)
    path = FACTS[provider].create_path
    assert path is not None
    emu.add_fault(method="POST", path=path, drop="before")
    with client_for(emu, "socket") as client:
        if provider == "vapi":
            with pytest.raises(OutcomeUnknownError):
                _create(client, provider)
            assert emu.calls == {}
        else:
            call = _create(client, provider)
            assert list(emu.calls) == [call.id]


# ------------------------------------------------------------------- timeouts


@pytest.mark.parametrize("provider", PROVIDERS)
def test_client_timeout_applies_to_every_call(provider: str, callswitch_emulator: Factory) -> None:
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    emu.add_fault(method="GET", path=FACTS[provider].get_path, delay=1.0)
    client = emu.connect(api_key=KEY, timeout=0.2, max_retries=0)
    with pytest.raises(TransportError) as info:
        client.calls.get(call_id)
    assert type(info.value) is TransportError  # a read is not an unknown outcome
    assert "Timeout" in str(info.value)
    assert len(vendor_requests(emu, "GET")) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_per_call_timeout_override(provider: str, callswitch_emulator: Factory) -> None:
    """with_options(timeout=...) shortens one use; the client keeps its own default."""
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    get_path = FACTS[provider].get_path
    client = emu.connect(api_key=KEY)  # default timeout: 30 s
    emu.add_fault(method="GET", path=get_path, delay=0.6)
    with pytest.raises(TransportError):
        client.with_options(timeout=0.1, max_retries=0).calls.get(call_id)
    emu.add_fault(method="GET", path=get_path, delay=0.6)
    assert client.calls.get(call_id).id == call_id


@pytest.mark.parametrize("provider", PROVIDERS)
def test_timeout_on_a_read_is_retried(
    provider: str, callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    emu.add_fault(method="GET", path=FACTS[provider].get_path, delay=1.0)
    call = emu.connect(api_key=KEY, timeout=0.2).calls.get(call_id)
    assert call.id == call_id
    assert len(vendor_requests(emu, "GET", FACTS[provider].get_path)) == 2
    assert len(sleeps.waits) == 1


@pytest.mark.parametrize("provider", LIVE_PROVIDERS)
def test_timeout_on_live_control_is_outcome_unknown_and_not_retried(
    provider: str, callswitch_emulator: Factory, sleeps: SleepLog
) -> None:
    emu = callswitch_emulator(provider)
    call_id = emu.call_id(emu.add_call("ongoing"))
    path = FACTS[provider].control_path
    assert path is not None
    emu.add_fault(path=path, delay=1.0)
    client = emu.connect(api_key=KEY).with_options(timeout=0.2)
    with pytest.raises(OutcomeUnknownError) as info:
        client.calls.control(call_id, inject("slow context"))
    assert "ReadTimeout" in str(info.value)
    assert len(vendor_requests(emu, path=path)) == 1
    assert sleeps.waits == []


def test_connection_refused_is_retried_even_for_live_control(sleeps: SleepLog) -> None:
    """Nothing listens on the port: the request provably never left, so an unsafe request
    is retried, and finally reported as a plain TransportError (not an unknown outcome)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The socket is closed: connecting to the port is refused.
    client = callswitch.connect("retell", api_key=KEY, base_url=f"http://127.0.0.1:{port}")
    with client, pytest.raises(TransportError) as info:
        client.calls.control("call_1", inject("x"))
    assert type(info.value) is TransportError
    assert len(sleeps.waits) == 2  # max_retries=2


def test_httpx_errors_never_escape(callswitch_emulator: Factory) -> None:
    """Whatever the fault, the caller sees callswitch errors only."""
    emu = callswitch_emulator("retell")
    call_id = emu.call_id(emu.add_call("ongoing"))
    client = emu.connect(api_key=KEY, max_retries=0, timeout=0.2)
    for fault in ({"drop": "before"}, {"drop": "after"}, {"delay": 1.0}, {"status": 502}):
        emu.add_fault(method="GET", path="/v2/get-call/*", **fault)
        with pytest.raises(callswitch.errors.CallswitchError) as info:
            client.calls.get(call_id)
        assert not isinstance(info.value, httpx.HTTPError)
