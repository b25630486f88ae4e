"""Webhook verification: official Retell signatures verify, every bad request is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers as StarletteHeaders

from callswitch import webhooks
from callswitch.config import Secret
from callswitch.errors import (
    CallswitchError,
    InvalidRequestError,
    InvalidSignatureError,
    UnsupportedCapabilityError,
)
from callswitch.webhooks import EventType, Headers, HmacAuth, SharedSecretAuth

Signed = Callable[[str, dict[str, Any]], tuple[dict[str, str], bytes]]


def _ended(samples: ModuleType, provider: str) -> dict[str, Any]:
    table = {
        "retell": samples.retell_payloads()["call_ended"],
        "vapi": samples.vapi_payloads()["end-of-call-report"],
        "truedy": samples.truedy_payloads()["call.ended"],
    }
    payload: dict[str, Any] = table[provider]
    return payload


# ------------------------------------------------------------------------------ Retell


def test_retell_signature_from_official_sdk_verifies(samples: ModuleType) -> None:
    """A header made by retell-sdk's own sign() verifies and the event parses."""
    body = samples.dumps(_ended(samples, "retell"))
    header = samples.sign_retell(body)
    event = webhooks.parse(
        "retell",
        headers={"x-retell-signature": header},
        body=body,
        secret=samples.KEY,
        now=samples.NOW,
    )
    assert event.type is EventType.CALL_ENDED
    assert event.call is not None
    assert event.call.id == samples.CALL_ID
    # Retell sends no event time: the signed v= timestamp is used.
    assert event.occurred_at == datetime.fromtimestamp(samples.NOW, UTC)


def test_retell_sdk_signature_with_current_clock_verifies(samples: ModuleType) -> None:
    """sign() with its default timestamp (now) verifies with our default clock."""
    from retell.lib.webhook_auth import symmetric

    body = samples.dumps(_ended(samples, "retell"))
    header = symmetric["sign"](body.decode(), samples.KEY)
    webhooks.verify("retell", headers={"X-Retell-Signature": header}, body=body, secret=samples.KEY)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(max_size=200),
    key=st.text(min_size=1, max_size=40),
    offset_ms=st.integers(min_value=-600_000, max_value=600_000),
    tamper=st.booleans(),
)
def test_retell_agrees_with_official_sdk_verify(
    text: str, key: str, offset_ms: int, tamper: bool
) -> None:
    """For any body, key and clock skew, our verdict equals retell-sdk's verify()."""
    from retell.lib.webhook_auth import symmetric

    now_ms = 1_780_000_000_000
    header = symmetric["sign"](text, key, now_ms + offset_ms)
    received = text + "x" if tamper else text
    sdk_ok = symmetric["verify"](received, key, header, {"timestamp": now_ms})
    try:
        webhooks.verify(
            "retell",
            headers=[(b"x-retell-signature", header.encode())],
            body=received.encode("utf-8"),
            secret=key,
            now=now_ms / 1000,
        )
        ours = True
    except InvalidSignatureError:
        ours = False
    assert ours == sdk_ok


def test_retell_accepts_secret_object_and_tolerance_boundary(samples: ModuleType) -> None:
    """A callswitch.Secret works; exactly five minutes old is accepted, one ms more is not."""
    body = samples.dumps(_ended(samples, "retell"))
    now_ms = int(samples.NOW * 1000)
    edge = {"x-retell-signature": samples.sign_retell(body, ms=now_ms - 300_000)}
    webhooks.verify("retell", headers=edge, body=body, secret=Secret(samples.KEY), now=samples.NOW)
    late = {"x-retell-signature": samples.sign_retell(body, ms=now_ms - 300_001)}
    with pytest.raises(InvalidSignatureError, match="stale"):
        webhooks.verify("retell", headers=late, body=body, secret=samples.KEY, now=samples.NOW)


# -------------------------------------------------------------------- refusals, all three


