"""Webhooks: verify a vendor's signed request, then turn it into a neutral :class:`CallEvent`.

Framework-neutral: pass the request's headers and its raw body bytes, exactly as received::

    from callswitch import webhooks

    event = webhooks.parse("retell", headers=request_headers, body=raw_body, secret=api_key)
    if event.type is webhooks.EventType.CALL_ENDED:
        store(event.call)

Each provider plugin contributes its rules (a :class:`WebhookRules`) through
``ProviderSpec.webhooks``, a ``"module:attribute"`` string loaded on first use. The core
knows no vendor: it normalizes headers and body, runs the provider's ``verify``, decodes
the JSON only once verification passed, and runs the provider's ``parse``.

Errors:

* :class:`~callswitch.errors.InvalidSignatureError`: missing, malformed, stale (older
  than ``tolerance``), future (newer than ``tolerance``) or wrong signature. The body was
  not parsed. Answer the vendor with 401/400.
* :class:`~callswitch.errors.InvalidRequestError`: the signature is valid but the body is
  not a JSON object the provider's rules can read (or the arguments are wrong, such as an
  empty secret). The signature is not the problem here, so it is a separate error.
* :class:`~callswitch.errors.UnsupportedCapabilityError`: the provider declares no
  ``webhooks.verify`` capability or ships no webhook rules.

Delivery is at least once for every vendor: use a :class:`Deduplicator` keyed by
:attr:`CallEvent.key`.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import attrs
from pydantic import BaseModel, ConfigDict, Field, field_validator

from callswitch._kit import iso_to_datetime
from callswitch.config import Secret
from callswitch.errors import InvalidRequestError, InvalidSignatureError
from callswitch.models import Call

if TYPE_CHECKING:
    from callswitch.provider import ProviderSpec

__all__ = [
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

#: Default timestamp tolerance, in seconds, for providers that do not declare their own.
DEFAULT_TOLERANCE = 300.0

_CAPABILITY = "webhooks.verify"


# --------------------------------------------------------------------------- events


class EventType(enum.StrEnum):
    """What happened, in neutral terms. ``CallEvent.raw_type`` keeps the vendor's word."""

    CALL_STARTED = "call.started"
    #: The other party connected: the callee answered, or a web participant joined.
    CALL_ANSWERED = "call.answered"
    CALL_ENDED = "call.ended"
    #: The call's cost is final (it may come after ``call.ended``).
    CALL_BILLED = "call.billed"
    CALL_ANALYZED = "call.analyzed"
    CALL_STATUS_CHANGED = "call.status_changed"
    CALL_TRANSCRIPT = "call.transcript"
    CALL_TRANSFER = "call.transfer"
    #: A batch (campaign) of calls changed status; ``CallEvent.call`` is ``None``.
    BATCH_STATUS_CHANGED = "batch.status_changed"
    #: A batch (campaign) of calls finished; ``CallEvent.call`` is ``None``.
    BATCH_COMPLETED = "batch.completed"
    OTHER = "other"


class CallEvent(BaseModel):
    """One verified webhook event, the same shape for every vendor.

    ``id`` is the vendor's event id when it sends one, else a stable digest of the
    provider, the event name, the call id and the payload (a redelivery of the same
    payload gets the same id). ``occurred_at`` is the vendor's event time when it sends
    one, else the signed timestamp, else the call's own times, else the time of parsing.
    ``call`` is built by the same mapping as API responses (``None`` for events about
    no call). ``raw`` is the decoded body, untouched.
    """

    # defer_build: the schema is built on first use, not when callswitch is imported.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    id: str
    provider: str
    type: EventType
    raw_type: str = Field(description="The vendor's event name, e.g. 'call_ended'.")
    occurred_at: datetime
    call: Call | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        return value

    @property
    def key(self) -> str:
        """``"<provider>:<id>"``: unique across providers, the key to de-duplicate on."""
        return f"{self.provider}:{self.id}"

    @property
    def call_id(self) -> str | None:
        return self.call.id if self.call is not None else None


