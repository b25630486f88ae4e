"""The plugin SDK: everything a provider package imports from callswitch, in one place.

A provider package (the built-in Retell, Vapi and Truedy ones included) imports the names
below from here, and otherwise only public modules such as :mod:`callswitch.models` and
:mod:`callswitch.errors`; it never imports a ``callswitch._private`` module. The names
live in their own modules; this module re-exports them as the plugin contract::

    from callswitch.plugin import Adapter, ProviderSpec, Request, Safety, hookimpl

Groups (``docs/plugins.md`` gives one line per name):

* registration: :data:`hookimpl`, :class:`ProviderSpec`, :data:`HOOK_API_VERSION`;
* capabilities: :class:`Capabilities`, :class:`Support`, :class:`Capability`,
  :func:`supported`, :func:`unsupported`, :data:`UPDATE_FIELDS`, :data:`CONTROL_FIELDS`;
* the sans-IO adapter: :class:`Adapter`, :class:`Plan`, :class:`Request`,
  :class:`Response`, :class:`Page`, :class:`Safety`, :class:`ErrorDetails`,
  :func:`merge_options`, :func:`parse_retry_after`;
* mapping helpers: number, time and transcript conversions, list filters, an LRU cache;
* webhook rules: :class:`WebhookRules` and the helpers that verify and map an event.
"""

from __future__ import annotations

import typing

from callswitch._kit import (
    ListFilters,
    LruCache,
    UtteranceRow,
    applied_capabilities,
    call_id_of,
    epoch_to_datetime,
    finite_float,
    finite_number,
    format_utc,
    iso_to_datetime,
    list_filters,
    to_decimal,
    to_timedelta,
    utterances,
    variables_to_strings,
)
from callswitch.capabilities import (
    CONTROL_FIELDS,
    UPDATE_FIELDS,
    Capabilities,
    Capability,
    Support,
    supported,
    unsupported,
)
from callswitch.hookspecs import hookimpl
from callswitch.http import Page, Plan, Request, Response, Safety
from callswitch.provider import (
    HOOK_API_VERSION,
    Adapter,
    ErrorDetails,
    ProviderSpec,
    check_idempotency_key,
    merge_options,
)

if typing.TYPE_CHECKING:
    from callswitch._retry import parse_retry_after
    from callswitch.webhooks._rules import (
        CallEvent,
        EventType,
        Headers,
        HmacAuth,
        HmacScheme,
        SharedSecretAuth,
        WebhookRules,
        WebhookSecret,
        call_event,
        check_freshness,
        event_name,
        event_time,
        fixed_secret,
        mapped_call,
        secret_text,
        verify_hmac,
        verify_shared_secret,
    )

#: The webhook-rule names, loaded on first access (PEP 562): a provider's plugin module
#: imports this module when its provider is looked up, and connecting to a provider
#: needs none of the webhook code (nor the signing modules' hmac and secrets).
_WEBHOOK_RULES = frozenset(
    {
        "CallEvent",
        "EventType",
        "Headers",
        "HmacAuth",
        "HmacScheme",
        "SharedSecretAuth",
        "WebhookRules",
        "WebhookSecret",
        "call_event",
        "check_freshness",
        "event_name",
        "event_time",
        "fixed_secret",
        "mapped_call",
        "secret_text",
        "verify_hmac",
        "verify_shared_secret",
    }
)

__all__ = [
    "CONTROL_FIELDS",
    "HOOK_API_VERSION",
    "UPDATE_FIELDS",
    "Adapter",
    "CallEvent",
    "Capabilities",
    "Capability",
    "ErrorDetails",
    "EventType",
    "Headers",
    "HmacAuth",
    "HmacScheme",
    "ListFilters",
    "LruCache",
    "Page",
    "Plan",
    "ProviderSpec",
    "Request",
    "Response",
    "Safety",
    "SharedSecretAuth",
    "Support",
    "UtteranceRow",
    "WebhookRules",
    "WebhookSecret",
    "applied_capabilities",
    "call_event",
    "call_id_of",
    "check_freshness",
    "check_idempotency_key",
    "epoch_to_datetime",
    "event_name",
    "event_time",
    "finite_float",
    "finite_number",
    "fixed_secret",
    "format_utc",
    "hookimpl",
    "iso_to_datetime",
    "list_filters",
    "mapped_call",
    "merge_options",
    "parse_retry_after",
    "secret_text",
    "supported",
    "to_decimal",
    "to_timedelta",
    "unsupported",
    "utterances",
    "variables_to_strings",
    "verify_hmac",
    "verify_shared_secret",
]


def __getattr__(name: str) -> typing.Any:
    if name == "parse_retry_after":  # the retry module loads when a plugin first asks
        from callswitch._retry import parse_retry_after

        globals()[name] = parse_retry_after
        return parse_retry_after
    if name not in _WEBHOOK_RULES:
        raise AttributeError(f"module 'callswitch.plugin' has no attribute {name!r}")
    from callswitch.webhooks import _rules

    value = getattr(_rules, name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WEBHOOK_RULES, "parse_retry_after"})
