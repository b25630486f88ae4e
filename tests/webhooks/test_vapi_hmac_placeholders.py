"""Vapi HMAC credentials whose payloadFormat uses {method}, {url} and {svix-id}
(vapi-server-sdk 3.0.0 HmacAuthenticationPlan.payloadFormat / messageIdHeader)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from callswitch import webhooks
from callswitch.errors import InvalidRequestError, InvalidSignatureError
from callswitch_vapi.webhooks import VapiHmacAuth

SECRET = "whsec-vapi-test-0123456789"
URL = "https://hooks.example.com/vapi?tenant=7"
NOW = 1_714_564_800
BODY = json.dumps(
    {"message": {"type": "status-update", "status": "in-progress", "call": {"id": "c1"}}}
).encode()


def _sign(text: bytes) -> str:
    return hmac.new(SECRET.encode(), text, hashlib.sha256).hexdigest()


def test_method_url_svix_id_timestamp_and_body() -> None:
    """Every placeholder Vapi defines, in one format, verified and parsed."""
    fmt = "{svix-id}.{timestamp}.{method} {url}.{body}"
    signed = f"msg_2abc.{NOW}.POST {URL}.".encode() + BODY
    auth = VapiHmacAuth(SECRET, payload_format=fmt, url=URL, message_id_header="svix-id")
    headers = {"x-signature": _sign(signed), "x-timestamp": str(NOW), "svix-id": "msg_2abc"}
    event = webhooks.parse("vapi", headers=headers, body=BODY, secret=auth, now=NOW)
    assert event.type == "call.started"
    assert event.call is not None
    assert event.call.id == "c1"


def test_a_different_message_id_or_url_fails() -> None:
    fmt = "{svix-id}.{url}.{body}"
    auth = VapiHmacAuth(SECRET, payload_format=fmt, url=URL, message_id_header="svix-id")
    good = {"x-signature": _sign(f"msg_1.{URL}.".encode() + BODY), "svix-id": "msg_1"}
    webhooks.verify("vapi", headers=good, body=BODY, secret=auth, now=NOW)
    with pytest.raises(InvalidSignatureError, match="does not match"):
        webhooks.verify("vapi", headers={**good, "svix-id": "msg_2"}, body=BODY, secret=auth)
    other = VapiHmacAuth(SECRET, payload_format=fmt, url=URL + "&x=1", message_id_header="svix-id")
    with pytest.raises(InvalidSignatureError, match="does not match"):
        webhooks.verify("vapi", headers=good, body=BODY, secret=other)
    missing = {"x-signature": good["x-signature"]}
    with pytest.raises(InvalidSignatureError, match="no svix-id header"):
        webhooks.verify("vapi", headers=missing, body=BODY, secret=auth)
    braces = {**good, "svix-id": "{body}"}
    with pytest.raises(InvalidSignatureError, match="malformed"):
        webhooks.verify("vapi", headers=braces, body=BODY, secret=auth)


def test_method_defaults_to_post_without_a_timestamp() -> None:
    auth = VapiHmacAuth(SECRET, payload_format="{method}:{body}")
    headers = {"x-signature": _sign(b"POST:" + BODY)}
    webhooks.verify("vapi", headers=headers, body=BODY, secret=auth)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"payload_format": "{url}.{body}"}, "set url="),
        ({"payload_format": "{svix-id}.{body}"}, "set message_id_header="),
        ({"payload_format": "{path}.{body}"}, "placeholder Vapi does not define"),
        ({"payload_format": "{method}"}, "must contain"),
        ({"payload_format": "{url}{body}", "url": "https://x/{a}"}, "braces"),
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, str], needle: str) -> None:
    with pytest.raises(InvalidRequestError, match=needle):
        VapiHmacAuth(SECRET, **kwargs)  # type: ignore[arg-type]


def test_secret_stays_out_of_repr() -> None:
    assert SECRET not in repr(VapiHmacAuth(SECRET, payload_format="{body}"))