def derive_event_id(provider: str, raw_type: str, call_id: str | None, payload: Any) -> str:
    """A stable id for an event the vendor sends without one.

    Digest of the provider, event name, call id and the payload in canonical JSON (sorted
    keys), so that a redelivery of the same event maps to the same id whatever the
    signature timestamp, while two different events of one call (a growing transcript,
    say) do not collide.
    """
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(
        "\n".join((provider, raw_type, call_id or "", canonical)).encode("utf-8")
    ).hexdigest()
    return f"derived_{digest[:40]}"


# -------------------------------------------------------------------------- headers


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only request headers.

    Built from a mapping (``dict``, ``httpx.Headers``, Starlette ``Headers``...) or from a
    list of ``(name, value)`` pairs, ``str`` or ``bytes`` (ASGI ``scope["headers"]``).
    A name sent more than once keeps every value; :meth:`single` refuses a header
    repeated with different values, so that a signature is never read ambiguously.
    """

    __slots__ = ("_items",)
    _items: dict[str, list[str]]

    def __init__(
        self, headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]] | None = None
    ) -> None:
        items: dict[str, list[str]] = {}
        if headers is None:
            pairs: Iterable[tuple[Any, Any]] = ()
        elif isinstance(headers, Headers):
            pairs = [(k, v) for k, values in headers._items.items() for v in values]
        elif isinstance(headers, Mapping):
            multi = getattr(headers, "multi_items", None)
            raw_list = getattr(headers, "raw", None)
            if callable(multi):  # httpx.Headers, starlette Headers keep repeated values
                pairs = multi()
            elif isinstance(raw_list, list):
                pairs = raw_list
            else:
                pairs = headers.items()
        else:
            pairs = headers
        try:
            for name, value in pairs:
                key = _text(name).strip().lower()
                items.setdefault(key, []).append(_text(value).strip())
        except (TypeError, ValueError) as exc:
            raise InvalidRequestError(
                "headers must be a mapping of names to values or a list of (name, value) "
                f"pairs of str or bytes ({exc})"
            ) from None
        self._items = items

    @classmethod
    def from_wsgi_environ(cls, environ: Mapping[str, Any]) -> Headers:
        """The request headers of a WSGI ``environ`` (``HTTP_*``, ``CONTENT_TYPE``...)."""
        pairs: list[tuple[str, str]] = []
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                pairs.append((key[5:].replace("_", "-"), str(value)))
            elif key in {"CONTENT_TYPE", "CONTENT_LENGTH"} and value:
                pairs.append((key.replace("_", "-"), str(value)))
        return cls(pairs)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def get_all(self, name: str) -> tuple[str, ...]:
        return tuple(self._items.get(name.lower(), ()))

    def single(self, name: str, provider: str) -> str | None:
        """The header's value, ``None`` when absent; refuses conflicting repeats."""
        values = set(self.get_all(name))
        if len(values) > 1:
            raise InvalidSignatureError(
                f"{provider} webhook: the {name} header was sent {len(self.get_all(name))} "
                "times with different values; refusing to guess which one is signed"
            )
        return next(iter(values)) if values else None

    def __repr__(self) -> str:
        # Header values can hold secrets (Authorization, X-Vapi-Secret): names only.
        return f"Headers({sorted(self._items)})"


def _text(value: str | bytes) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    if isinstance(value, str):
        return value
    raise TypeError(f"expected str or bytes, got {type(value).__name__}")


# -------------------------------------------------------------------------- secrets