@pytest.mark.parametrize("provider", ["retell", "truedy", "vapi"])
def test_tampered_body_is_refused(provider: str, samples: ModuleType, signed: Signed) -> None:
    """One changed byte in the body fails verification, with a message naming the cause."""
    headers, body = signed(provider, _ended(samples, provider))
    tampered = body.replace(b"call-42", b"call-43")
    assert tampered != body
    with pytest.raises(InvalidSignatureError, match="does not match the body"):
        webhooks.parse(
            provider, headers=headers, body=tampered, secret=samples.KEY, now=samples.NOW
        )


@pytest.mark.parametrize("provider", ["retell", "truedy", "vapi"])
def test_wrong_secret_is_refused(provider: str, samples: ModuleType, signed: Signed) -> None:
    """A signature made with another secret is refused."""
    headers, body = signed(provider, _ended(samples, provider))
    with pytest.raises(InvalidSignatureError, match="wrong"):
        webhooks.parse(provider, headers=headers, body=body, secret="other-secret", now=samples.NOW)


def _stamped(provider: str, samples: ModuleType, body: bytes, at: float) -> dict[str, str]:
    if provider == "retell":
        return {"x-retell-signature": samples.sign_retell(body, ms=int(at * 1000))}
    if provider == "truedy":
        return dict(samples.sign_truedy(body, stamp=str(int(at))))
    return dict(samples.sign_vapi_hmac(body, stamp=str(int(at * 1000))))


@pytest.mark.parametrize("provider", ["retell", "truedy", "vapi"])
def test_stale_timestamp_is_refused(provider: str, samples: ModuleType) -> None:
    """A correct signature made six minutes ago is refused as stale (a replay)."""
    body = samples.dumps(_ended(samples, provider))
    headers = _stamped(provider, samples, body, samples.NOW - 360)
    with pytest.raises(InvalidSignatureError, match=r"stale: signed 360 s ago"):
        webhooks.parse(provider, headers=headers, body=body, secret=samples.KEY, now=samples.NOW)
    # The same request inside a wider tolerance passes: the signature itself was right.
    webhooks.verify(
        provider,
        headers=headers,
        body=body,
        secret=samples.KEY,
        now=samples.NOW,
        tolerance=timedelta(minutes=10),
    )


@pytest.mark.parametrize("provider", ["retell", "truedy", "vapi"])
def test_future_timestamp_is_refused(provider: str, samples: ModuleType) -> None:
    """A signature dated six minutes ahead is refused, naming the clock as the suspect."""
    body = samples.dumps(_ended(samples, provider))
    headers = _stamped(provider, samples, body, samples.NOW + 360)
    with pytest.raises(InvalidSignatureError, match="in the future.*clock"):
        webhooks.parse(provider, headers=headers, body=body, secret=samples.KEY, now=samples.NOW)


@pytest.mark.parametrize(
    ("provider", "header"),
    [("retell", "x-retell-signature"), ("truedy", "x-truedy-signature"), ("vapi", "x-signature")],
)
def test_missing_signature_header_is_refused(
    provider: str, header: str, samples: ModuleType, signed: Signed
) -> None:
    """Without the signature header the request is refused and the header is named."""
    headers, body = signed(provider, _ended(samples, provider))
    rest = {k: v for k, v in headers.items() if k.lower() != header}
    expected = "x-signature, X-Vapi-Secret or Authorization" if provider == "vapi" else header
    with pytest.raises(InvalidSignatureError, match=f"no {expected}"):
        webhooks.parse(provider, headers=rest, body=body, secret=samples.KEY, now=samples.NOW)


@pytest.mark.parametrize("provider", ["truedy", "vapi"])
def test_missing_timestamp_header_is_refused(
    provider: str, samples: ModuleType, signed: Signed
) -> None:
    """A signature over a timestamp cannot be checked without the timestamp header."""
    headers, body = signed(provider, _ended(samples, provider))
    rest = {k: v for k, v in headers.items() if "timestamp" not in k.lower()}
    with pytest.raises(InvalidSignatureError, match="timestamp header"):
        webhooks.parse(provider, headers=rest, body=body, secret=samples.KEY, now=samples.NOW)


