"""What a provider plugin uses to write its webhook rules.

:class:`WebhookRules` is the protocol a plugin implements; the helpers build a
:class:`CallEvent` the same way for every provider. The signing and timestamp helpers
live in their own modules and are re-exported here, so that a plugin (and
``callswitch.plugin``) finds every webhook-rule helper in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from callswitch.errors import InvalidRequestError
from callswitch.models import Call
from callswitch.webhooks._events import CallEvent, EventType, derive_event_id
from callswitch.webhooks._headers import Headers
from callswitch.webhooks._signing import (
    HmacAuth,
    HmacScheme,
    SharedSecretAuth,
    WebhookSecret,
    secret_text,
    verify_hmac,
    verify_shared_secret,
)
from callswitch.webhooks._timestamps import check_freshness, event_time, parse_timestamp

__all__ = [
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


def mapped_call(provider: str, to_call: Callable[[Any], Call] | str, payload: Any) -> Call:
    """Run a provider's payload mapping on a call object from a verified body.

    ``to_call`` is the mapping API responses use, or its ``"module:attribute"`` name,
    imported on first use (so loading the webhook rules does not load the mapping). A
    payload that is not an object, or that the mapping cannot read (a call without an
    id, say), is InvalidRequestError.
    """
    from callswitch.errors import CallswitchError

    if not isinstance(payload, Mapping):
        raise InvalidRequestError(
            f"{provider} webhook signature is valid but its call object could not be read: "
            f"it is a {type(payload).__name__}, not an object"
        )
    mapping = to_call
    if isinstance(mapping, str):
        from callswitch.provider import load_object

        mapping = load_object(mapping, provider)
    try:
        return mapping(payload)
    except (CallswitchError, KeyError, TypeError, ValueError) as exc:
        raise InvalidRequestError(
            f"{provider} webhook signature is valid but its call object could not be read "
            f"({type(exc).__name__}: {exc})"
        ) from exc


def first_time(*candidates: datetime | None) -> datetime:
    """The first candidate that is set, else now (UTC)."""
    for when in candidates:
        if when is not None:
            return when
    return datetime.now(UTC)


def call_event(
    provider: str,
    *,
    type: EventType,
    raw_type: str,
    raw: dict[str, Any],
    call: Call | None,
    event_id: Any = None,
    times: Iterable[datetime | None] = (),
) -> CallEvent:
    """A :class:`CallEvent`, filled the same way for every provider.

    ``event_id`` is the vendor's id when it is a non-empty string, else one is derived
    (:func:`derive_event_id`). ``occurred_at`` is the first of ``times`` that is set (the
    vendor's event time, the signed time, in the provider's order of trust), else the
    call's start (for ``call.started``) or end, else now.
    """
    if not isinstance(event_id, str) or not event_id:
        event_id = derive_event_id(provider, raw_type, call.id if call else None, raw)
    call_time = None
    if call is not None:
        call_time = call.started_at if type is EventType.CALL_STARTED else call.ended_at
    return CallEvent(
        id=event_id,
        provider=provider,
        type=type,
        raw_type=raw_type,
        occurred_at=first_time(*times, call_time),
        call=call,
        raw=raw,
    )


def event_name(container: Mapping[str, Any], key: str, *, provider: str, shape: str) -> str:
    """``container[key]`` when it is a non-empty string, else InvalidRequestError that
    shows the body ``shape`` the vendor documents."""
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidRequestError(f"{provider} webhook body has no {key!r} name; expected {shape}")
    return value


def fixed_secret(secret: WebhookSecret, provider: str, what: str) -> str:
    """The secret text, for a provider that signs one fixed way; a scheme object
    (:class:`HmacAuth`, :class:`SharedSecretAuth`) is a usage error naming ``what``."""
    if isinstance(secret, HmacAuth | SharedSecretAuth):
        raise InvalidRequestError(
            f"{provider} signs webhooks one fixed way: pass secret=<{what}> (a str or "
            f"callswitch.Secret), not {type(secret).__name__}"
        )
    return secret_text(secret, provider)


@runtime_checkable
class WebhookRules(Protocol):
    """What a provider plugin implements; ``ProviderSpec.webhooks`` names an instance.

    ``verify`` raises :class:`~callswitch.errors.InvalidSignatureError` unless the request
    is authentic and fresh, and returns the signed time when the scheme signs one. It
    must compare in constant time and must not decode the body. ``parse`` receives the
    decoded JSON object of a verified request and returns the event; it raises
    :class:`~callswitch.errors.InvalidRequestError` for a body it cannot read.
    """

    #: Seconds a signature's timestamp may differ from now when the caller gives none.
    default_tolerance: float

    def verify(
        self,
        headers: Headers,
        body: bytes,
        secret: WebhookSecret,
        *,
        tolerance: float,
        now: float,
    ) -> datetime | None: ...

    def parse(self, payload: dict[str, Any], *, signed_at: datetime | None) -> CallEvent: ...


@runtime_checkable
class SigningRules(WebhookRules, Protocol):
    """Rules that can also sign, as the vendor would: what the emulators send with and
    :func:`callswitch.testing.sign_webhook` uses. Optional for a plugin.

    ``sign`` returns the headers the vendor adds to ``body`` when it signs with
    ``secret`` at time ``now`` (epoch seconds); ``verify`` must accept them.
    """

    def sign(self, body: bytes, secret: str, *, now: float) -> dict[str, str]: ...
