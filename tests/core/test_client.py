"""The client's own rules: unsupported-field policy, provider_options, ids, sync = async."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator

import httpx
import pytest

import callswitch
from callswitch import CallUpdate, DataStorage, LiveControl
from callswitch.errors import (
    InvalidRequestError,
    UnsupportedCapabilityError,
    UnsupportedCapabilityWarning,
)
from callswitch.hookspecs import hookimpl
from callswitch.provider import ProviderSpec
from callswitch.registry import default_registry

Handler = Callable[[httpx.Request], httpx.Response]


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing should be sent, got {request.method} {request.url}")


def _client(provider: str, handler: Handler = _never, **kw: object) -> callswitch.Client:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return callswitch.connect(provider, api_key="k-secret", http_client=http, **kw)  # type: ignore[arg-type]


def _echo(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content or b"{}")
    return httpx.Response(200, json={"id": "c1", "status": "ongoing", "echo": body})


def test_supports_answers_from_declarations(fake_provider: str) -> None:
    client = _client(fake_provider)
    assert client.provider == "fake"
    assert client.supports("control.inject_context") is True
    assert client.supports(callswitch.Capability.CONTROL_SAY) is False
    assert len(list(client.capabilities)) == len(callswitch.Capability)


def test_unsupported_field_refused_before_sending(fake_provider: str) -> None:
    client = _client(fake_provider)
    with pytest.raises(UnsupportedCapabilityError) as info:
        client.calls.control("c1", LiveControl(inject_context="x", say="hi", mute_assistant=True))
    assert info.value.capabilities == ("control.say", "control.mute")
    assert "fake does not support control.say, control.mute" in str(info.value)


def test_drop_policy_sends_the_rest_and_reports(fake_provider: str) -> None:
    sent: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={})

    client = _client(fake_provider, handler, on_unsupported="drop")
    with pytest.warns(UnsupportedCapabilityWarning, match="control.say"):
        result = client.calls.control("c1", LiveControl(inject_context="x", say="hi"))
    assert sent == [{"inject_context": "x"}]
    assert result.applied == ("control.inject_context",)
    assert result.dropped == ("control.say",)


def test_drop_everything_sends_nothing(fake_provider: str) -> None:
    client = _client(fake_provider, on_unsupported="drop")
    with pytest.warns(UnsupportedCapabilityWarning):
        result = client.calls.update("c1", CallUpdate(greeting="hello"))
    assert result.dropped == ("update.greeting",)
    assert result.applied == ()
    assert result.call is None


def test_privacy_field_never_dropped(fake_provider: str) -> None:
    client = _client(fake_provider, on_unsupported="drop")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UnsupportedCapabilityError, match="never dropped"):
            client.calls.update("c1", CallUpdate(recording_enabled=False, name="n"))


def test_update_sends_supported_fields(fake_provider: str) -> None:
    client = _client(fake_provider, _echo)
    result = client.calls.update(
        "c1", CallUpdate(metadata={"a": 1}, data_storage=DataStorage.BASIC_ATTRIBUTES_ONLY)
    )
    assert result.call is not None
    assert result.call.raw["echo"] == {
        "metadata": {"a": 1},
        "data_storage": "basic_attributes_only",
    }
    assert result.applied == ("update.metadata", "update.data_storage")


def test_empty_update_refused(fake_provider: str) -> None:
    with pytest.raises(InvalidRequestError, match="sets no field"):
        _client(fake_provider).calls.update("c1", CallUpdate())


def test_wrong_input_type_refused(fake_provider: str) -> None:
    with pytest.raises(InvalidRequestError, match="takes a CallUpdate"):
        _client(fake_provider).calls.update("c1", {"name": "x"})  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="takes a LiveControl"):
        _client(fake_provider).calls.control("c1", CallUpdate(name="x"))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_id", ["", "../admin", "a/b", "a b", "c?x=1", "%2e%2e", ".."])
def test_path_unsafe_ids_refused(fake_provider: str, bad_id: str) -> None:
    client = _client(fake_provider)
    with pytest.raises(InvalidRequestError, match="call_id"):
        client.calls.get(bad_id)
    with pytest.raises(InvalidRequestError, match="call_id"):
        client.calls.control(bad_id, LiveControl(inject_context="x"))


def test_non_string_id_refused(fake_provider: str) -> None:
    with pytest.raises(InvalidRequestError, match="non-empty string"):
        _client(fake_provider).calls.get(123)  # type: ignore[arg-type]


def test_unsupported_operation_refused(fake_provider: str) -> None:
    with pytest.raises(UnsupportedCapabilityError, match="calls.delete"):
        _client(fake_provider).calls.delete("c1")


def test_provider_options_merge_and_clash(fake_provider: str) -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(201, json={"id": "c9", "status": "queued"})

    client = _client(fake_provider, handler)
    client.calls.create_phone(
        to_number="+14155550123",
        provider_options={"fake": {"extra": 1}, "other": {"ignored": True}},
    )
    assert seen == [{"to": "+14155550123", "extra": 1}]
    with pytest.raises(InvalidRequestError, match="already sets from the neutral"):
        client.calls.create_phone(to_number="+14155550123", provider_options={"fake": {"to": "x"}})
    assert len(seen) == 1


def test_unknown_list_filter_refused(fake_provider: str) -> None:
    with pytest.raises(InvalidRequestError, match="unknown list filter colour"):
        _client(fake_provider).calls.list(colour="red")


def test_negative_limit_refused(fake_provider: str) -> None:
    with pytest.raises(InvalidRequestError, match="limit"):
        _client(fake_provider).calls.list(limit=-1)


def _pages(request: httpx.Request) -> httpx.Response:
    offset = int(request.url.params["offset"])
    data = [{"id": f"c{offset + i}"} for i in range(2)]
    return httpx.Response(200, json={"data": data, "more": offset < 6})


def test_list_is_lazy(fake_provider: str) -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return _pages(request)

    client = _client(fake_provider, handler)
    iterator = client.calls.list()
    assert count == 0
    first = next(iterator)
    assert (first.id, count) == ("c0", 1)
    assert [c.id for c in client.calls.list(limit=3)] == ["c0", "c1", "c2"]
    assert count == 3
    assert len(list(client.calls.list())) == 8


def test_list_limit_zero_sends_nothing(fake_provider: str) -> None:
    assert list(_client(fake_provider).calls.list(limit=0)) == []


@pytest.mark.anyio
async def test_async_matches_sync(fake_provider: str) -> None:
    sync = _client(fake_provider, _pages)
    http = httpx.AsyncClient(transport=httpx.MockTransport(_pages))
    aclient = callswitch.connect_async(fake_provider, api_key="k", http_client=http)
    async_ids = [c async for c in aclient.calls.list(limit=5)]
    assert async_ids == list(sync.calls.list(limit=5))
    echo = httpx.AsyncClient(transport=httpx.MockTransport(_echo))
    aclient = callswitch.connect_async(fake_provider, api_key="k", http_client=echo)
    sync = _client(fake_provider, _echo)
    update = CallUpdate(metadata={"x": "y"})
    assert await aclient.calls.update("c1", update) == sync.calls.update("c1", update)
    control = LiveControl(inject_context="hello", trigger_response=True)
    assert await aclient.calls.control("c1", control) == sync.calls.control("c1", control)
    assert await aclient.calls.get("c1") == sync.calls.get("c1")
    await http.aclose()
    await echo.aclose()


def test_caller_http_client_not_closed(fake_provider: str) -> None:
    http = httpx.Client(transport=httpx.MockTransport(_echo))
    with callswitch.connect(fake_provider, api_key="k", http_client=http) as client:
        client.calls.get("c1")
    assert not http.is_closed


def test_with_options_shares_connections(fake_provider: str) -> None:
    client = _client(fake_provider, _echo)
    other = client.with_options(timeout=2, max_retries=0)
    assert other._http is client._http
    assert other.with_options(max_retries=1)._http is client._http
    assert other._timeouts.total == 2.0
    assert other._retry.max_retries == 0
    assert client._retry.max_retries == 2


def test_bad_list_filter_raises_at_the_call_not_at_iteration(fake_provider: str) -> None:
    """The first page's plan is primed by calls.list(), so bad input fails right away."""
    with pytest.raises(InvalidRequestError, match="colour"):
        _client(fake_provider).calls.list(colour="red")


