"""The one retry loop: what is retried, how often, and what is never sent twice."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import httpx
import pytest

import callswitch
from callswitch import CallUpdate, LiveControl
from callswitch._retry import RetryPolicy
from callswitch.errors import (
    AuthenticationError,
    OutcomeUnknownError,
    ProviderError,
    RateLimitError,
    ServerError,
    TransportError,
)
from callswitch.http import Response, Safety


class Script:
    """A mock transport that answers from a script and counts what it received."""

    def __init__(self, *steps: httpx.Response | Exception) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step


def _client(provider: str, script: Script, **kw: object) -> callswitch.Client:
    http = httpx.Client(transport=httpx.MockTransport(script))
    return callswitch.connect(provider, api_key="k-live-123", http_client=http, **kw)  # type: ignore[arg-type]


OK_CALL = httpx.Response(200, json={"id": "c1", "status": "ended"})


def test_429_with_retry_after_is_waited_out_once(fake_provider: str) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "1"}, json={}), OK_CALL)
    waits: list[float] = []
    call = _client(fake_provider, script).with_options(sleep=waits.append).calls.get("c1")
    assert call.id == "c1"
    assert len(script.requests) == 2
    assert waits == [1.0]


class FakeClock:
    """A monotonic clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_deadline_counts_injected_waits(fake_provider: str) -> None:
    """The retry deadline (120 s) is read from the injected clock: two 50 s waits fit,
    a third would end past it, so the 429 is raised after three requests."""
    script = Script(httpx.Response(429, headers={"Retry-After": "50"}, json={"message": "slow"}))
    clock = FakeClock()
    client = _client(fake_provider, script).with_options(
        max_retries=5, sleep=clock.sleep, clock=clock
    )
    with pytest.raises(RateLimitError):
        client.calls.get("c1")
    assert clock.waits == [50.0, 50.0]
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_async_client_waits_through_the_injected_sleep(fake_provider: str) -> None:
    """The async client awaits an async sleep, and accepts a plain callable too."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    for sleep in (record, waits.append):
        ok = httpx.Response(200, json={"id": "c1", "status": "ended"})
        script = Script(httpx.Response(503, headers={"Retry-After": "2"}), ok)
        async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
            aclient = callswitch.connect_async(fake_provider, api_key="k", http_client=http)
            call = await aclient.with_options(sleep=sleep).calls.get("c1")
        assert call.id == "c1"
        assert len(script.requests) == 2
    assert waits == [2.0, 2.0]


def test_with_options_refuses_a_sleep_that_is_not_callable(fake_provider: str) -> None:
    from callswitch.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="sleep must be callable"):
        _client(fake_provider, Script(OK_CALL)).with_options(sleep=1.0)  # type: ignore[arg-type]


def test_engine_drive_is_steps_without_io(fake_provider: str) -> None:
    """The one retry-and-drive loop yields steps (send, wait, send) and does no IO itself:
    a test can answer them by hand."""
    from callswitch.client import _Send

    client = _client(fake_provider, Script(OK_CALL))
    policy = RetryPolicy(max_retries=1)
    to_response = client._engine.to_response
    steps = client._engine.drive(client._engine.adapter.get("c1"), None, policy, httpx.Timeout(1.0))
    send = steps.send(None)
    assert isinstance(send, _Send)
    assert (send.method, send.url) == ("GET", "https://fake.invalid/api/calls/c1")
    wait = steps.send(to_response(httpx.Response(503, headers={"Retry-After": "3"})))
    assert wait == 3.0
    assert steps.send(None) is send
    with pytest.raises(StopIteration) as done:
        steps.send(to_response(OK_CALL))
    assert done.value.value.id == "c1"


def test_each_error_response_is_mapped_once(fake_provider: str) -> None:
    """The adapter's error mapping gives both the wait (Retry-After) and the raised error:
    it runs once per error response, not once for each."""
    script = Script(httpx.Response(429, headers={"Retry-After": "2"}, json={"message": "slow"}))
    client = _client(fake_provider, script, max_retries=1).with_options(sleep=lambda s: None)
    adapter = client._engine.adapter
    mapped: list[int] = []
    original = adapter.error_for

    def counting(response: Response) -> ProviderError:
        mapped.append(response.status_code)
        return original(response)

    adapter.error_for = counting  # type: ignore[method-assign]
    with pytest.raises(RateLimitError):
        client.calls.get("c1")
    assert len(script.requests) == 2
    assert mapped == [429, 429]


def test_503_twice_then_200_on_update_takes_three_requests(fake_provider: str) -> None:
    script = Script(httpx.Response(503), httpx.Response(503), OK_CALL)
    result = _client(fake_provider, script).calls.update("c1", CallUpdate(name="x"))
    assert result.call is not None
    assert len(script.requests) == 3
    assert {r.content for r in script.requests} == {b'{"name":"x"}'}


def test_retries_are_bounded(fake_provider: str) -> None:
    script = Script(httpx.Response(502, json={"message": "bad gateway"}))
    with pytest.raises(ServerError, match="bad gateway") as info:
        _client(fake_provider, script, max_retries=1).calls.get("c1")
    assert info.value.status_code == 502
    assert len(script.requests) == 2


def test_zero_retries(fake_provider: str) -> None:
    script = Script(httpx.Response(503))
    with pytest.raises(ServerError):
        _client(fake_provider, script, max_retries=0).calls.get("c1")
    assert len(script.requests) == 1


def test_dropped_connection_on_live_control_is_sent_once(fake_provider: str) -> None:
    script = Script(httpx.RemoteProtocolError("peer closed connection mid-response"))
    control = LiveControl(inject_context="caller is a VIP")
    with pytest.raises(OutcomeUnknownError, match="may or may not have been applied") as info:
        _client(fake_provider, script).calls.control("c1", control)
    assert len(script.requests) == 1
    assert info.value.json == {"inject_context": "caller is a VIP"}
    assert info.value.method == "POST"
    assert "k-live-123" not in str(info.value)


def test_read_timeout_on_live_control_is_outcome_unknown(fake_provider: str) -> None:
    script = Script(httpx.ReadTimeout("timed out"))
    with pytest.raises(OutcomeUnknownError):
        _client(fake_provider, script).calls.end("c1")
    assert len(script.requests) == 1


def test_500_on_live_control_is_not_retried(fake_provider: str) -> None:
    script = Script(httpx.Response(500, json={"message": "boom"}), httpx.Response(200, json={}))
    with pytest.raises(ServerError, match="boom"):
        _client(fake_provider, script).calls.control(
            "c1", LiveControl(say="x", end_call=True).model_copy(update={"say": None})
        )
    assert len(script.requests) == 1


def test_503_on_live_control_is_not_retried(fake_provider: str) -> None:
    script = Script(httpx.Response(503), httpx.Response(200, json={}))
    with pytest.raises(ServerError):
        _client(fake_provider, script).calls.control("c1", LiveControl(inject_context="x"))
    assert len(script.requests) == 1


def test_429_on_live_control_is_retried(fake_provider: str) -> None:
    script = Script(httpx.Response(429, headers={"retry-after-ms": "10"}), httpx.Response(200))
    result = _client(fake_provider, script).calls.control("c1", LiveControl(inject_context="x"))
    assert result.applied == ("control.inject_context",)
    assert len(script.requests) == 2


def test_connect_error_on_live_control_is_retried(fake_provider: str) -> None:
    script = Script(httpx.ConnectError("refused"), httpx.Response(200))
    _client(fake_provider, script).calls.control("c1", LiveControl(inject_context="x"))
    assert len(script.requests) == 2


def test_connect_error_everywhere_becomes_transport_error(fake_provider: str) -> None:
    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(TransportError, match="Check the network") as info:
        _client(fake_provider, script, max_retries=1).calls.get("c1")
    assert not isinstance(info.value, OutcomeUnknownError)
    assert len(script.requests) == 2


def test_read_error_on_get_is_retried(fake_provider: str) -> None:
    script = Script(httpx.ReadError("reset"), OK_CALL)
    assert _client(fake_provider, script).calls.get("c1").id == "c1"
    assert len(script.requests) == 2


def test_401_is_not_retried(fake_provider: str) -> None:
    script = Script(httpx.Response(401, json={"message": "bad key"}))
    with pytest.raises(AuthenticationError, match="bad key") as info:
        _client(fake_provider, script).calls.get("c1")
    assert len(script.requests) == 1
    assert "k-live-123" not in str(info.value)
    assert "k-live-123" not in repr(info.value.__dict__)


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_other_4xx_not_retried(fake_provider: str, status: int) -> None:
    script = Script(httpx.Response(status, json={"message": "no"}))
    with pytest.raises(ProviderError):
        _client(fake_provider, script).calls.get("c1")
    assert len(script.requests) == 1


def test_retry_after_beyond_cap_raises_with_retry_after(fake_provider: str) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "3600"}, json={"message": "slow"}))
    with pytest.raises(RateLimitError) as info:
        _client(fake_provider, script).calls.get("c1")
    assert info.value.retry_after == 3600.0
    assert len(script.requests) == 1


def test_non_json_body_is_provider_error_with_raw_text(fake_provider: str) -> None:
    script = Script(httpx.Response(200, text="<html>gateway</html>"))
    with pytest.raises(ProviderError, match="not valid JSON") as info:
        _client(fake_provider, script).calls.get("c1")
    assert info.value.body == "<html>gateway</html>"


def test_non_json_error_body_keeps_text(fake_provider: str) -> None:
    script = Script(httpx.Response(500, text="upstream exploded"))
    with pytest.raises(ServerError, match="upstream exploded"):
        _client(fake_provider, script, max_retries=0).calls.get("c1")


def test_logs_never_hold_the_key(fake_provider: str, caplog: pytest.LogCaptureFixture) -> None:
    script = Script(httpx.Response(503), OK_CALL)
    with caplog.at_level(logging.DEBUG):
        _client(fake_provider, script).calls.get("c1")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "fake calls.get GET https://fake.invalid/api/calls/c1 -> 503" in text
    assert "k-live-123" not in text
    assert json.dumps([r.__dict__ for r in caplog.records], default=str).find("k-live-123") < 0


def test_policy_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(max_retries=10, base_delay=0.5, max_delay=2.0)
    waits = [policy.backoff(n) for n in range(1, 11) for _ in range(20)]
    assert all(0.0 <= w <= 2.0 for w in waits)
    assert len(set(waits)) > 10


def test_policy_deadline_stops_retries() -> None:
    policy = RetryPolicy(max_retries=5, deadline=1.0)
    assert policy.after_status(503, Safety.IDEMPOTENT, 1, 0.5, elapsed=0.9) is None
    assert policy.after_status(503, Safety.IDEMPOTENT, 1, 0.05, elapsed=0.9) == 0.05
    assert policy.after_status(503, Safety.UNSAFE, 1, 0.05, elapsed=0.0) is None
    assert policy.after_status(429, Safety.UNSAFE, 1, 0.05, elapsed=0.0) == 0.05


def test_credential_urls_are_redacted_in_logs_and_errors(
    fake_provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An absolute, unauthenticated URL (a control URL) never appears in logs or errors,
    and the API key is not sent to it."""
    from callswitch.http import Request

    secret_url = "https://ctl.invalid/calls/c1/control-TOKEN123"
    script = Script(httpx.Response(200, json={}), httpx.ReadError("reset"))
    client = _client(fake_provider, script)

    def plan():  # type: ignore[no-untyped-def]
        yield Request("POST", secret_url, json={"a": 1}, safety=Safety.UNSAFE, authenticate=False)
        yield Request("POST", secret_url, json={"a": 2}, safety=Safety.UNSAFE, authenticate=False)

    with caplog.at_level(logging.DEBUG), pytest.raises(OutcomeUnknownError) as info:
        client._run(plan())
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "TOKEN123" not in text
    assert "https://ctl.invalid/..." in text
    assert "TOKEN123" not in str(info.value)
    assert "authorization" not in script.requests[0].headers


