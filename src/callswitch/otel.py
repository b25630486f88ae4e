"""OpenTelemetry spans and metrics for callswitch: a plugin on the observer hooks.

``callswitch.instrument()`` registers it (it needs the ``otel`` extra,
``pip install "callswitch[otel]"``); ``callswitch.uninstrument()`` removes it. Until
then nothing here is imported and the hooks cost nothing. Each operation is a span
(kind CLIENT, named after the operation, e.g. ``calls.get``) with one child span per
HTTP attempt (named after the method), carrying the HTTP client semantic-convention
attributes. Spans are made current while they run, in the caller's context (a
``ContextVar``), so they nest under the caller's spans across threads and ``await``.
See ``docs/observability.md`` for every span, attribute and metric.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from callswitch._version import __version__
from callswitch.hookspecs import Outcome, hookimpl
from callswitch.registry import default_registry

__all__ = ["instrument", "uninstrument"]

_SCOPE = "callswitch"


class _Open:
    """A span this plugin made current: the span, the token that restores the context
    before it, and whether it is an operation's or an attempt's."""

    __slots__ = ("kind", "span", "token")

    def __init__(self, kind: str, span: trace.Span, token: object) -> None:
        self.kind = kind
        self.span = span
        self.token = token


#: The innermost span of ours that is current in this thread or task.
_current: contextvars.ContextVar[tuple[_Open, ...]] = contextvars.ContextVar(
    "callswitch_otel_spans", default=()
)


def _failed(outcome: Outcome) -> bool:
    return outcome in ("error", "outcome_unknown", "refused", "cancelled")


class OpenTelemetryPlugin:
    """The observer-hook implementations that turn callswitch's hooks into spans and
    metrics. Make one with :func:`instrument`."""

    def __init__(
        self,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self.tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider)
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider)
        self.operations = meter.create_counter(
            "callswitch.operations", unit="{operation}", description="Operations finished"
        )
        self.operation_duration = meter.create_histogram(
            "callswitch.operation.duration", unit="s", description="Operation duration"
        )
        self.request_duration = meter.create_histogram(
            "http.client.request.duration", unit="s", description="HTTP attempt duration"
        )
        self.retries = meter.create_counter(
            "callswitch.retries", unit="{attempt}", description="Attempts that were retried"
        )
        self.outcome_unknown = meter.create_counter(
            "callswitch.outcome_unknown",
            unit="{operation}",
            description="Operations that may or may not have been applied",
        )
        self.failovers = meter.create_counter(
            "callswitch.failovers",
            unit="{failover}",
            description="Creates that moved on from a provider that failed",
        )
        self.webhook_duplicates = meter.create_counter(
            "callswitch.webhook.duplicates",
            unit="{delivery}",
            description="Webhook deliveries of an event seen before",
        )

    # -- spans ----------------------------------------------------------------------------
    def _push(self, kind: str, name: str, attributes: dict[str, Any]) -> None:
        span = self.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        token = otel_context.attach(trace.set_span_in_context(span))
        _current.set((*_current.get(), _Open(kind, span, token)))

    def _pop(self, kind: str) -> trace.Span | None:
        """The innermost open span of ``kind``, removed, with the context before it
        restored; None when it is not ours (instrumented while the operation ran)."""
        stack = _current.get()
        if not stack or stack[-1].kind != kind:
            return None
        top = stack[-1]
        _current.set(stack[:-1])
        otel_context.detach(top.token)  # type: ignore[arg-type]
        return top.span

    @hookimpl
    def operation_started(self, provider: str, operation: str) -> None:
        self._push(
            "operation",
            operation,
            {"callswitch.provider": provider, "callswitch.operation": operation},
        )

    @hookimpl
    def operation_finished(
        self,
        provider: str,
        operation: str,
        outcome: Outcome,
        status: int | None,
        attempts: int,
        duration: float,
        error_type: str | None,
        dropped: tuple[str, ...],
    ) -> None:
        span = self._pop("operation") if attempts else None
        if span is None:  # nothing was sent: a span of its own, with no attempts
            span = self.tracer.start_span(
                operation,
                kind=SpanKind.CLIENT,
                attributes={"callswitch.provider": provider, "callswitch.operation": operation},
            )
        span.set_attribute("callswitch.outcome", outcome)
        span.set_attribute("callswitch.attempts", attempts)
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if dropped:
            span.set_attribute("callswitch.dropped", list(dropped))
        if error_type is not None:
            span.set_attribute("error.type", error_type)
        if _failed(outcome):
            span.set_status(Status(StatusCode.ERROR, error_type))
        span.end()
        labels = {
            "callswitch.provider": provider,
            "callswitch.operation": operation,
            "callswitch.outcome": outcome,
        }
        self.operations.add(1, labels)
        self.operation_duration.record(duration, labels)
        if outcome == "outcome_unknown":
            self.outcome_unknown.add(
                1, {"callswitch.provider": provider, "callswitch.operation": operation}
            )

    @hookimpl
    def attempt_started(
        self, provider: str, operation: str, method: str, url: str, attempt: int
    ) -> None:
        self._push("attempt", method, _http_attributes(provider, operation, method, url, attempt))

    @hookimpl
    def attempt_finished(
        self,
        provider: str,
        operation: str,
        method: str,
        url: str,
        attempt: int,
        status: int | None,
        duration: float,
        outcome: Outcome,
        error_type: str | None,
    ) -> None:
        span = self._pop("attempt")
        labels: dict[str, Any] = {
            "callswitch.provider": provider,
            "http.request.method": method,
            "server.address": urlsplit(url).hostname or "",
        }
        if status is not None:
            labels["http.response.status_code"] = status
        if error_type is not None:
            labels["error.type"] = error_type
        self.request_duration.record(duration, labels)
        if outcome == "retried":
            self.retries.add(
                1, {"callswitch.provider": provider, "callswitch.operation": operation}
            )
        if span is None:
            return
        span.set_attributes(labels)
        span.set_attribute("callswitch.outcome", outcome)
        if error_type is not None:
            span.set_status(Status(StatusCode.ERROR, error_type))
        span.end()

    # -- routing and webhooks ---------------------------------------------------------------
    @hookimpl
    def call_routed(
        self,
        router: str,
        operation: str,
        provider: str | None,
        reason: str,
        failed_over: tuple[str, ...],
        skipped: Mapping[str, str],
    ) -> None:
        for name in failed_over:
            self.failovers.add(
                1,
                {
                    "callswitch.router": router,
                    "callswitch.operation": operation,
                    "callswitch.provider": name,
                },
            )
        span = trace.get_current_span()
        if span.is_recording():
            attributes: dict[str, Any] = {
                "callswitch.router": router,
                "callswitch.operation": operation,
                "callswitch.reason": reason,
                "callswitch.failed_over": list(failed_over),
            }
            if provider is not None:
                attributes["callswitch.provider"] = provider
            span.add_event("callswitch.routed", attributes)

    @hookimpl
    def webhook_duplicate(self, provider: str, event_type: str, handled: bool) -> None:
        self.webhook_duplicates.add(
            1,
            {
                "callswitch.provider": provider,
                "callswitch.event_type": event_type,
                "callswitch.handled": handled,
            },
        )


def _http_attributes(
    provider: str, operation: str, method: str, url: str, attempt: int
) -> dict[str, Any]:
    """The HTTP client semantic-convention attributes of an attempt (``url`` is already
    redacted and has no user info or query)."""
    parts = urlsplit(url)
    attributes: dict[str, Any] = {
        "http.request.method": method,
        "url.full": url,
        "server.address": parts.hostname or "",
        "server.port": parts.port or (443 if parts.scheme == "https" else 80),
        "callswitch.provider": provider,
        "callswitch.operation": operation,
        "callswitch.attempt": attempt,
    }
    if attempt > 1:
        attributes["http.request.resend_count"] = attempt - 1
    return attributes


_lock = threading.Lock()
_installed: OpenTelemetryPlugin | None = None


def instrument(
    *,
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> OpenTelemetryPlugin:
    """Send callswitch's spans and metrics to OpenTelemetry; returns the plugin.

    With no providers, the global ones (``opentelemetry.trace.set_tracer_provider``)
    are used. Idempotent: called again, it returns the plugin already installed, unless
    other providers are passed, which replace it.
    """
    global _installed
    with _lock:
        if _installed is not None:
            if tracer_provider is None and meter_provider is None:
                return _installed
            default_registry().unregister_observer(_installed)
        plugin = OpenTelemetryPlugin(tracer_provider, meter_provider)
        default_registry().register_observer(plugin, "callswitch.otel")
        _installed = plugin
        return plugin


def uninstrument() -> None:
    """Stop sending spans and metrics (a no-op when :func:`instrument` was not called)."""
    global _installed
    with _lock:
        if _installed is not None:
            default_registry().unregister_observer(_installed)
            _installed = None
