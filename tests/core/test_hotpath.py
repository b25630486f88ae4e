"""The per-request fast paths (issue 19) keep the behaviour of the slower code they replace."""

from __future__ import annotations

import httpx
import pytest

import callswitch
from callswitch import LiveControl
from callswitch._urls import origin_of, refuse_untrusted_url, trusted_url
from callswitch.errors import ProviderError

BASE = "https://api.vapi.ai"
TRUSTED = ("vapi.ai",)


@pytest.mark.parametrize(
    "url",
    [
        "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c1/control",
        "https://CTL.Vapi.AI:443/c1/control?x=1",
        "https://api.vapi.ai/call/c1/control",
    ],
)
def test_trusted_url_is_the_url_httpx_would_send(url: str) -> None:
    checked = trusted_url("vapi", url, origin_of(BASE), TRUSTED)
    assert isinstance(checked, httpx.URL)
    assert checked == httpx.URL(url)
    assert str(checked) == str(httpx.Request("POST", url).url)
    assert refuse_untrusted_url("vapi", url, BASE, TRUSTED) is None


@pytest.mark.parametrize(
    "url", ["http://ctl.vapi.ai/x", "https://u:p@ctl.vapi.ai/x", "https://evil.example/x"]
)
def test_trusted_url_refuses_as_refuse_untrusted_url_does(url: str) -> None:
    checked = trusted_url("vapi", url, origin_of(BASE), TRUSTED)
    refused = refuse_untrusted_url("vapi", url, BASE, iter(TRUSTED))  # any iterable
    assert isinstance(checked, ProviderError)
    assert isinstance(refused, ProviderError)
    assert str(checked) == str(refused)


def test_control_post_goes_to_the_control_url_as_given() -> None:
    control = "https://CTL.vapi.ai:443/c1/control?token=abc"
    posts: list[httpx.Request] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            body = {"id": "c1", "status": "in-progress", "monitor": {"controlUrl": control}}
            return httpx.Response(200, json=body)
        posts.append(request)
        return httpx.Response(200, json={})

    http = httpx.Client(transport=httpx.MockTransport(vendor))
    client = callswitch.connect("vapi", api_key="k-hot", http_client=http)
    client.calls.control("c1", LiveControl(say="hi"))
    client.calls.control("c1", LiveControl(say="again"))
    assert [str(p.url) for p in posts] == ["https://ctl.vapi.ai/c1/control?token=abc"] * 2
    assert all("authorization" not in p.headers for p in posts)


def test_the_trace_hook_leaves_the_request_once_the_clock_runs() -> None:
    from callswitch._attempt_clock import AttemptClock

    clock = AttemptClock(5.0)
    extensions: dict[str, object] = {"timeout": {}}
    clock.hook(extensions)
    assert extensions["trace"] == clock.trace
    clock.trace("connection.send_request_headers.started", {})
    assert "trace" not in extensions  # httpcore reports nothing more to this attempt
    assert extensions == {"timeout": {}}
    started = clock.deadline() - 5.0
    clock.trace("connection.send_request_headers.complete", {})  # a late report
    assert clock.deadline() - 5.0 == started


def test_async_trace_hook_arms_the_scope_and_leaves() -> None:
    import anyio

    from callswitch._attempt_clock import AttemptClock

    async def main() -> None:
        with anyio.CancelScope() as scope:
            clock = AttemptClock(5.0, scope=scope)
            extensions: dict[str, object] = {}
            clock.hook(extensions)
            assert scope.deadline == float("inf")
            await clock.trace_async("connection.connect_tcp.started", {})
            assert "trace" not in extensions
            assert scope.deadline <= anyio.current_time() + 5.0

    anyio.run(main)


def test_an_answer_already_in_memory_does_not_arm_the_async_scope() -> None:
    import anyio

    from callswitch._attempt_clock import AttemptClock

    async def main() -> None:
        with anyio.CancelScope() as scope:
            clock = AttemptClock(5.0, scope=scope)
            deadline = clock.deadline(in_memory=True)
            assert scope.deadline == float("inf")  # no IO left for it to bound
            assert 0 < deadline - anyio.current_time() <= 5.0
        with anyio.CancelScope() as scope:
            clock = AttemptClock(5.0, scope=scope)
            clock.deadline()  # a streamed body: the scope bounds reading it
            assert scope.deadline <= anyio.current_time() + 5.0

    anyio.run(main)