@pytest.mark.parametrize(
    ("provider", "headers"),
    [
        ("retell", {"x-retell-signature": "d=abc,v=123"}),
        ("retell", {"x-retell-signature": "v=1780000000000,d=" + "g" * 64}),
        ("retell", {"x-retell-signature": "v=1780000000000,d=" + "a" * 63}),
        ("retell", {"x-retell-signature": "sha256=" + "a" * 64}),
        ("retell", {"x-retell-signature": "v=9999999999999999,d=" + "a" * 64}),
        ("truedy", {"x-truedy-signature": "ab" * 32, "x-truedy-timestamp": "9" * 30}),
        ("truedy", {"x-truedy-signature": "not-hex", "x-truedy-timestamp": "1780000000"}),
        ("truedy", {"x-truedy-signature": "ab" * 32, "x-truedy-timestamp": "yesterday"}),
        ("vapi", {"x-signature": "zz", "x-timestamp": "1780000000000"}),
        ("vapi", {"x-signature": "ab" * 32, "x-timestamp": "soon"}),
        ("vapi", {"authorization": "Basic dXNlcjpwYXNz"}),
    ],
)
def test_malformed_header_is_refused(
    provider: str, headers: dict[str, str], samples: ModuleType
) -> None:
    """A header that is not in the vendor's format is refused as malformed."""
    body = samples.dumps(_ended(samples, provider))
    with pytest.raises(InvalidSignatureError, match="malformed|does not match") as info:
        webhooks.parse(provider, headers=headers, body=body, secret=samples.KEY, now=samples.NOW)
    assert "malformed" in str(info.value) or provider == "vapi"


@pytest.mark.parametrize("provider", ["retell", "truedy", "vapi"])
def test_non_json_body_with_valid_signature_is_refused(provider: str, samples: ModuleType) -> None:
    """A verified body that is not JSON raises InvalidRequestError (not a signature error)."""
    body = b"<xml>not json</xml>"
    headers = _stamped(provider, samples, body, samples.NOW)
    webhooks.verify(provider, headers=headers, body=body, secret=samples.KEY, now=samples.NOW)
    with pytest.raises(InvalidRequestError, match="signature is valid but the body is not JSON"):
        webhooks.parse(provider, headers=headers, body=body, secret=samples.KEY, now=samples.NOW)


@pytest.mark.parametrize("provider", ["retell", "truedy", "vapi"])
def test_body_is_not_parsed_when_verification_fails(provider: str, samples: ModuleType) -> None:
    """A non-JSON body with a bad signature reports the signature, proving no parse ran."""
    body = b"<xml>not json</xml>"
    headers = _stamped(provider, samples, b"something else", samples.NOW)
    with pytest.raises(InvalidSignatureError):
        webhooks.parse(provider, headers=headers, body=body, secret=samples.KEY, now=samples.NOW)


def test_json_that_is_not_an_object_is_refused(samples: ModuleType) -> None:
    """A verified JSON array is not an event: InvalidRequestError says what it got."""
    body = b"[1, 2]"
    headers = _stamped("truedy", samples, body, samples.NOW)
    with pytest.raises(InvalidRequestError, match="JSON list"):
        webhooks.parse("truedy", headers=headers, body=body, secret=samples.KEY, now=samples.NOW)


def test_errors_are_callswitch_and_value_errors(samples: ModuleType) -> None:
    """InvalidSignatureError is catchable as CallswitchError and ValueError."""
    with pytest.raises(InvalidSignatureError, match="no x-retell-signature") as info:
        webhooks.verify("retell", headers={}, body=b"{}", secret=samples.KEY)
    assert isinstance(info.value, CallswitchError)
    assert isinstance(info.value, ValueError)


