"""OpenTelemetry spans and metrics, with the real SDK's in-memory exporter and reader."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import callswitch
from callswitch import CallUpdate, DataStorage, LiveControl, Router
from callswitch.errors import OutcomeUnknownError, UnsupportedCapabilityError
from callswitch.hookspecs import hookimpl
from callswitch.registry import default_registry

KEY = "sk-observe-TOPSECRET-0123456789"
CONTROL_URL = "https://phone-call-websocket.vapi.ai/c1-CONTROLSECRET/control"
VAPI_CALL = {
    "id": "c1",
    "status": "in-progress",
    "type": "outboundPhoneCall",
    "customer": {"number": "+14155550123"},
    "monitor": {"controlUrl": CONTROL_URL},
}

Handler = Callable[[httpx.Request], httpx.Response]


class Otel:
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def metric(self, name: str) -> list[tuple[dict[str, Any], Any]]:
        """(attributes, value) of every data point of metric ``name``."""
        data = self.reader.get_metrics_data()
        points = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        for point in metric.data.data_points:
                            value = getattr(point, "value", None)
                            points.append((dict(point.attributes or {}), value))
        return points


@pytest.fixture
def otel() -> Iterator[Otel]:
    o = Otel()
    callswitch.instrument(tracer_provider=o.tracer_provider, meter_provider=o.meter_provider)
    try:
        yield o
    finally:
        callswitch.uninstrument()


def _client(provider: str, handler: Handler, **kw: Any) -> callswitch.Client:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return callswitch.connect(provider, api_key=KEY, http_client=http, **kw)


def _no_wait(client: callswitch.Client) -> callswitch.Client:
    return client.with_options(sleep=lambda seconds: None)


def _children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def _all_attribute_text(spans: list[ReadableSpan]) -> str:
    texts = []
    for span in spans:
        texts.append(span.name)
        texts.extend(f"{k}={v}" for k, v in (span.attributes or {}).items())
        for event in span.events:
            texts.extend(f"{k}={v}" for k, v in (event.attributes or {}).items())
        texts.append(str(span.status.description))
    return "\n".join(texts)


def test_a_get_with_a_retry_is_one_span_with_two_attempt_children(otel: Otel) -> None:
    """503 then 200: the operation span is ok, its children are the 503 and the 200."""
    answers = iter([httpx.Response(503), httpx.Response(200, json=VAPI_CALL)])
    client = _no_wait(_client("vapi", lambda request: next(answers)))
    call = client.calls.get("c1")
    assert call.id == "c1"
    spans = otel.spans()
    (op,) = [s for s in spans if s.name == "calls.get"]
    assert op.parent is None
    assert op.kind is SpanKind.CLIENT
    assert op.attributes is not None
    assert op.attributes["callswitch.provider"] == "vapi"
    assert op.attributes["callswitch.operation"] == "calls.get"
    assert op.attributes["callswitch.outcome"] == "ok"
    assert op.attributes["callswitch.attempts"] == 2
    assert op.attributes["http.response.status_code"] == 200
    assert op.status.status_code is not StatusCode.ERROR
    first, second = sorted(_children(spans, op), key=lambda s: s.start_time or 0)
    assert first.name == second.name == "GET"
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert first.attributes["callswitch.outcome"] == "retried"
    assert first.status.status_code is StatusCode.ERROR
    assert second.attributes["http.response.status_code"] == 200
    assert second.attributes["callswitch.outcome"] == "ok"
    assert second.attributes["http.request.resend_count"] == 1
    assert "error.type" not in second.attributes
    for attempt in (first, second):
        assert attempt.attributes["http.request.method"] == "GET"
        assert attempt.attributes["url.full"] == "https://api.vapi.ai/call/c1"
        assert attempt.attributes["server.address"] == "api.vapi.ai"
        assert attempt.attributes["server.port"] == 443
    assert otel.metric("callswitch.retries") == [
        ({"callswitch.provider": "vapi", "callswitch.operation": "calls.get"}, 1)
    ]
    ops = otel.metric("callswitch.operations")
    assert ops == [
        (
            {
                "callswitch.provider": "vapi",
                "callswitch.operation": "calls.get",
                "callswitch.outcome": "ok",
            },
            1,
        )
    ]


def test_outcome_unknown_control_and_secrets_never_in_attributes(otel: Otel) -> None:
    """Vapi control: the POST to the control URL fails after sending. The span says
    outcome_unknown; neither the key nor the control URL is in any span attribute."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=VAPI_CALL)
        raise httpx.ReadTimeout("no answer", request=request)

    client = _client("vapi", handler)
    with pytest.raises(OutcomeUnknownError):
        client.calls.control("c1", LiveControl(inject_context="VIP caller", trigger_response=True))
    spans = otel.spans()
    (op,) = [s for s in spans if s.name == "calls.control"]
    assert op.attributes is not None
    assert op.attributes["callswitch.outcome"] == "outcome_unknown"
    assert op.attributes["error.type"] == "OutcomeUnknownError"
    assert op.status.status_code is StatusCode.ERROR
    get, post = sorted(_children(spans, op), key=lambda s: s.start_time or 0)
    assert (get.attributes or {})["url.full"] == "https://api.vapi.ai/call/c1"
    assert post.attributes is not None
    assert post.attributes["url.full"] == "https://phone-call-websocket.vapi.ai/..."
    assert post.attributes["callswitch.outcome"] == "outcome_unknown"
    assert post.attributes["error.type"] == "OutcomeUnknownError"
    assert "http.response.status_code" not in post.attributes
    text = _all_attribute_text(spans)
    for secret in (KEY, CONTROL_URL, "CONTROLSECRET", "VIP caller", "+14155550123"):
        assert secret not in text
    assert otel.metric("callswitch.outcome_unknown") == [
        ({"callswitch.provider": "vapi", "callswitch.operation": "calls.control"}, 1)
    ]