def _decode_base64_secret(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequestError(
            "HmacAuth(secret_is_base64=True) needs a base64 secret; this one does not decode. "
            "Pass the secret exactly as the vendor's dashboard shows it"
        ) from None


_ALGORITHMS = ("sha1", "sha256", "sha512")
_ENCODINGS = ("hex", "base64")


def _check_algorithm(_inst: Any, _attr: Any, value: Any) -> None:
    if value is not None and value not in _ALGORITHMS:
        raise InvalidRequestError(
            f"HmacAuth algorithm must be one of {', '.join(_ALGORITHMS)}, not {value!r}"
        )


def _check_encoding(_inst: Any, _attr: Any, value: Any) -> None:
    if value is not None and value not in _ENCODINGS:
        raise InvalidRequestError(
            f"HmacAuth encoding must be one of {', '.join(_ENCODINGS)}, not {value!r}"
        )


def _check_format(_inst: Any, _attr: Any, value: Any) -> None:
    if value is None:
        return
    if "{body}" not in value:
        raise InvalidRequestError(
            f"HmacAuth payload_format {value!r} must contain {{body}}: a signature that does "
            "not cover the body proves nothing about it"
        )
    rest = value.replace("{body}", "").replace("{timestamp}", "")
    if "{" in rest or "}" in rest:
        raise InvalidRequestError(
            f"HmacAuth payload_format {value!r} uses a placeholder callswitch cannot fill; "
            "only {timestamp} and {body} are supported"
        )


Algorithm = Literal["sha1", "sha256", "sha512"]
Encoding = Literal["hex", "base64"]


@attrs.frozen
class HmacScheme:
    """A signed-request scheme without its secret: what a provider plugin declares as
    its default (or only) way of signing webhooks.

    ``signature = HMAC(secret, payload_format)``, sent in ``signature_header``.
    ``payload_format`` has ``{timestamp}`` (the ``timestamp_header`` value, verbatim) and
    ``{body}`` (the raw body); without ``{timestamp}`` no timestamp is read and no
    freshness check is possible. ``signature_prefix`` is stripped (``"sha256="`` for
    GitHub-style headers).
    """

    signature_header: str
    timestamp_header: str | None
    algorithm: Algorithm = attrs.field(validator=_check_algorithm)
    encoding: Encoding = attrs.field(validator=_check_encoding)
    payload_format: str = attrs.field(validator=_check_format)
    signature_prefix: str = ""

    def __attrs_post_init__(self) -> None:
        if "{timestamp}" in self.payload_format and not self.timestamp_header:
            raise InvalidRequestError(
                f"payload_format {self.payload_format!r} signs a timestamp, so the scheme "
                "needs a timestamp_header"
            )

    def auth(self, secret: str | Secret) -> HmacAuth:
        """This scheme with its secret."""
        return HmacAuth(
            secret,
            algorithm=self.algorithm,
            encoding=self.encoding,
            signature_header=self.signature_header,
            timestamp_header=self.timestamp_header,
            payload_format=self.payload_format,
            signature_prefix=self.signature_prefix,
        )


@attrs.frozen
class HmacAuth:
    """A signed-request secret, with any part of the scheme the caller wants to set.

    For vendors whose signing is configurable: the fields left ``None`` take the
    provider's default scheme (a :class:`HmacScheme` its plugin declares); set the ones
    you changed on the vendor's side. The core has no default of its own: a provider
    without a default scheme needs every field. ``secret_is_base64`` decodes the secret
    before use. See :class:`HmacScheme` for what the fields mean.
    """

    secret: str | Secret = attrs.field(repr=False)
    algorithm: Algorithm | None = attrs.field(default=None, validator=_check_algorithm)
    encoding: Encoding | None = attrs.field(default=None, validator=_check_encoding)
    signature_header: str | None = None
    timestamp_header: str | None = None
    payload_format: str | None = attrs.field(default=None, validator=_check_format)
    signature_prefix: str | None = None
    secret_is_base64: bool = False

    def key(self, provider: str) -> bytes:
        text = secret_text(self.secret, provider)
        return _decode_base64_secret(text) if self.secret_is_base64 else text.encode("utf-8")

    def scheme(self, default: HmacScheme | None, provider: str) -> HmacScheme:
        """The full scheme: these fields, the provider's ``default`` for those left unset."""
        d = default
        header = self.signature_header or (d.signature_header if d else None)
        algorithm = self.algorithm or (d.algorithm if d else None)
        encoding = self.encoding or (d.encoding if d else None)
        payload_format = self.payload_format or (d.payload_format if d else None)
        missing = [
            name
            for name, value in (
                ("signature_header", header),
                ("algorithm", algorithm),
                ("encoding", encoding),
                ("payload_format", payload_format),
            )
            if value is None
        ]
        if missing or header is None or algorithm is None or encoding is None:
            raise InvalidRequestError(
                f"{provider} has no default HMAC scheme, so HmacAuth must set {', '.join(missing)}"
            )
        if payload_format is None:
            raise InvalidRequestError(
                f"{provider} has no default HMAC scheme, so HmacAuth must set payload_format"
            )
        prefix = self.signature_prefix
        return HmacScheme(
            signature_header=header,
            timestamp_header=self.timestamp_header or (d.timestamp_header if d else None),
            algorithm=algorithm,
            encoding=encoding,
            payload_format=payload_format,
            signature_prefix=prefix if prefix is not None else (d.signature_prefix if d else ""),
        )


@attrs.frozen
class SharedSecretAuth:
    """A shared secret sent as-is in a header (no signature, no timestamp).

    ``header="authorization"`` with ``bearer_prefix=True`` expects ``Bearer <secret>``;
    a custom header (``x-vapi-secret``) usually carries the bare secret.
    """

    secret: str | Secret = attrs.field(repr=False)
    header: str = "authorization"
    bearer_prefix: bool = True


#: What ``secret=`` accepts: the secret itself, or a scheme for configurable vendors.
WebhookSecret = str | Secret | HmacAuth | SharedSecretAuth


def secret_text(secret: object, provider: str) -> str:
    """The secret as text; a clear error for an empty or mistyped one."""
    value = secret.get_secret_value() if isinstance(secret, Secret) else secret
    if not isinstance(value, str):
        raise InvalidRequestError(
            f"{provider} webhook secret must be a string (or callswitch.Secret), "
            f"not {type(secret).__name__}"
        )
    if not value:
        raise InvalidRequestError(
            f"{provider} webhook secret is empty; pass the secret the vendor signs with"
        )
    return value


# ------------------------------------------------------------------------ timestamps

#: Numbers above this are read as epoch milliseconds, below as epoch seconds (1e11 s is
#: the year 5138; 1e11 ms is 1973), for vendors that do not say which they send.
_MS_THRESHOLD = 1e11


def parse_timestamp(value: str | float) -> datetime:
    """A timestamp: epoch seconds, epoch milliseconds or ISO 8601 -> aware UTC.

    Raises ``ValueError`` when it is none of these. An ISO value without an offset is
    read as UTC. Numbers above 1e11 are read as milliseconds.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        value = repr(value)
    text = value.strip()
    if not text:
        raise ValueError("empty timestamp")
    number: float | None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if number != number or number in (float("inf"), float("-inf")) or number < 0:
            raise ValueError(f"not a usable epoch time: {value!r}")
        seconds = number / 1000.0 if number > _MS_THRESHOLD else number
        return datetime.fromtimestamp(seconds, UTC)
    when = iso_to_datetime(text)
    if when is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return when


def event_time(value: Any) -> datetime | None:
    """A time a vendor put in a webhook body (epoch seconds or milliseconds, or ISO 8601,
    as :func:`parse_timestamp` reads them), or ``None`` when it is none of these."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return parse_timestamp(value)
        except (ValueError, OverflowError, OSError):
            return None
    return None


def check_freshness(signed_at: datetime, *, now: float, tolerance: float, provider: str) -> None:
    """Refuse a signature more than ``tolerance`` seconds older or newer than ``now``."""
    # Datetime arithmetic is exact to the microsecond, so a signature exactly at the
    # tolerance is accepted (as the vendors' own checks do) without float rounding.
    delta = (signed_at - datetime.fromtimestamp(now, UTC)).total_seconds()
    if delta < -tolerance:
        raise InvalidSignatureError(
            f"{provider} webhook signature is stale: signed {-delta:.0f} s ago, more than the "
            f"{tolerance:.0f} s tolerance. A replayed request, or this server's clock is off"
        )
    if delta > tolerance:
        raise InvalidSignatureError(
            f"{provider} webhook signature is dated {delta:.0f} s in the future, beyond the "
            f"{tolerance:.0f} s tolerance. Check this server's clock"
        )


# ---------------------------------------------------------------------- verification


def _decode_signature(value: str, encoding: str) -> bytes:
    if encoding == "hex":
        return bytes.fromhex(value)
    return base64.b64decode(value, validate=True)


def verify_hmac(
    headers: Headers,
    body: bytes,
    auth: HmacAuth,
    *,
    tolerance: float,
    now: float,
    provider: str,
    default: HmacScheme | None = None,
) -> datetime | None:
    """Check an :class:`HmacAuth` signature; return the signed time (``None`` if unsigned).

    Fields ``auth`` leaves unset come from ``default``, the provider's scheme. Order:
    signature header present and well formed, timestamp present, parseable and within
    ``tolerance``, then the digest, compared in constant time.
    """
    scheme = auth.scheme(default, provider)
    given_text = headers.single(scheme.signature_header, provider)
    if given_text is None:
        raise InvalidSignatureError(
            f"{provider} webhook has no {scheme.signature_header} header; is the request "
            "really from the vendor, and is signing configured with these header names?"
        )
    if scheme.signature_prefix:
        if not given_text.startswith(scheme.signature_prefix):
            raise InvalidSignatureError(
                f"{provider} webhook {scheme.signature_header} header is malformed: it does not "
                f"start with {scheme.signature_prefix!r}"
            )
        given_text = given_text[len(scheme.signature_prefix) :]
    try:
        given = _decode_signature(given_text.strip(), scheme.encoding)
    except (ValueError, binascii.Error):
        raise InvalidSignatureError(
            f"{provider} webhook {scheme.signature_header} header is malformed: expected a "
            f"{scheme.encoding} {scheme.algorithm} digest"
        ) from None
    signed_at: datetime | None = None
    stamp = ""
    if "{timestamp}" in scheme.payload_format:
        assert scheme.timestamp_header  # HmacScheme checks this
        raw_stamp = headers.single(scheme.timestamp_header, provider)
        if raw_stamp is None:
            raise InvalidSignatureError(
                f"{provider} webhook has no {scheme.timestamp_header} header; the signature "
                "covers a timestamp, so it cannot be checked without one"
            )
        stamp = raw_stamp
        try:
            signed_at = parse_timestamp(stamp)
        except (ValueError, OverflowError, OSError):
            raise InvalidSignatureError(
                f"{provider} webhook {scheme.timestamp_header} header is malformed: "
                "expected epoch seconds, epoch milliseconds or an ISO 8601 time"
            ) from None
        check_freshness(signed_at, now=now, tolerance=tolerance, provider=provider)
    head, _, tail = scheme.payload_format.partition("{body}")
    message = (
        head.replace("{timestamp}", stamp).encode("utf-8")
        + body
        + tail.replace("{timestamp}", stamp).encode("utf-8")
    )
    expected = hmac.new(auth.key(provider), message, scheme.algorithm).digest()
    if not hmac.compare_digest(expected, given):
        raise InvalidSignatureError(
            f"{provider} webhook signature does not match the body: wrong secret, or the body "
            "was changed (pass the raw bytes as received, before any JSON decoding)"
        )
    return signed_at


def verify_shared_secret(headers: Headers, auth: SharedSecretAuth, *, provider: str) -> None:
    """Check a shared secret header in constant time."""
    value = headers.single(auth.header, provider)
    if value is None:
        raise InvalidSignatureError(
            f"{provider} webhook has no {auth.header} header carrying the shared secret"
        )
    if auth.bearer_prefix:
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise InvalidSignatureError(
                f"{provider} webhook {auth.header} header is malformed: expected 'Bearer <secret>'"
            )
        value = token.strip()
    expected = secret_text(auth.secret, provider).encode("utf-8")
    if not hmac.compare_digest(expected, value.encode("utf-8")):
        raise InvalidSignatureError(
            f"{provider} webhook {auth.header} header does not match the configured secret"
        )


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


# --------------------------------------------------------------------------- rules


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


def load_rules(provider: str) -> WebhookRules:
    """The webhook rules of an installed provider (imported on first use)."""
    from callswitch.errors import ConfigurationError, UnsupportedCapabilityError
    from callswitch.provider import load_object
    from callswitch.registry import default_registry

    spec: ProviderSpec = default_registry().get(provider)
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
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if not seconds >= 0:
        raise InvalidRequestError(f"tolerance must be zero or more seconds, not {value!r}")
    return seconds


def _now(value: float | datetime | None) -> float:
    if value is None:
        return time.time()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidRequestError("now must be a timezone-aware datetime")
        return value.timestamp()
    return float(value)


def _verify(
    provider: str,
    headers: Any,
    body: object,
    secret: WebhookSecret,
    tolerance: float | timedelta | None,
    now: float | datetime | None,
) -> tuple[WebhookRules, bytes, datetime | None]:
    rules = load_rules(provider)
    data = _body_bytes(body)
    normalized = headers if isinstance(headers, Headers) else Headers(headers)
    signed_at = rules.verify(
        normalized, data, secret, tolerance=_tolerance(tolerance, rules), now=_now(now)
    )
    return rules, data, signed_at


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
    _verify(provider, headers, body, secret, tolerance, now)


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
    rules, data, signed_at = _verify(provider, headers, body, secret, tolerance, now)
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
        payload = json.loads(data)
    except (UnicodeDecodeError, ValueError):
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


# --------------------------------------------------------------------- de-duplication


@runtime_checkable
class Deduplicator(Protocol):
    """Remembers event keys, for vendors that deliver at least once.

    ``seen(key)`` atomically checks and marks: it returns ``False`` the first time a key
    is offered (process the event) and ``True`` afterwards (a redelivery: acknowledge it
    and do nothing). ``forget(key)`` unmarks a key, for when processing failed and the
    vendor's retry should be processed. Pass :attr:`CallEvent.key`.
    """

    def seen(self, event_id: str) -> bool: ...

    def forget(self, event_id: str) -> None: ...


class MemoryDeduplicator:
    """An in-process :class:`Deduplicator`: thread-safe, bounded by age and by count.

    A key is remembered for ``ttl`` seconds after it was first seen (default 24 hours),
    and at most ``max_size`` keys are kept (the oldest go first). It only protects one
    process; several workers need a shared store (Redis ``SET NX EX``, a SQL unique key).
    """

    def __init__(
        self,
        *,
        ttl: float | timedelta = 24 * 3600.0,
        max_size: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else float(ttl)
        if not seconds > 0:
            raise InvalidRequestError(f"ttl must be more than 0 seconds, not {ttl!r}")
        if max_size < 1:
            raise InvalidRequestError(f"max_size must be at least 1, not {max_size!r}")
        self._ttl = seconds
        self._max_size = max_size
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: OrderedDict[str, float] = OrderedDict()  # key -> expiry, oldest first

    def seen(self, event_id: str) -> bool:
        now = self._clock()
        with self._lock:
            self._expire(now)
            if event_id in self._keys:
                return True
            self._keys[event_id] = now + self._ttl
            while len(self._keys) > self._max_size:
                self._keys.popitem(last=False)
            return False

    def forget(self, event_id: str) -> None:
        with self._lock:
            self._keys.pop(event_id, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._keys)

    def _expire(self, now: float) -> None:
        # Insertion order is expiry order (constant ttl, monotonic clock).
        while self._keys:
            key, expires = next(iter(self._keys.items()))
            if expires > now:
                break
            del self._keys[key]