def test_conflicting_repeated_signature_header_is_refused(samples: ModuleType) -> None:
    """Two different values for the signature header are never guessed between."""
    body = samples.dumps(_ended(samples, "retell"))
    good = samples.sign_retell(body)
    pairs = [("x-retell-signature", good), ("X-Retell-Signature", "v=1,d=" + "0" * 64)]
    with pytest.raises(InvalidSignatureError, match="different values"):
        webhooks.verify("retell", headers=pairs, body=body, secret=samples.KEY, now=samples.NOW)


# ------------------------------------------------------------------------- inputs


def test_headers_any_case_and_shape(samples: ModuleType) -> None:
    """Dicts in any case, str pairs, bytes pairs (ASGI) and Headers all verify the same."""
    body = samples.dumps(_ended(samples, "retell"))
    value = samples.sign_retell(body)
    shapes: list[Any] = [
        {"X-RETELL-SIGNATURE": value},
        [("x-Retell-Signature", value)],
        [(b"x-retell-signature", value.encode())],
        Headers({"x-retell-signature": value}),
        httpx.Headers({"X-Retell-Signature": value}),
        StarletteHeaders(raw=[(b"x-retell-signature", value.encode())]),
        Headers.from_wsgi_environ({"HTTP_X_RETELL_SIGNATURE": value, "REQUEST_METHOD": "POST"}),
    ]
    for headers in shapes:
        webhooks.verify("retell", headers=headers, body=body, secret=samples.KEY, now=samples.NOW)


def test_str_body_is_encoded_as_utf8(samples: ModuleType) -> None:
    """A str body (non-ASCII included) verifies like its UTF-8 bytes."""
    payload = {"event": "call_started", "call": {"call_id": "c-é", "call_status": "ongoing"}}
    body = samples.dumps(payload)
    header = {"x-retell-signature": samples.sign_retell(body)}
    event = webhooks.parse(
        "retell", headers=header, body=body.decode(), secret=samples.KEY, now=samples.NOW
    )
    assert event.call is not None
    assert event.call.id == "c-é"


@pytest.mark.parametrize("secret", ["", 42, None])
def test_bad_secret_argument_is_a_clear_request_error(secret: Any, samples: ModuleType) -> None:
    """An empty or mistyped secret is a usage error, not a signature error."""
    with pytest.raises(InvalidRequestError, match="secret"):
        webhooks.verify("truedy", headers={}, body=b"{}", secret=secret, now=samples.NOW)


def test_bad_body_argument_is_a_clear_request_error(samples: ModuleType) -> None:
    """A decoded dict instead of the raw body is refused with advice."""
    with pytest.raises(InvalidRequestError, match="raw request body"):
        webhooks.verify("retell", headers={}, body={"event": "x"}, secret=samples.KEY)  # type: ignore[arg-type]


def test_negative_tolerance_is_refused(samples: ModuleType) -> None:
    with pytest.raises(InvalidRequestError, match="tolerance"):
        webhooks.verify("retell", headers={}, body=b"{}", secret=samples.KEY, tolerance=-1)


def test_provider_without_webhook_rules_is_unsupported(fake_provider: str) -> None:
    """The in-test provider ships no rules: UnsupportedCapabilityError names webhooks.verify."""
    with pytest.raises(UnsupportedCapabilityError, match=r"webhooks\.verify") as info:
        webhooks.parse(fake_provider, headers={}, body=b"{}", secret="s")
    assert info.value.capabilities == ("webhooks.verify",)


def test_every_builtin_provider_declares_webhooks_verify() -> None:
    """webhooks.verify is a declared, supported capability with rules that load."""
    from callswitch.registry import default_registry

    for name in ("retell", "truedy", "vapi"):
        spec = default_registry().get(name)
        assert spec.capabilities.supports("webhooks.verify")
        assert isinstance(webhooks.load_rules(name), webhooks.WebhookRules)