def test_refused_before_sending_is_a_span_with_no_attempts(otel: Otel) -> None:
    """An unsupported field: nothing is sent, and one span says refused."""
    client = _client("vapi", lambda request: pytest.fail("nothing may be sent"))
    with pytest.raises(UnsupportedCapabilityError):
        client.calls.update("c1", CallUpdate(data_storage=DataStorage.BASIC_ATTRIBUTES_ONLY))
    (op,) = otel.spans()
    assert op.name == "calls.update"
    assert op.attributes is not None
    assert op.attributes["callswitch.outcome"] == "refused"
    assert op.attributes["callswitch.attempts"] == 0
    assert op.attributes["error.type"] == "UnsupportedCapabilityError"
    assert list(op.attributes["callswitch.dropped"]) == ["update.data_storage"]
    assert op.status.status_code is StatusCode.ERROR


def test_dropped_capabilities_are_the_outcome(otel: Otel) -> None:
    """on_unsupported="drop": the span's outcome is dropped and names what was left out."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=VAPI_CALL)
        return httpx.Response(200, json={})

    client = _client("vapi", handler, on_unsupported="drop")
    with pytest.warns(callswitch.errors.UnsupportedCapabilityWarning):
        result = client.calls.control("c1", LiveControl(say="hi", variables={"a": "b"}))
    assert result.dropped == ("control.variables",)
    (op,) = [s for s in otel.spans() if s.name == "calls.control"]
    assert op.attributes is not None
    assert op.attributes["callswitch.outcome"] == "dropped"
    assert list(op.attributes["callswitch.dropped"]) == ["control.variables"]


def test_router_failover_spans_and_metric(otel: Otel) -> None:
    """Vapi refuses the create with 429: the router places it on Retell. Two create spans
    (vapi error, retell ok), a failover counted against vapi, and a routed event."""

    def vapi(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"message": "slow down"})

    def retell(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            201,
            json={
                "call_id": "r1",
                "call_type": "phone_call",
                "call_status": "registered",
                "agent_id": "agent_1",
                "from_number": body["from_number"],
                "to_number": body["to_number"],
                "direction": "outbound",
            },
        )

    router = Router(
        [_client("vapi", vapi, max_retries=0), _client("retell", retell, max_retries=0)]
    )
    tracer = otel.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("place call") as app_span:
        call = router.calls.create_phone(
            to_number="+14155550123", from_number="+14155550100", agent_id="agent_1"
        )
    assert call.provider == "retell"
    spans = otel.spans()
    creates = [s for s in spans if s.name == "calls.create_phone"]
    assert [(s.attributes or {}).get("callswitch.provider") for s in creates] == [
        "vapi",
        "retell",
    ]
    assert [(s.attributes or {}).get("callswitch.outcome") for s in creates] == ["error", "ok"]
    assert (creates[0].attributes or {})["error.type"] == "RateLimitError"
    for create in creates:  # nested under the application's span
        assert create.parent is not None
        assert create.parent.span_id == app_span.get_span_context().span_id
    (app,) = [s for s in spans if s.name == "place call"]
    (routed,) = [e for e in app.events if e.name == "callswitch.routed"]
    assert routed.attributes is not None
    assert routed.attributes["callswitch.provider"] == "retell"
    assert list(routed.attributes["callswitch.failed_over"]) == ["vapi"]
    assert otel.metric("callswitch.failovers") == [
        (
            {
                "callswitch.router": "router",
                "callswitch.operation": "calls.create_phone",
                "callswitch.provider": "vapi",
            },
            1,
        )
    ]
    text = _all_attribute_text(spans)
    assert KEY not in text
    assert "+14155550123" not in text


def test_async_spans_nest_per_task_across_awaits(otel: Otel) -> None:
    """Two gets in concurrent tasks, each under its own application span: each
    operation span's parent is its task's span, and each attempt's parent its operation."""

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)  # both tasks are in flight at once
        return httpx.Response(200, json={**VAPI_CALL, "id": request.url.path.rsplit("/", 1)[1]})

    async def main() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        client = callswitch.connect_async("vapi", api_key=KEY, http_client=http)
        tracer = otel.tracer_provider.get_tracer("app")

        async def one(call_id: str) -> None:
            with tracer.start_as_current_span(f"task {call_id}"):
                await client.calls.get(call_id)

        await asyncio.gather(one("a1"), one("b2"))

    asyncio.run(main())
    spans = otel.spans()
    by_name = {s.name: s for s in spans if s.name.startswith("task")}
    ops = [s for s in spans if s.name == "calls.get"]
    assert len(ops) == 2
    for op in ops:
        (attempt,) = _children(spans, op)
        call_id = str((attempt.attributes or {})["url.full"]).rsplit("/", 1)[1]
        assert op.parent is not None
        assert op.parent.span_id == by_name[f"task {call_id}"].context.span_id