@pytest.mark.anyio
async def test_async_list_primes_first_page_without_sending(fake_provider: str) -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return _pages(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    aclient = callswitch.connect_async(fake_provider, api_key="k", http_client=http)
    iterator = aclient.calls.list(limit=3)
    assert count == 0
    assert [c.id async for c in iterator] == ["c0", "c1", "c2"]
    assert count == 2
    await http.aclose()


def test_safe_ids_are_sent_unchanged(fake_provider: str) -> None:
    """Ids pass the allow-list unescaped, so results and errors show them as given."""
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path.decode())
        return httpx.Response(200, json={"id": "x", "status": "ended"})

    _client(fake_provider, handler).calls.get("call:A~b.c_d-1")
    assert paths == ["/api/calls/call:A~b.c_d-1"]


class _Variant:
    """A plugin registering the fake adapter as provider ``name`` with other declarations."""

    def __init__(self, name: str, unsupported: set[callswitch.Capability]) -> None:
        from callswitch.capabilities import Capabilities, Support

        rows = tuple(
            Support(c, c not in unsupported, "variant note for " + c.value, "tests/core")
            for c in callswitch.Capability
        )
        self.spec = ProviderSpec(
            name=name,
            adapter="fakeprovider:FakeAdapter",
            capabilities=Capabilities(name, rows),
            default_base_url="https://variant.invalid/api",
            api_key_env="VARIANT_API_KEY",
        )

    @hookimpl
    def register_providers(self, register: Callable[[ProviderSpec], None]) -> None:
        register(self.spec)


