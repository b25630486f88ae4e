"""Calling the observer hooks (:mod:`callswitch.hookspecs`) from the engine, cheaply.

:data:`relay` is the default registry's hook relay while some plugin implements an
observer hook, and None otherwise: the engine reads it once per operation and does
nothing more when it is None. :class:`_Operation` follows one operation and its
attempts while it runs. Hook arguments are built here, from what the engine shows in
logs and errors, so that no key, credential URL or call content reaches a plugin.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from callswitch._faults import _Failure
from callswitch.errors import OutcomeUnknownError
from callswitch.hookspecs import OBSERVER_HOOKS, Outcome

if TYPE_CHECKING:
    import pluggy

logger = logging.getLogger("callswitch.observe")

T = TypeVar("T")

#: The hooks to call, or None when no plugin observes (set by the default registry).
relay: Any = None


def _refresh(pm: pluggy.PluginManager) -> None:
    """Point :data:`relay` at ``pm``'s hooks if any plugin implements an observer hook."""
    global relay
    observed = any(getattr(pm.hook, name).get_hookimpls() for name in OBSERVER_HOOKS)
    relay = pm.hook if observed else None


def _call(name: str, **kwargs: Any) -> None:
    """Call hook ``name``; a plugin that raises is logged and the call carries on."""
    hooks = relay
    if hooks is None:
        return
    try:
        getattr(hooks, name)(**kwargs)
    except Exception:
        logger.exception("observer hook %s failed; the call carries on", name)


def _public_url(url: str) -> str:
    """``url`` without user info, query or fragment (the engine's shown URL has no
    query; a base URL could carry ``user:password@``)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def refused(provider: str, operation: str, error: Exception, names: tuple[str, ...]) -> None:
    """An operation refused before anything was sent."""
    _finished_unsent(provider, operation, "refused", type(error).__name__, names)


def dropped_all(provider: str, operation: str, names: tuple[str, ...]) -> None:
    """An operation that sends nothing, since everything it asked for was dropped."""
    _finished_unsent(provider, operation, "dropped", None, names)


def _finished_unsent(
    provider: str,
    operation: str,
    outcome: Outcome,
    error_type: str | None,
    names: tuple[str, ...],
) -> None:
    if relay is None:
        return
    _call(
        "operation_finished",
        provider=provider,
        operation=operation,
        outcome=outcome,
        status=None,
        attempts=0,
        duration=0.0,
        error_type=error_type,
        dropped=names,
    )


def routed(
    router: str,
    operation: str,
    provider: str | None,
    reason: str,
    failed_over: tuple[str, ...],
    skipped: Mapping[str, str],
) -> None:
    """A router or campaign placed a call, or could not."""
    if relay is None:
        return
    _call(
        "call_routed",
        router=router,
        operation=operation,
        provider=provider,
        reason=reason,
        failed_over=failed_over,
        skipped=dict(skipped),
    )


def webhook_duplicate(provider: str, event_type: str, handled: bool) -> None:
    if relay is None:
        return
    _call("webhook_duplicate", provider=provider, event_type=event_type, handled=handled)


class _Operation:
    """One operation being observed, from its first request to its result or error."""

    __slots__ = ("attempts", "operation", "provider", "started", "status")

    def __init__(self, provider: str, operation: str) -> None:
        self.provider = provider
        self.operation = operation or "request"
        self.attempts = 0
        self.status: int | None = None
        self.started = time.perf_counter()
        _call("operation_started", provider=provider, operation=self.operation)

    def watch(self, method: str, url: str, steps: Generator[Any, Any, T]) -> Generator[Any, Any, T]:
        """``steps`` (the engine's attempts at one request), with a hook call around each
        send: a send step starts an attempt, a wait after it means it is retried, and the
        returned response or error ends the last one."""
        url = _public_url(url)
        attempt = 0
        started = 0.0
        status: int | None = None
        error_type: str | None = None
        open_ = False

        def finish(outcome: Outcome, error: str | None) -> None:
            nonlocal open_
            open_ = False
            _call(
                "attempt_finished",
                provider=self.provider,
                operation=self.operation,
                method=method,
                url=url,
                attempt=attempt,
                status=status,
                duration=time.perf_counter() - started,
                outcome=outcome,
                error_type=error,
            )

        reply: Any = None
        try:
            while True:
                try:
                    step = steps.send(reply)
                except StopIteration as stop:
                    result: T = stop.value
                    if open_:
                        if isinstance(result, BaseException):
                            outcome: Outcome = (
                                "outcome_unknown"
                                if isinstance(result, OutcomeUnknownError)
                                else "error"
                            )
                            finish(outcome, type(result).__name__)
                        else:
                            finish("ok", None)
                    return result
                if isinstance(step, float):  # a wait: the attempt before it is retried
                    if open_:
                        finish("retried", error_type)
                    reply = yield step
                    continue
                attempt += 1
                self.attempts += 1
                _call(
                    "attempt_started",
                    provider=self.provider,
                    operation=self.operation,
                    method=method,
                    url=url,
                    attempt=attempt,
                )
                started = time.perf_counter()
                open_ = True
                reply = yield step
                if isinstance(reply, _Failure):
                    status, error_type = None, type(reply.error).__name__
                else:
                    status = getattr(reply, "status_code", None)
                    error_type = str(status) if status is not None and status >= 400 else None
                self.status = status
        except GeneratorExit:
            if open_:
                finish("cancelled", None)
            raise
        finally:
            steps.close()

    def finished(self, result: object) -> None:
        dropped = getattr(result, "dropped", ())
        outcome: Outcome = "dropped" if dropped else "ok"
        self._end(outcome, None, tuple(dropped))

    def failed(self, exc: BaseException) -> None:
        if isinstance(exc, OutcomeUnknownError):
            outcome: Outcome = "outcome_unknown"
        elif isinstance(exc, Exception):
            outcome = "error"
        else:  # GeneratorExit, CancelledError, KeyboardInterrupt: the caller stopped
            outcome = "cancelled"
        self._end(outcome, type(exc).__name__ if outcome != "cancelled" else None, ())

    def _end(self, outcome: Outcome, error_type: str | None, dropped: tuple[str, ...]) -> None:
        _call(
            "operation_finished",
            provider=self.provider,
            operation=self.operation,
            outcome=outcome,
            status=self.status,
            attempts=self.attempts,
            duration=time.perf_counter() - self.started,
            error_type=error_type,
            dropped=dropped,
        )
