"""The webhooks package: a short public ``__all__``, every older name still importable,
and the plugin-rule helpers at home in ``callswitch.webhooks._rules``."""

from __future__ import annotations

import importlib

from callswitch import webhooks

#: Every name ``callswitch.webhooks`` exported when it was one module.
OLD_NAMES = [
    "DEFAULT_TOLERANCE",
    "CallEvent",
    "Deduplicator",
    "EventType",
    "Headers",
    "HmacAuth",
    "HmacScheme",
    "InvalidSignatureError",
    "MemoryDeduplicator",
    "SharedSecretAuth",
    "WebhookRules",
    "WebhookSecret",
    "call_event",
    "check_freshness",
    "derive_event_id",
    "event_from_payload",
    "event_name",
    "event_time",
    "first_time",
    "fixed_secret",
    "load_rules",
    "mapped_call",
    "parse",
    "parse_timestamp",
    "secret_text",
    "verify",
    "verify_hmac",
    "verify_shared_secret",
]

RULE_HELPERS = [
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
    "derive_event_id",
    "event_name",
    "event_time",
    "first_time",
    "fixed_secret",
    "mapped_call",
    "parse_timestamp",
    "secret_text",
    "verify_hmac",
    "verify_shared_secret",
]


def test_all_is_public_and_resolves() -> None:
    """__all__ names exist, are public, and hold the application entry points."""
    assert {"parse", "verify", "event_from_payload", "CallEvent", "EventType"} <= set(
        webhooks.__all__
    )
    for name in webhooks.__all__:
        assert not name.startswith("_")
        assert getattr(webhooks, name) is not None


def test_old_names_still_import() -> None:
    """Providers and docs import these from callswitch.webhooks: the same objects."""
    rules = importlib.import_module("callswitch.webhooks._rules")
    for name in OLD_NAMES:
        assert hasattr(webhooks, name), name
        if hasattr(rules, name):
            assert getattr(webhooks, name) is getattr(rules, name)


def test_rule_helpers_live_in_rules_module() -> None:
    """callswitch.plugin re-exports the webhook-rule helpers from webhooks._rules."""
    rules = importlib.import_module("callswitch.webhooks._rules")
    assert sorted(rules.__all__) == sorted(RULE_HELPERS)
    for name in RULE_HELPERS:
        assert getattr(rules, name) is getattr(webhooks, name)
