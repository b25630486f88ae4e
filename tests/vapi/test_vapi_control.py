"""Live control through monitor.controlUrl: ordering, applied, caching, and refusals."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from vapi.types import Monitor

import callswitch
from callswitch import LiveControl
from callswitch.errors import (
    InvalidCallStateError,
    InvalidRequestError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    UnsupportedCapabilityError,
)


def _server(
    kit: SimpleNamespace,
    call: dict[str, Any] | None = None,
    control: Callable[[dict[str, Any]], httpx.Response] | None = None,
) -> Any:
    """GET /call/{id} answers ``call``; POSTs to the control URL answer ``control``."""
    payload = call if call is not None else kit.ongoing_call()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=payload)
        if str(request.url) == kit.CONTROL_URL:
            body = kit.body_of(request)
            return control(body) if control else httpx.Response(200, json={})
        return httpx.Response(404, json={"message": "Not Found", "statusCode": 404})

    return kit.Recorder(handler)


def test_all_actions_in_order(kit: SimpleNamespace, connect: Any) -> None:
    """Context first, then say, mute, and the result lists what was applied, in order."""
    rec = _server(kit)
    client = connect(rec)
    result = client.calls.control(
        "c1",
        LiveControl(
            mute_assistant=True,
            say="Let me check.",
            inject_context="Caller is a VIP",
            trigger_response=False,
        ),
    )
    types = [kit.body_of(r)["type"] for r in rec.requests[1:]]
    assert types == ["add-message", "say", "control"]
    assert result.applied == (
        "control.inject_context",
        "control.trigger_response",
        "control.say",
        "control.mute",
    )
    assert result.call_id == "c1"
    assert result.dropped == ()


def test_unmute_goes_before_say_and_transfer_after(kit: SimpleNamespace, connect: Any) -> None:
    rec = _server(kit)
    connect(rec).calls.control(
        "c1", LiveControl(transfer_to="+14155550100", say="Transferring you", mute_assistant=False)
    )
    bodies = [kit.body_of(r) for r in rec.requests[1:]]
    assert [b["type"] for b in bodies] == ["control", "say", "transfer"]
    assert bodies[0]["control"] == "unmute-assistant"


def test_say_then_end_is_one_message(kit: SimpleNamespace, connect: Any) -> None:
    """say + end_call: the say hangs up once spoken, rather than an end-call cutting it off."""
    rec = _server(kit)
    result = connect(rec).calls.control("c1", LiveControl(say="Goodbye", end_call=True))
    assert [kit.body_of(r) for r in rec.requests[1:]] == [
        {"type": "say", "content": "Goodbye", "endCallAfterSpoken": True}
    ]
    assert result.applied == ("control.say", "control.end_call")


def test_end_call_is_last(kit: SimpleNamespace, connect: Any) -> None:
    rec = _server(kit)
    connect(rec).calls.control(
        "c1", LiveControl(end_call=True, inject_context="wrap up", mute_assistant=True)
    )
    types = [kit.body_of(r)["type"] for r in rec.requests[1:]]
    assert types == ["add-message", "control", "end-call"]


def test_control_url_fetched_once_per_call(kit: SimpleNamespace, connect: Any) -> None:
    """The first action costs GET + POST; each later one on the same call one POST."""
    rec = _server(kit)
    client = connect(rec)
    client.calls.control("c1", LiveControl(say="one"))
    client.calls.control("c1", LiveControl(say="two"))
    client.calls.end("c1")
    assert [r.method for r in rec.requests] == ["GET", "POST", "POST", "POST"]
    assert kit.body_of(rec.requests[-1]) == {"type": "end-call"}


def test_cache_is_per_client(kit: SimpleNamespace, connect: Any) -> None:
    """Another client (its own adapter) fetches the URL itself."""
    rec = _server(kit)
    connect(rec).calls.control("c1", LiveControl(say="one"))
    connect(rec).calls.control("c1", LiveControl(say="two"))
    assert [r.method for r in rec.requests] == ["GET", "POST", "GET", "POST"]


def test_get_primes_the_cache(kit: SimpleNamespace, connect: Any) -> None:
    """calls.get already returned the control URL, so control needs no second GET."""
    rec = _server(kit)
    client = connect(rec)
    client.calls.get("c1")
    client.calls.control("c1", LiveControl(say="hi"))
    assert [r.method for r in rec.requests] == ["GET", "POST"]


def test_no_control_url_says_how_to_enable(kit: SimpleNamespace, connect: Any) -> None:
    rec = _server(
        kit, call=kit.sdk_call(status="in-progress", monitor=Monitor(listen_url="wss://x"))
    )
    with pytest.raises(InvalidCallStateError, match=r"monitorPlan\.controlEnabled") as info:
        connect(rec).calls.control("c1", LiveControl(say="hi"))
    assert info.value.provider == "vapi"
    assert [r.method for r in rec.requests] == ["GET"]


def test_ended_call_says_it_ended(kit: SimpleNamespace, connect: Any) -> None:
    call = kit.sdk_call(
        status="ended",
        ended_reason="customer-ended-call",
        monitor=Monitor(control_url=kit.CONTROL_URL),
    )
    rec = _server(kit, call=call)
    with pytest.raises(InvalidCallStateError, match="has ended \\(customer-ended-call\\)"):
        connect(rec).calls.end("c1")
    assert [r.method for r in rec.requests] == ["GET"]


def test_gone_control_url_is_invalid_state_and_forgotten(
    kit: SimpleNamespace, connect: Any
) -> None:
    """A 404 from the cached control URL means the call is over: InvalidCallStateError, and
    the next attempt fetches the call again instead of reusing the dead URL."""
    rec = _server(kit, control=lambda body: httpx.Response(404, text="Not Found"))
    client = connect(rec)
    with pytest.raises(InvalidCallStateError, match="most likely ended"):
        client.calls.control("c1", LiveControl(say="hi"))
    with pytest.raises(InvalidCallStateError):
        client.calls.control("c1", LiveControl(say="hi"))
    assert [r.method for r in rec.requests] == ["GET", "POST", "GET", "POST"]


def test_partial_failure_names_what_was_applied(kit: SimpleNamespace, connect: Any) -> None:
    """If the third message fails, the error says the first two were applied, and the
    message is not retried (control is unsafe to repeat)."""

    def control(body: dict[str, Any]) -> httpx.Response:
        if body["type"] == "control":
            return httpx.Response(503, json={"message": "busy", "statusCode": 503})
        return httpx.Response(200, json={})

    rec = _server(kit, control=control)
    client = connect(rec, max_retries=2)
    with pytest.raises(ServerError) as info:
        client.calls.control(
            "c1", LiveControl(inject_context="ctx", say="hello", mute_assistant=True)
        )
    # The vendor's error is kept (class and fields); the progress is a note on it.
    text = "\n".join(info.value.__notes__)
    assert "busy" in str(info.value)
    assert "Applied before this failure: control.inject_context, control.say" in text
    assert "not applied: control.mute" in text
    assert info.value.status_code == 503
    assert [kit.body_of(r)["type"] for r in rec.requests[1:]] == ["add-message", "say", "control"]


def test_ambiguous_transport_failure_is_outcome_unknown(kit: SimpleNamespace, connect: Any) -> None:
    """A control message that may have arrived is not retried: OutcomeUnknownError."""

    def control(body: dict[str, Any]) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    rec = _server(kit, control=control)
    with pytest.raises(OutcomeUnknownError):
        connect(rec, max_retries=3).calls.control("c1", LiveControl(say="hi"))
    assert [r.method for r in rec.requests] == ["GET", "POST"]


@pytest.mark.parametrize(
    ("control", "error", "needle"),
    [
        (LiveControl(trigger_response=True), InvalidRequestError, "together with inject_context"),
        (
            LiveControl(transfer_to="+14155550100", end_call=True),
            InvalidRequestError,
            "send one of them",
        ),
        (LiveControl(variables={"a": "b"}), UnsupportedCapabilityError, "control.variables"),
    ],
)
def test_refused_before_anything_is_sent(
    kit: SimpleNamespace, connect: Any, control: LiveControl, error: type[Exception], needle: str
) -> None:
    rec = _server(kit)
    with pytest.raises(error, match=needle):
        connect(rec).calls.control("c1", control)
    assert rec.requests == []


def test_drop_mode_sends_the_rest(kit: SimpleNamespace, connect: Any) -> None:
    """on_unsupported="drop": variables are dropped (and warned about), say is sent."""
    rec = _server(kit)
    client = connect(rec, on_unsupported="drop")
    with pytest.warns(callswitch.errors.UnsupportedCapabilityWarning):
        result = client.calls.control("c1", LiveControl(variables={"a": "b"}, say="hi"))
    assert result.applied == ("control.say",)
    assert result.dropped == ("control.variables",)
    assert [kit.body_of(r) for r in rec.requests[1:]] == [
        {"type": "say", "content": "hi", "endCallAfterSpoken": False}
    ]


def test_provider_options_refused_for_control(kit: SimpleNamespace, connect: Any) -> None:
    rec = _server(kit)
    with pytest.raises(InvalidRequestError, match="provider_options"):
        connect(rec).calls.control("c1", LiveControl(say="hi"), provider_options={"vapi": {"x": 1}})
    assert rec.requests == []


def test_end_uses_end_call_message(kit: SimpleNamespace, connect: Any) -> None:
    rec = _server(kit)
    assert connect(rec).calls.end("c1") is None
    assert kit.body_of(rec.requests[-1]) == {"type": "end-call"}
    assert str(rec.requests[-1].url) == kit.CONTROL_URL


def test_partial_transport_failure_names_what_was_applied(
    kit: SimpleNamespace, connect: Any
) -> None:
    """The context went through, then the say timed out: OutcomeUnknownError that says
    the context was applied and the say may or may not have been."""

    def control(body: dict[str, Any]) -> httpx.Response:
        if body["type"] == "say":
            raise httpx.ReadTimeout("timed out")
        return httpx.Response(200, json={})

    rec = _server(kit, control=control)
    with pytest.raises(OutcomeUnknownError) as info:
        connect(rec).calls.control("c1", LiveControl(inject_context="ctx", say="hi"))
    notes = "\n".join(info.value.__notes__)
    assert "Applied before this failure: control.inject_context" in notes
    assert "not confirmed: control.say" in notes
    assert info.value.json == {"type": "say", "content": "hi", "endCallAfterSpoken": False}


def test_partial_failure_keeps_the_error_subclass_and_fields(
    kit: SimpleNamespace, connect: Any
) -> None:
    """A 429 on the second message stays a RateLimitError with its retry_after; the
    progress is added as a note, not by rebuilding the exception."""

    def control(body: dict[str, Any]) -> httpx.Response:
        if body["type"] == "say":
            return httpx.Response(
                429, json={"message": "slow down", "statusCode": 429}, headers={"retry-after": "7"}
            )
        return httpx.Response(200, json={})

    rec = _server(kit, control=control)
    with pytest.raises(RateLimitError) as info:
        connect(rec, max_retries=0).calls.control("c1", LiveControl(inject_context="c", say="hi"))
    assert info.value.retry_after == 7.0
    assert info.value.status_code == 429
    assert any("not applied: control.say" in note for note in info.value.__notes__)


def test_control_url_cache_is_bounded(kit: SimpleNamespace) -> None:
    """A long-lived adapter remembers at most CONTROL_URL_CACHE_SIZE control URLs."""
    from callswitch.registry import default_registry
    from callswitch_vapi.adapter import CONTROL_URL_CACHE_SIZE

    spec = default_registry().get("vapi")
    adapter = spec.load_adapter()(spec.capabilities)
    for n in range(CONTROL_URL_CACHE_SIZE + 50):
        adapter._remember_control_url(  # type: ignore[attr-defined]
            f"c{n}",
            {"id": f"c{n}", "status": "in-progress", "monitor": {"controlUrl": f"https://x/{n}"}},
        )
    cache = adapter._control_urls  # type: ignore[attr-defined]
    assert len(cache) == CONTROL_URL_CACHE_SIZE
    assert cache.get("c0") is None  # the oldest went first
    assert (
        cache.get(f"c{CONTROL_URL_CACHE_SIZE + 49}") == f"https://x/{CONTROL_URL_CACHE_SIZE + 49}"
    )