def _signed_retell_call_ended(key: str) -> tuple[dict[str, str], bytes]:
    """A Retell call_ended delivery signed now, as retell-sdk 6.2.13's
    ``retell/lib/webhook_auth.py`` signs: ``v=<ms>,d=<hex HMAC-SHA256 of body + ms>``
    (written out here: importing the SDK takes seconds)."""
    payload = {
        "event": "call_ended",
        "call": {
            "call_id": "c9",
            "call_type": "phone_call",
            "call_status": "ended",
            "agent_id": "agent_1",
            "start_timestamp": 1_760_000_000_000,
            "end_timestamp": 1_760_000_060_000,
        },
    }
    body = json.dumps(payload).encode()
    stamp = str(int(time.time() * 1000))
    digest = hmac.new(key.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    header = f"v={stamp},d={digest}"
    return {"x-retell-signature": header, "content-type": "application/json"}, body


def test_webhook_duplicate_is_counted(otel: Otel) -> None:
    """The same signed delivery twice: the second is a duplicate, counted once."""
    receiver = callswitch.webhooks.Receiver(
        secrets={"retell": KEY}, store=callswitch.webhooks.MemoryStore()
    )
    receiver.on()(lambda event: None)
    headers, body = _signed_retell_call_ended(KEY)
    assert receiver.handle("retell", headers, body)[0] == 200
    status, reply = receiver.handle("retell", headers, body)
    assert (status, json.loads(reply)["status"]) == (200, "duplicate")
    assert otel.metric("callswitch.webhook.duplicates") == [
        (
            {
                "callswitch.provider": "retell",
                "callswitch.event_type": "call.ended",
                "callswitch.handled": True,
            },
            1,
        )
    ]


def test_instrument_is_idempotent_and_uninstrument_stops_spans() -> None:
    """instrument() twice keeps one plugin; after uninstrument() nothing is recorded."""
    o = Otel()
    first = callswitch.instrument(
        tracer_provider=o.tracer_provider, meter_provider=o.meter_provider
    )
    try:
        assert callswitch.instrument() is first
    finally:
        callswitch.uninstrument()
    client = _client("vapi", lambda request: httpx.Response(200, json=VAPI_CALL))
    client.calls.get("c1")
    assert o.spans() == []
    from callswitch import _observe

    assert _observe.relay is None


class Recorder:
    """A throwaway observer plugin that records every hook call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def operation_started(self, provider: str, operation: str) -> None:
        self.calls.append(("operation_started", {"provider": provider, "operation": operation}))

    @hookimpl
    def attempt_finished(self, attempt: int, status: int | None, outcome: str) -> None:
        self.calls.append(("attempt_finished", {"attempt": attempt, "status": status}))
        self.calls[-1][1]["outcome"] = outcome

    @hookimpl
    def operation_finished(self, outcome: str, attempts: int) -> None:
        self.calls.append(("operation_finished", {"outcome": outcome, "attempts": attempts}))


class Broken:
    @hookimpl
    def operation_started(self) -> None:
        raise RuntimeError("observer bug")


def test_any_plugin_implements_the_hooks_with_the_arguments_it_names() -> None:
    """A plain pluggy plugin (no OpenTelemetry) gets the hooks it implements, in order;
    before it is registered and after it is removed, the engine calls nothing."""
    from callswitch import _observe

    assert _observe.relay is None
    recorder = Recorder()
    default_registry().register_observer(recorder)
    try:
        assert _observe.relay is not None
        answers = iter([httpx.Response(429), httpx.Response(200, json=VAPI_CALL)])
        _no_wait(_client("vapi", lambda request: next(answers))).calls.get("c1")
    finally:
        default_registry().unregister_observer(recorder)
    assert _observe.relay is None
    assert recorder.calls == [
        ("operation_started", {"provider": "vapi", "operation": "calls.get"}),
        ("attempt_finished", {"attempt": 1, "status": 429, "outcome": "retried"}),
        ("attempt_finished", {"attempt": 2, "status": 200, "outcome": "ok"}),
        ("operation_finished", {"outcome": "ok", "attempts": 2}),
    ]


def test_a_failing_observer_is_logged_and_the_call_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = Broken()
    default_registry().register_observer(broken)
    try:
        client = _client("vapi", lambda request: httpx.Response(200, json=VAPI_CALL))
        assert client.calls.get("c1").id == "c1"
    finally:
        default_registry().unregister_observer(broken)
    assert any("observer hook operation_started failed" in r.message for r in caplog.records)


def test_a_plugin_without_observer_hooks_is_refused() -> None:
    with pytest.raises(callswitch.errors.ConfigurationError, match="implements no observer hook"):
        default_registry().register_observer(object())