def test_a_body_in_one_piece_is_not_copied_and_the_cap_still_holds() -> None:
    from callswitch._body import _BodyReader, _BodyTooLarge

    body = b"x" * 5000
    reader = _BodyReader(encoding="identity", cap=5000, is_error=False, deadline=float("inf"))
    reader.feed(body)
    assert reader.content() is body
    reader = _BodyReader(encoding="", cap=4999, is_error=False, deadline=float("inf"))
    with pytest.raises(_BodyTooLarge):
        reader.feed(body)
    reader = _BodyReader(encoding="", cap=4096, is_error=False, deadline=float("inf"))
    reader.feed(b"")
    reader.feed(b"ab")
    reader.feed(b"cd")
    assert reader.content() == b"abcd"
    error = _BodyReader(encoding="", cap=1 << 20, is_error=True, deadline=float("inf"))
    error.feed(b"y" * (100 * 1024))
    assert error.done
    assert error.content() == b"y" * (64 * 1024)


@pytest.mark.parametrize("is_error", [False, True])
@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 70 * 1024])
@pytest.mark.parametrize("late", [False, True])
def test_a_body_in_memory_is_bounded_as_the_chunked_reader_bounds_it(
    is_error: bool, size: int, late: bool
) -> None:
    from callswitch._body import _AttemptTimeout, _BodyReader, _BodyTooLarge, whole_body

    body = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    deadline = 100.0
    now = (lambda: 101.0) if late else (lambda: 99.0)

    def chunked() -> bytes | type[Exception]:
        reader = _BodyReader(encoding="", cap=4096, is_error=is_error, deadline=deadline, clock=now)
        try:
            reader.feed(body)
            reader.check_time()
        except (_AttemptTimeout, _BodyTooLarge) as exc:
            return type(exc)
        return reader.content()

    def whole() -> bytes | type[Exception]:
        try:
            return whole_body(body, cap=4096, is_error=is_error, deadline=deadline, clock=now)
        except (_AttemptTimeout, _BodyTooLarge) as exc:
            return type(exc)

    assert whole() == chunked()


def test_clients_bound_a_mock_answer_in_memory_by_the_cap() -> None:
    import anyio

    from callswitch.errors import ProviderError as Refused

    big = b'{"id": "c1", "pad": "' + b"x" * 5000 + b'"}'
    mock = httpx.MockTransport(lambda request: httpx.Response(200, content=big))
    sync = callswitch.connect(
        "vapi",
        api_key="key_abc",
        base_url=BASE,
        http_client=httpx.Client(transport=mock),
        max_response_bytes=4096,
    )
    with pytest.raises(Refused, match="4096"):
        sync.calls.get("c1")

    async def main() -> None:
        client = callswitch.connect_async(
            "vapi",
            api_key="key_abc",
            base_url=BASE,
            http_client=httpx.AsyncClient(transport=mock),
            max_response_bytes=4096,
        )
        with pytest.raises(Refused, match="4096"):
            await client.calls.get("c1")

    anyio.run(main)


def test_vapi_control_without_options_shares_one_checked_empty_set() -> None:
    from callswitch_vapi._control_options import ControlOptions, control_options

    control = LiveControl(say="hi", end_call=True)
    messages = [(("control.say",), {"type": "say", "content": "hi", "endCallAfterSpoken": True})]
    empty = control_options({}, control)
    assert empty == ControlOptions()
    assert empty.headers() == {}
    assert empty.extend(messages) is messages  # nothing laid in, nothing copied
    assert control_options({}, control) is empty
    flagged = control_options({"interruptionsEnabled": False}, control)
    assert flagged.extend(messages)[0][1]["interruptionsEnabled"] is False
    assert "interruptionsEnabled" not in messages[0][1]
    assert empty.say_flags == {}
