"""The hooks a callswitch plugin implements.

A plugin is a module named in the ``callswitch.providers`` entry-point group; the entry
point's name is the provider's name. The module implements hooks marked with
:data:`hookimpl`, which plugins import from the plugin SDK, :mod:`callswitch.plugin`::

    from callswitch.plugin import ProviderSpec, hookimpl

    @hookimpl
    def register_providers(register):
        register(ProviderSpec(name="acme", adapter="callswitch_acme.adapter:AcmeAdapter", ...))

Hooks are called with keyword arguments only, so a hook can gain arguments in a later
version without breaking plugins written today (pluggy passes each implementation only
the arguments it names). :data:`callswitch.provider.HOOK_API_VERSION` is the version of
this interface; a spec records the version it was written for.

The other hooks observe what clients do, for tracing and metrics (the built-in
OpenTelemetry plugin, :mod:`callswitch.otel`, is one implementation). Register a plugin
that implements them with :meth:`callswitch.registry.Registry.register_observer`; a
provider plugin that implements them observes once it is loaded. They are called only
while some plugin implements one of them: with none, the engine does no work for them.
Their arguments never hold an API key, a credential URL (a live-control URL is shown as
scheme and host only) or call content (numbers, variables, transcripts, bodies). An
observer hook that raises is logged on ``callswitch.observe`` and does not fail the call.
See ``docs/observability.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal

import pluggy

if TYPE_CHECKING:
    from callswitch.provider import ProviderSpec

__all__ = ["OBSERVER_HOOKS", "Outcome", "hookimpl", "hookspec"]

#: What became of an operation or an attempt, as the observer hooks report it:
#: ``ok``; ``retried`` (an attempt that failed and was tried again); ``error`` (the vendor
#: or the network said no: the error is raised); ``outcome_unknown`` (sent, and it may or
#: may not have been applied: :class:`~callswitch.errors.OutcomeUnknownError`);
#: ``refused`` (refused before anything was sent, such as an unsupported capability);
#: ``dropped`` (sent without the capabilities the provider lacks, or, when nothing was
#: left, not sent at all; ``dropped=`` names them); ``cancelled`` (the caller stopped
#: waiting, e.g. an asyncio task was cancelled).
Outcome = Literal["ok", "retried", "error", "outcome_unknown", "refused", "dropped", "cancelled"]

hookspec = pluggy.HookspecMarker("callswitch")
hookimpl = pluggy.HookimplMarker("callswitch")


@hookspec
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register one or more providers by calling ``register(spec)`` for each.

    The host owns the registry: it refuses a duplicate name and reports a broken plugin
    by name without taking the other providers down.
    """


# -- observing operations ------------------------------------------------------------------
# One operation is one public call (``client.calls.get``, one page of ``list``): it starts,
# makes one or more requests (Vapi live control reads the call first), each in one or more
# attempts, and finishes. For each operation the hooks run in this order, on the thread or
# asyncio task that made the call: operation_started, then for every attempt
# attempt_started and attempt_finished, then operation_finished. So an implementation may
# keep per-operation state in a ContextVar (the OpenTelemetry plugin keeps its current
# span there). Specs list their arguments as plain parameters because pluggy matches
# implementations by positional parameter names; callswitch always passes them by keyword.


@hookspec
def operation_started(provider: str, operation: str) -> None:
    """An operation is about to send its first request.

    ``provider`` is the provider's name (``"retell"``); ``operation`` the capability
    name of the operation (``"calls.get"``, ``"calls.control"``).
    """


@hookspec
def operation_finished(
    provider: str,
    operation: str,
    outcome: Outcome,
    status: int | None,
    attempts: int,
    duration: float,
    error_type: str | None,
    dropped: tuple[str, ...],
) -> None:
    """An operation is over: it returned or raised.

    ``outcome`` is one of :data:`Outcome`. ``status`` is the HTTP status of the last
    response (None when none came: a network error, or nothing was sent). ``attempts``
    counts attempts over all its requests (0 when nothing was sent: then no
    operation_started came before this call). ``duration`` is seconds from
    operation_started (0.0 when nothing was sent). ``error_type`` is the class name of
    the callswitch error raised (``"RateLimitError"``), None on success. ``dropped``
    names the capabilities left out (``on_unsupported="drop"``) or refused.
    """


@hookspec
def attempt_started(provider: str, operation: str, method: str, url: str, attempt: int) -> None:
    """One attempt at one HTTP request is about to be sent.

    ``method`` is the HTTP method; ``url`` the request URL without its query, redacted
    (a credential URL a vendor handed out is shown as ``scheme://host/...``);
    ``attempt`` counts from 1 for each request.
    """


@hookspec
def attempt_finished(
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
    """The attempt announced by attempt_started is over.

    ``status`` is the response's HTTP status, None when the network failed (then
    ``error_type`` is the httpx exception's class name, such as ``"ConnectTimeout"``).
    For an error status ``error_type`` is the callswitch error it maps to when this was
    the last attempt, else the status code as a string. ``outcome`` is ``ok``,
    ``retried`` (another attempt follows), ``error``, ``outcome_unknown`` or
    ``cancelled``. ``duration`` is seconds from attempt_started.
    """


# -- observing routing -----------------------------------------------------------------------


@hookspec
def call_routed(
    router: str,
    operation: str,
    provider: str | None,
    reason: str,
    failed_over: tuple[str, ...],
    skipped: Mapping[str, str],
) -> None:
    """A router or a campaign placed a call (``provider`` took it) or could not
    (``provider`` is None).

    ``router`` says who routed: ``"router"`` for :class:`callswitch.Router` and
    :class:`callswitch.AsyncRouter`, ``"campaign:<name>"`` for a campaign.
    ``operation`` is ``"calls.create_phone"`` or ``"calls.create_web"``. ``reason``
    says in one line why this provider took it (or why none did). ``failed_over`` names,
    in order, the providers that were tried and failed in a way that let the call move
    on; ``skipped`` maps every provider passed over (tried or not) to why.
    """


# -- observing webhooks ----------------------------------------------------------------------


@hookspec
def webhook_duplicate(provider: str, event_type: str, handled: bool) -> None:
    """A verified webhook delivery was an event the receiver has seen before.

    ``handled`` is True when the event was handled already (answered 200 ``duplicate``),
    False when another worker holds it now (answered 503). ``event_type`` is the
    normalized type (``"call.ended"``).
    """


#: The observer hooks: an implementation of any of them switches observation on.
OBSERVER_HOOKS = (
    "operation_started",
    "operation_finished",
    "attempt_started",
    "attempt_finished",
    "call_routed",
    "webhook_duplicate",
)
