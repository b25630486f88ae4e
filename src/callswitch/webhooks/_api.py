"""The public entry points: :func:`parse`, :func:`verify`, :func:`event_from_payload`."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from callswitch.errors import InvalidRequestError
from callswitch.http import loads
from callswitch.names import CapabilityName
from callswitch.webhooks._events import CallEvent
from callswitch.webhooks._headers import Headers
from callswitch.webhooks._rules import WebhookRules
from callswitch.webhooks._signing import WebhookSecret

if TYPE_CHECKING:
    from callswitch.provider import ProviderSpec

__all__ = ["DEFAULT_TOLERANCE", "event_from_payload", "load_rules", "parse", "verify"]

#: Default timestamp tolerance, in seconds, for providers that do not declare their own.
DEFAULT_TOLERANCE = 300.0

_CAPABILITY: Final[CapabilityName] = "webhooks.verify"

# provider -> (the registry's spec, its loaded rules). Valid while the registry returns
# that very spec object: a plugin registered (or re-registered) later is a new spec.
_LOADED: dict[str, tuple[ProviderSpec, WebhookRules]] = {}


def load_rules(provider: str) -> WebhookRules:
    """The webhook rules of an installed provider (imported on first use)."""
    from callswitch.registry import default_registry

    spec: ProviderSpec = default_registry().get(provider)
    loaded = _LOADED.get(provider)
    if loaded is not None and loaded[0] is spec:
        return loaded[1]
    rules = _rules_of(spec, provider)
    _LOADED[provider] = (spec, rules)
    return rules


def _rules_of(spec: ProviderSpec, provider: str) -> WebhookRules:
    from callswitch.errors import ConfigurationError, UnsupportedCapabilityError
    from callswitch.provider import load_object

    if not spec.capabilities.supports(_CAPABILITY) or spec.webhooks is None:
        raise UnsupportedCapabilityError(
            provider,
            (_CAPABILITY,),
            f"{provider} ships no webhook rules, so its webhooks cannot be verified here.",
        )
    rules = load_object(spec.webhooks, provider)
    if not isinstance(rules, WebhookRules):
        raise ConfigurationError(
            f"provider {provider!r}: {spec.webhooks} is not webhook rules (it needs "
            "default_tolerance, verify() and parse(); see callswitch.webhooks.WebhookRules)"
        )
    return rules


def _body_bytes(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise InvalidRequestError(
        f"body must be the raw request body as bytes (or str), not {type(body).__name__}; "
        "pass it before any JSON decoding, since the signature covers the exact bytes"
    )


def _tolerance(value: float | timedelta | None, rules: WebhookRules) -> float:
    if value is None:
        return float(rules.default_tolerance)
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise InvalidRequestError(
            f"tolerance must be seconds (a number) or a timedelta, not {type(value).__name__}"
        )
    if not 0 <= seconds < math.inf:
        raise InvalidRequestError(
            f"tolerance must be a finite number of seconds, zero or more, not {value!r}"
        )
    return seconds


def _now(value: float | datetime | None) -> float:
    if value is None:
        return time.time()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidRequestError("now must be a timezone-aware datetime")
        return value.timestamp()
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidRequestError(
            f"now must be epoch seconds (a number) or an aware datetime, not {type(value).__name__}"
        )
    seconds = float(value)
    try:
        # The freshness check turns now into a datetime: a time it cannot represent
        # (nan, infinities, beyond year 9999) is refused here, by name.
        datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        raise InvalidRequestError(
            f"now must be epoch seconds between year 1 and 9999, not {value!r}"
        ) from None
    return seconds


def _verify_with(
    rules: WebhookRules,
    headers: Any,
    body: object,
    secret: WebhookSecret,
    tolerance: float | timedelta | None,
    now: float | datetime | None,
) -> tuple[bytes, datetime | None]:
    data = _body_bytes(body)
    normalized = headers if isinstance(headers, Headers) else Headers(headers)
    signed_at = rules.verify(
        normalized, data, secret, tolerance=_tolerance(tolerance, rules), now=_now(now)
    )
    return data, signed_at


def verify(
    provider: str,
    *,
    headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]],
    body: bytes | str,
    secret: WebhookSecret,
    tolerance: float | timedelta | None = None,
    now: float | datetime | None = None,
) -> None:
    """Check a webhook request's signature only; raise ``InvalidSignatureError`` if bad.

    ``tolerance`` (seconds or a timedelta) bounds how far the signed timestamp may be
    from ``now`` either way; the provider's default (five minutes for the built-in
    ones) applies when omitted. ``now`` is for tests and replays: epoch seconds or an
    aware datetime.
    """
    _verify_with(load_rules(provider), headers, body, secret, tolerance, now)


def parse(
    provider: str,
    *,
    headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]],
    body: bytes | str,
    secret: WebhookSecret,
    tolerance: float | timedelta | None = None,
    now: float | datetime | None = None,
) -> CallEvent:
    """Verify a webhook request, then return it as a :class:`CallEvent`.

    The body is decoded only after the signature verified. See :func:`verify` for the
    arguments and the module docstring for the errors.
    """
    return parse_with(
        load_rules(provider),
        provider,
        headers=headers,
        body=body,
        secret=secret,
        tolerance=tolerance,
        now=now,
    )


def parse_with(
    rules: WebhookRules,
    provider: str,
    *,
    headers: Any,
    body: bytes | str,
    secret: WebhookSecret,
    tolerance: float | timedelta | None = None,
    now: float | datetime | None = None,
) -> CallEvent:
    """:func:`parse` with ``provider``'s rules already in hand (from :func:`load_rules`);
    the same verification, for a caller that keeps them (the Receiver)."""
    data, signed_at = _verify_with(rules, headers, body, secret, tolerance, now)
    return rules.parse(_json_object(provider, data), signed_at=signed_at)


def event_from_payload(provider: str, payload: Mapping[str, Any]) -> CallEvent:
    """The event for a payload **already verified** (stored, replayed, or queued).

    Never call this with a request straight from the network: use :func:`parse`.
    """
    if not isinstance(payload, Mapping):
        raise InvalidRequestError(
            f"{provider} webhook payload must be a JSON object, not {type(payload).__name__}"
        )
    return load_rules(provider).parse(dict(payload), signed_at=None)


def _json_object(provider: str, data: bytes) -> dict[str, Any]:
    try:
        payload = loads(data)  # json.loads' result, in about half its time
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidRequestError(
            f"{provider} webhook signature is valid but the body is not JSON "
            f"({len(data)} bytes); callswitch only reads JSON webhook bodies"
        ) from None
    if not isinstance(payload, dict):
        raise InvalidRequestError(
            f"{provider} webhook signature is valid but the body is a JSON "
            f"{type(payload).__name__}, not the JSON object the vendor documents"
        )
    return payload