def test_credential_url_redaction_is_scoped_to_its_send(
    fake_provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The redaction is per request: callswitch keeps no store of credential URLs, so a
    line logged outside the send (or for an authenticated URL) is left as it is."""
    from callswitch.http import Request

    secret_url = "https://ctl.invalid/calls/c2/control-TOKEN456"
    script = Script(httpx.Response(200, json={}), OK_CALL)
    client = _client(fake_provider, script)

    def plan():  # type: ignore[no-untyped-def]
        yield Request("POST", secret_url, json={}, safety=Safety.UNSAFE, authenticate=False)

    with caplog.at_level(logging.INFO, logger="httpx"):
        client._run(plan())
        client.calls.get("c1")
        logging.getLogger("httpx").info("elsewhere: %s", secret_url)
    lines = [r.getMessage() for r in caplog.records]
    assert "TOKEN456" not in lines[0]
    assert "https://fake.invalid/api/calls/c1" in lines[1]
    assert lines[2] == f"elsewhere: {secret_url}"


@pytest.mark.anyio
async def test_credential_url_redacted_for_the_async_client(
    fake_provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    from callswitch.http import Request

    secret_url = "https://ctl.invalid/calls/c3/control-TOKEN789"

    def plan():  # type: ignore[no-untyped-def]
        yield Request("POST", secret_url, json={}, safety=Safety.UNSAFE, authenticate=False)

    ok = httpx.Response(200, json={})
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: ok)) as http:
        aclient = callswitch.connect_async(fake_provider, api_key="k", http_client=http)
        with caplog.at_level(logging.INFO, logger="httpx"):
            await aclient._run(plan())
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "https://ctl.invalid/..." in text
    assert "TOKEN789" not in text


def test_import_installs_no_log_filter() -> None:
    """Nothing is added to httpx's logger until a credential URL is sent."""
    code = (
        "import logging, callswitch, callswitch.client; "
        "print(len(logging.getLogger('httpx').filters))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "0"


@pytest.mark.parametrize("provider", ["retell", "truedy"])
def test_keyed_create_that_stays_ambiguous_hands_back_its_key(provider: str) -> None:
    """Every attempt of a keyed create failed after sending: the call may exist, so the
    error is OutcomeUnknownError carrying the key, and retrying with it reuses it."""
    script = Script(httpx.ReadError("reset mid-response"))
    client = _client(provider, script, max_retries=1)
    kwargs = {"from_number": "+14155550100", "to_number": "+14155550123", "agent_id": "agent_1"}
    with pytest.raises(OutcomeUnknownError, match="Retry with the same key") as info:
        client.calls.create_phone(**kwargs)
    key = info.value.idempotency_key
    assert key
    sent = {_key_of(r) for r in script.requests}
    assert sent == {key}
    assert len(script.requests) == 2
    script.requests.clear()
    with pytest.raises(OutcomeUnknownError):
        client.calls.create_phone(**kwargs, provider_options={provider: {"idempotency_key": key}})
    assert {_key_of(r) for r in script.requests} == {key}


def _key_of(request: httpx.Request) -> str | None:
    header = request.headers.get("x-idempotency-key")
    return header or json.loads(request.content).get("idempotency_key")


def test_keyed_create_5xx_after_retries_carries_the_key() -> None:
    """A 503 on every attempt leaves open whether the call was placed: the error says
    which key to reuse."""
    script = Script(httpx.Response(503, json={"status": "error", "message": "busy"}))
    client = _client("retell", script, max_retries=1)
    with pytest.raises(ServerError) as info:
        client.calls.create_phone(from_number="+14155550100", to_number="+14155550123")
    key = info.value.idempotency_key
    assert key == json.loads(script.requests[0].content)["idempotency_key"]
    assert any("reuse the key" in note for note in info.value.__notes__)


def test_errors_pickle_with_their_attributes() -> None:
    import pickle

    from callswitch.errors import NotFoundError, UnsupportedCapabilityError

    cases = [
        NotFoundError("gone", provider="p", status_code=404, request_id="r1"),
        RateLimitError("slow", provider="p", status_code=429, retry_after=2.5),
        OutcomeUnknownError("?", method="POST", url="u", json={"a": 1}, idempotency_key="k"),
        UnsupportedCapabilityError("p", ("control.say",)),
    ]
    for error in cases:
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert vars(copy) == vars(error)


def test_with_options_validates_max_retries(fake_provider: str) -> None:
    from callswitch.errors import ConfigurationError

    client = _client(fake_provider, Script(OK_CALL))
    with pytest.raises(ConfigurationError, match="max_retries"):
        client.with_options(max_retries=-5)
    with pytest.raises(ConfigurationError, match="max_retries"):
        client.with_options(max_retries="3")  # type: ignore[arg-type]
