"""What observation costs per operation, side by side in one process, interleaved.

    python benchmarks/observe.py [--rounds 7] [--ops 2000]

Three variants of one Vapi ``calls.get`` over ``httpx.MockTransport`` (the same pooled
client and payload), run in turn in every round:

- ``before``: the engine's driver as it was before the observer hooks (copied below),
  patched in for the round: the floor.
- ``off``: today's driver with no observer plugin registered (the default).
- ``otel``: ``callswitch.instrument()`` with the OpenTelemetry SDK (a tracer provider
  with an in-memory exporter, cleared each round, and a meter provider with an in-memory
  reader): one operation span, one attempt span, four metric records per op.

Prints min / median / max microseconds per op and each variant's median ratio to
``before``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Generator
from typing import Any

import httpx

import callswitch
from callswitch import _engine
from callswitch.http import Plan, Request, Response

PAYLOAD: dict[str, Any] = {
    "id": "call_bench_0001",
    "status": "in-progress",
    "type": "outboundPhoneCall",
    "customer": {"number": "+14155550123"},
    "assistantId": "asst_1",
    "phoneNumberId": "pn_1",
    "createdAt": "2026-11-29T10:00:00.000Z",
    "startedAt": "2026-11-29T10:00:02.000Z",
    "monitor": {"controlUrl": "https://example.invalid/control"},
}


def _drive_before(
    self: _engine._Engine,
    plan: Plan[Any],
    first: Request | None,
    retry: Any,
    timeout: httpx.Timeout,
) -> Generator[Any, Any, Any]:
    """``_Engine.drive`` as it was before the observer hooks (main at dbf63f4)."""
    try:
        request = next(plan) if first is None else first
        while True:
            outcome = yield from self._attempts(request, retry, timeout)
            if isinstance(outcome, Response):
                request = plan.send(outcome)
            else:
                request = plan.throw(outcome)
    except StopIteration as stop:
        return stop.value
    finally:
        plan.close()


def _time(client: callswitch.Client, ops: int) -> float:
    get = client.calls.get
    start = time.perf_counter()
    for _ in range(ops):
        get("call_bench_0001")
    return (time.perf_counter() - start) / ops * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--ops", type=int, default=2000)
    args = parser.parse_args()

    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])

    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=PAYLOAD)))
    client = callswitch.connect("vapi", api_key="bench-key", http_client=http)
    new_drive = _engine._Engine.drive
    _time(client, 200)  # warm up

    results: dict[str, list[float]] = {"before": [], "off": [], "otel": []}

    def run(variant: str) -> float:
        _engine._Engine.drive = _drive_before if variant == "before" else new_drive  # type: ignore[method-assign,assignment]
        if variant == "otel":
            callswitch.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
        try:
            return _time(client, args.ops)
        finally:
            callswitch.uninstrument()
            _engine._Engine.drive = new_drive  # type: ignore[method-assign]
            exporter.clear()

    order = list(results)
    for n in range(args.rounds):
        for variant in order[n % 3 :] + order[: n % 3]:  # rotate who goes first
            results[variant].append(run(variant))

    floor = statistics.median(results["before"])
    print(f"vapi calls.get, MockTransport, {args.rounds} rounds x {args.ops} ops")
    print(f"{'variant':8} {'min us':>8} {'median':>8} {'max':>8} {'ratio':>7}")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"{name:8} {min(values):8.1f} {median:8.1f} {max(values):8.1f} {median / floor:7.3f}")


if __name__ == "__main__":
    main()