# --------------------------------------------------------------------------- Vapi modes


def test_vapi_shared_secret_headers(samples: ModuleType) -> None:
    """X-Vapi-Secret, Authorization: Bearer and a bare Authorization token all verify."""
    body = samples.dumps(_ended(samples, "vapi"))
    for headers in (
        {"X-Vapi-Secret": samples.KEY},
        {"Authorization": f"Bearer {samples.KEY}"},
        {"authorization": samples.KEY},
    ):
        event = webhooks.parse("vapi", headers=headers, body=body, secret=samples.KEY)
        assert event.type is EventType.CALL_ENDED
    with pytest.raises(InvalidSignatureError, match="does not match the configured secret"):
        webhooks.verify("vapi", headers={"X-Vapi-Secret": "nope"}, body=body, secret=samples.KEY)


def test_vapi_explicit_scheme_is_enforced(samples: ModuleType) -> None:
    """With HmacAuth passed, a shared-secret header is not enough."""
    body = samples.dumps(_ended(samples, "vapi"))
    with pytest.raises(InvalidSignatureError, match="no x-signature header"):
        webhooks.verify(
            "vapi",
            headers={"X-Vapi-Secret": samples.KEY},
            body=body,
            secret=HmacAuth(samples.KEY),
            now=samples.NOW,
        )
    auth = SharedSecretAuth(samples.KEY, header="x-my-token", bearer_prefix=False)
    webhooks.verify("vapi", headers={"X-My-Token": samples.KEY}, body=body, secret=auth)
    with pytest.raises(InvalidSignatureError, match="no x-my-token header"):
        webhooks.verify("vapi", headers={"X-Vapi-Secret": samples.KEY}, body=body, secret=auth)


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
def test_vapi_hmac_options(algorithm: str, samples: ModuleType) -> None:
    """Custom algorithm, base64 encoding, header names, prefix and base64 secret."""
    body = samples.dumps(_ended(samples, "vapi"))
    raw_key = b"\x00\x01binary-key\xff"
    stamp = str(int(samples.NOW))
    digest = hmac.new(raw_key, f"{stamp}:".encode() + body, algorithm).digest()
    headers = {
        "X-Hub-Sig": "sha=" + base64.b64encode(digest).decode(),
        "X-Hub-Time": stamp,
    }
    auth = HmacAuth(
        base64.b64encode(raw_key).decode(),
        algorithm=algorithm,  # type: ignore[arg-type]
        encoding="base64",
        signature_header="x-hub-sig",
        timestamp_header="x-hub-time",
        payload_format="{timestamp}:{body}",
        signature_prefix="sha=",
        secret_is_base64=True,
    )
    event = webhooks.parse("vapi", headers=headers, body=body, secret=auth, now=samples.NOW)
    assert event.type is EventType.CALL_ENDED
    wrong = {**headers, "X-Hub-Sig": "sha=" + base64.b64encode(b"x" * len(digest)).decode()}
    with pytest.raises(InvalidSignatureError, match="does not match"):
        webhooks.verify("vapi", headers=wrong, body=body, secret=auth, now=samples.NOW)


def test_vapi_hmac_with_iso_timestamp(samples: ModuleType) -> None:
    """An ISO 8601 x-timestamp is read for the freshness check."""
    body = samples.dumps(_ended(samples, "vapi"))
    stamp = datetime.fromtimestamp(samples.NOW, UTC).isoformat()
    headers = samples.sign_vapi_hmac(body, stamp=stamp)
    webhooks.verify("vapi", headers=headers, body=body, secret=samples.KEY, now=samples.NOW)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"algorithm": "md5"}, "algorithm"),
        ({"encoding": "base32"}, "encoding"),
        ({"payload_format": "{timestamp}"}, "must contain"),
        ({"payload_format": "{method}.{body}"}, "placeholder"),
    ],
)
def test_hmac_auth_rejects_bad_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        HmacAuth("s", **kwargs)