@pytest.fixture
def no_context_provider() -> Iterator[str]:
    """'noctx': like 'fake', but without control.inject_context (trigger_response kept)."""
    registry = default_registry()
    (name,) = registry.register_plugin(
        _Variant("noctx", {callswitch.Capability.CONTROL_INJECT_CONTEXT}), name="noctx plugin"
    )
    try:
        yield name
    finally:
        registry.unregister(name)


def _recorder(sent: list[dict[str, object]]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content or b"{}"))
        return httpx.Response(200, json={})

    return handler


def test_trigger_for_dropped_context_is_dropped_with_it(no_context_provider: str) -> None:
    """One rule, in the client: when inject_context is dropped, the trigger that would
    answer it goes too, listed in dropped and named in the warning."""
    sent: list[dict[str, object]] = []
    client = _client(no_context_provider, _recorder(sent), on_unsupported="drop")
    control = LiveControl(inject_context="VIP", trigger_response=True, end_call=True)
    with pytest.warns(UnsupportedCapabilityWarning) as caught:
        result = client.calls.control("c1", control)
    assert sent == [{"end_call": True}]
    assert result.applied == ("control.end_call",)
    assert result.dropped == ("control.inject_context", "control.trigger_response")
    message = str(caught[0].message)
    assert "does not support control.inject_context;" in message
    assert "and control.trigger_response, which only qualifies what was dropped" in message


def test_trigger_alone_is_sent_where_supported(no_context_provider: str) -> None:
    """trigger_response on its own is a request of its own (Retell documents it alone)."""
    sent: list[dict[str, object]] = []
    client = _client(no_context_provider, _recorder(sent), on_unsupported="drop")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = client.calls.control("c1", LiveControl(trigger_response=True))
    assert sent == [{"trigger_response": True}]
    assert result.dropped == ()


