"""Webhook secrets and signature schemes (HMAC, shared secret) and their checks."""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import datetime
from typing import Any, Literal

import attrs

from callswitch.config import Secret
from callswitch.errors import InvalidRequestError, InvalidSignatureError
from callswitch.webhooks._headers import Headers
from callswitch.webhooks._timestamps import check_freshness, parse_timestamp

__all__ = [
    "HmacAuth",
    "HmacScheme",
    "SharedSecretAuth",
    "WebhookSecret",
    "secret_text",
    "verify_hmac",
    "verify_shared_secret",
]


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

    def sign(self, secret: str | Secret, body: bytes, timestamp: str = "") -> dict[str, str]:
        """The headers a sender using this scheme adds to ``body``: the signature, and the
        timestamp (sent verbatim, and signed) when the scheme has one."""
        head, _, tail = self.payload_format.partition("{body}")
        message = (
            head.replace("{timestamp}", timestamp).encode("utf-8")
            + body
            + tail.replace("{timestamp}", timestamp).encode("utf-8")
        )
        key = secret_text(secret, "webhook").encode("utf-8")
        digest = hmac.new(key, message, self.algorithm).digest()
        text = digest.hex() if self.encoding == "hex" else base64.b64encode(digest).decode()
        headers = {self.signature_header: self.signature_prefix + text}
        if self.timestamp_header and "{timestamp}" in self.payload_format:
            headers[self.timestamp_header] = timestamp
        return headers

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