def test_secrets_stay_out_of_reprs(samples: ModuleType) -> None:
    """Auth objects and Headers never show the secret."""
    shown = repr(HmacAuth(samples.KEY)) + repr(SharedSecretAuth(samples.KEY))
    shown += repr(Headers({"Authorization": f"Bearer {samples.KEY}"}))
    assert samples.KEY not in shown


def test_retell_refuses_scheme_objects(samples: ModuleType) -> None:
    """Retell's scheme is fixed: an HmacAuth is a usage error with advice."""
    with pytest.raises(InvalidRequestError, match="API key"):
        webhooks.verify("retell", headers={}, body=b"{}", secret=HmacAuth(samples.KEY))


def test_truedy_digest_is_over_timestamp_dot_body(samples: ModuleType) -> None:
    """The documented construction, computed independently, verifies (ms timestamps too)."""
    body = samples.dumps(_ended(samples, "truedy"))
    stamp = str(int(samples.NOW * 1000))
    digest = hmac.new(samples.KEY.encode(), (stamp + ".").encode() + body, hashlib.sha256)
    headers = {"X-Truedy-Signature": digest.hexdigest().upper(), "X-Truedy-Timestamp": stamp}
    event = webhooks.parse(
        "truedy", headers=headers, body=body, secret=samples.KEY, now=samples.NOW
    )
    assert event.id == "evt_002"


def test_core_hmac_auth_has_no_vendor_defaults() -> None:
    """HmacAuth leaves the scheme to the provider; with no provider default, every field
    must be set."""
    auth = HmacAuth("s")
    assert (auth.signature_header, auth.timestamp_header, auth.algorithm) == (None, None, None)
    with pytest.raises(InvalidRequestError, match="no default HMAC scheme.*signature_header"):
        webhooks.verify_hmac(Headers({}), b"{}", auth, tolerance=300, now=0, provider="p")
    complete = HmacAuth(
        "s",
        algorithm="sha256",
        encoding="hex",
        signature_header="x-sig",
        payload_format="{body}",
    )
    digest = hmac.new(b"s", b"{}", hashlib.sha256).hexdigest()
    webhooks.verify_hmac(
        Headers({"x-sig": digest}), b"{}", complete, tolerance=0, now=0, provider="p"
    )


def test_vapi_hmac_auth_overrides_only_what_it_sets(samples: ModuleType) -> None:
    """HmacAuth(key, algorithm="sha512") keeps Vapi's default headers and payload format."""
    body = samples.dumps(_ended(samples, "vapi"))
    headers = samples.sign_vapi_hmac(body, algorithm="sha512")
    auth = HmacAuth(samples.KEY, algorithm="sha512")
    webhooks.verify("vapi", headers=headers, body=body, secret=auth, now=samples.NOW)
    with pytest.raises(InvalidSignatureError, match="does not match"):
        webhooks.verify(
            "vapi", headers=headers, body=body, secret=HmacAuth(samples.KEY), now=samples.NOW
        )


def test_truedy_scheme_is_an_hmac_preset(samples: ModuleType) -> None:
    """Truedy's fixed scheme is declared as data (an HmacScheme), and refuses scheme objects
    with the same wording as Retell."""
    from callswitch_truedy.webhooks import SCHEME

    assert (SCHEME.signature_header, SCHEME.timestamp_header) == (
        "x-truedy-signature",
        "x-truedy-timestamp",
    )
    assert (SCHEME.algorithm, SCHEME.encoding, SCHEME.payload_format) == (
        "sha256",
        "hex",
        "{timestamp}.{body}",
    )
    for provider in ("truedy", "retell"):
        with pytest.raises(InvalidRequestError, match="signs webhooks one fixed way"):
            webhooks.verify(provider, headers={}, body=b"{}", secret=SharedSecretAuth("k"))