def test_context_and_trigger_both_dropped_send_nothing(no_context_provider: str) -> None:
    client = _client(no_context_provider, on_unsupported="drop")
    with pytest.warns(UnsupportedCapabilityWarning, match="control.trigger_response"):
        result = client.calls.control("c1", LiveControl(inject_context="x", trigger_response=False))
    assert result.applied == ()
    assert result.dropped == ("control.inject_context", "control.trigger_response")


def test_missing_context_with_trigger_refused_naming_the_context(
    no_context_provider: str,
) -> None:
    """With on_unsupported="error" only the unsupported field is named; nothing is sent."""
    client = _client(no_context_provider)
    with pytest.raises(UnsupportedCapabilityError) as info:
        client.calls.control("c1", LiveControl(inject_context="x", trigger_response=True))
    assert info.value.capabilities == ("control.inject_context",)


@pytest.fixture
def no_update_provider() -> Iterator[str]:
    """'noupdate': like 'fake', but without calls.update (its field rows say supported)."""
    registry = default_registry()
    (name,) = registry.register_plugin(
        _Variant("noupdate", {callswitch.Capability.CALLS_UPDATE}), name="noupdate plugin"
    )
    try:
        yield name
    finally:
        registry.unregister(name)


def test_unsupported_update_refused_naming_every_field(no_update_provider: str) -> None:
    with pytest.raises(UnsupportedCapabilityError) as info:
        _client(no_update_provider).calls.update("c1", CallUpdate(name="n", metadata={"a": 1}))
    assert info.value.capabilities == ("update.metadata", "update.name")
    assert "calls.update: variant note for calls.update" in str(info.value)


def test_unsupported_update_with_drop_drops_everything(no_update_provider: str) -> None:
    """Like calls.control: with "drop", a provider without calls.update sends nothing and
    reports every field dropped."""
    client = _client(no_update_provider, on_unsupported="drop")
    with pytest.warns(UnsupportedCapabilityWarning, match="does not support calls.update;"):
        result = client.calls.update("c1", CallUpdate(name="n", metadata={"a": 1}))
    assert result.dropped == ("update.metadata", "update.name")
    assert result.applied == ()
    assert result.call is None


def test_unsupported_update_with_drop_still_refuses_privacy(no_update_provider: str) -> None:
    client = _client(no_update_provider, on_unsupported="drop")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UnsupportedCapabilityError, match="never dropped") as info:
            client.calls.update(
                "c1", CallUpdate(name="n", data_storage=DataStorage.BASIC_ATTRIBUTES_ONLY)
            )
    assert info.value.capabilities == ("update.data_storage", "update.name")


def test_close_without_sending_makes_no_http_client(fake_provider: str) -> None:
    client = callswitch.connect(fake_provider, api_key="k")
    client.close()
    assert client._http_client is None
    # A callswitch error (not httpx's RuntimeError), saying nothing was sent.
    with pytest.raises(callswitch.errors.TransportError, match="closed") as info:
        client.calls.get("c1")
    assert info.value.sent is False
    assert client._http_client is None


@pytest.mark.anyio
async def test_aclose_without_sending_makes_no_http_client(fake_provider: str) -> None:
    async with callswitch.connect_async(fake_provider, api_key="k") as aclient:
        assert aclient.supports("calls.get")
    assert aclient._http_client is None
    with pytest.raises(callswitch.errors.TransportError, match="closed") as info:
        await aclient.calls.get("c1")
    assert info.value.sent is False


def test_register_plugin_returns_what_unregister_takes() -> None:
    import fakeprovider
    from callswitch.registry import Registry

    registry = Registry(group="callswitch.test-core-registry")
    assert registry.register_plugin(fakeprovider) == ("fake",)
    assert registry.names() == ("fake",)
    registry.unregister("fake")
    assert registry.names() == ()


def test_request_headers_do_not_leak_between_requests(fake_provider: str) -> None:
    """Headers are built once per client and shared; a request's own headers are merged
    into a copy, so they never reach the next request, and the key stays off URLs that
    are their own credential."""
    from callswitch.http import Request

    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={"id": "c1", "status": "ended"})

    client = _client(fake_provider, handler)

    def plan():  # type: ignore[no-untyped-def]
        yield Request("POST", "/calls", headers={"X-Idempotency-Key": "k1"})
        yield Request("POST", "https://ctl.invalid/c1", authenticate=False)

    client._run(plan())
    client.calls.get("c1")
    assert seen[0]["x-idempotency-key"] == "k1"
    assert seen[0]["authorization"] == "Bearer k-secret"
    assert "authorization" not in seen[1]
    assert "x-idempotency-key" not in seen[1]
    assert "x-idempotency-key" not in seen[2]
    assert seen[2]["authorization"] == "Bearer k-secret"
    assert all(h["user-agent"].startswith("callswitch/") for h in seen)


def test_request_headers_replace_base_headers_whatever_their_case(fake_provider: str) -> None:
    from callswitch.http import Request

    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "c1", "status": "ongoing"})

    client = _client(fake_provider, record)
    engine = client._engine
    own = Request("GET", "/calls/c1", headers={"user-agent": "mine/1", "X-Extra": "1"})
    plain = Request("GET", "/calls/c1")

    def plan():  # type: ignore[no-untyped-def]
        yield own
        yield plain

    client._run(plan())
    first, second = sent
    assert first.headers.get_list("user-agent") == ["mine/1"]
    assert first.headers["x-extra"] == "1"
    assert first.headers["authorization"] == engine._auth_headers["authorization"]
    # The shared base headers were copied, not changed, for the first request.
    assert second.headers.get_list("user-agent") == [f"callswitch/{callswitch.__version__}"]
    assert "x-extra" not in second.headers


def test_with_options_makes_no_connections_until_one_is_needed(fake_provider: str) -> None:
    """A client callswitch owns makes its httpx client on first use; with_options()
    shares it without making it, and either one's first request makes the one pool."""
    client = callswitch.connect(fake_provider, api_key="k-secret")
    other = client.with_options(max_retries=0)
    assert client._http_client is None
    assert other._http_client is None
    made = other._http
    assert client._http is made
    other.close()  # the derived client owns nothing: the shared pool stays open
    assert not made.is_closed
    client.close()
    assert made.is_closed


@pytest.mark.anyio
async def test_async_with_options_makes_no_connections_until_one_is_needed(
    fake_provider: str,
) -> None:
    client = callswitch.connect_async(fake_provider, api_key="k-secret")
    other = client.with_options(timeout=3)
    assert client._http_client is None
    made = other._http
    assert client._http is made
    await other.aclose()
    assert not made.is_closed
    await client.aclose()
    assert made.is_closed


def test_close_racing_the_first_request_leaves_no_open_pool(fake_provider: str) -> None:
    """close() in one thread while another thread's first request is making the httpx
    client: close() waits for it and closes it, rather than missing it."""
    import threading

    client = callswitch.connect(fake_provider, api_key="k-secret")
    making, release = threading.Event(), threading.Event()
    made: list[httpx.Client] = []
    real_new_http = client._new_http

    def slow_new_http() -> httpx.Client:
        making.set()
        assert release.wait(5), "the test did not release the first request"
        made.append(real_new_http())
        return made[-1]

    client._new_http = slow_new_http  # type: ignore[method-assign]
    first = threading.Thread(target=lambda: client._http)
    first.start()
    assert making.wait(5)
    closer = threading.Thread(target=client.close)
    closer.start()
    closer.join(0.2)
    assert closer.is_alive(), "close() must wait for the pool being made"
    release.set()
    first.join(5)
    closer.join(5)
    assert not closer.is_alive()
    assert len(made) == 1
    assert made[0].is_closed
