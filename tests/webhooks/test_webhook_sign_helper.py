"""callswitch.testing.sign_webhook: signs as each vendor does, and parse accepts it."""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType

import pytest

from callswitch import webhooks
from callswitch.errors import InvalidRequestError, InvalidSignatureError
from callswitch.testing import sign_webhook


def test_retell_header_is_the_official_sdks(samples: ModuleType) -> None:
    """The x-retell-signature value equals what retell-sdk's own signer makes."""
    payload = samples.retell_payloads()["call_ended"]
    headers, body = sign_webhook("retell", payload, samples.KEY, timestamp=samples.NOW)
    assert headers["x-retell-signature"] == samples.sign_retell(body)
    event = webhooks.parse(
        "retell", headers=headers, body=body, secret=samples.KEY, now=samples.NOW
    )
    assert event.type is webhooks.EventType.CALL_ENDED
    assert event.call_id == samples.CALL_ID


def test_truedy_and_vapi_headers_match_the_documented_schemes(samples: ModuleType) -> None:
    """Truedy: hex HMAC of "ts.body" in seconds; Vapi: the default HMAC credential."""
    payload = samples.truedy_payloads()["call.started"]
    headers, body = sign_webhook("truedy", payload, samples.KEY, timestamp=samples.NOW)
    expected = samples.sign_truedy(body)
    assert headers["x-truedy-signature"] == expected["X-Truedy-Signature"]
    assert headers["x-truedy-timestamp"] == expected["X-Truedy-Timestamp"]

    when = datetime.fromtimestamp(samples.NOW, UTC)
    payload = samples.vapi_payloads()["end-of-call-report"]
    headers, body = sign_webhook("vapi", payload, samples.KEY, timestamp=when)
    expected = samples.sign_vapi_hmac(body)
    assert headers["x-signature"] == expected["x-signature"]
    assert headers["x-timestamp"] == expected["x-timestamp"]
    event = webhooks.parse("vapi", headers=headers, body=body, secret=samples.KEY, now=samples.NOW)
    assert event.type is webhooks.EventType.CALL_ENDED


@pytest.mark.parametrize("provider", ["retell", "vapi", "truedy"])
def test_signed_now_verifies_and_a_wrong_secret_does_not(
    provider: str, samples: ModuleType
) -> None:
    """Default timestamp is now; the raw body passes through untouched."""
    body = samples.dumps(
        {
            "retell": samples.retell_payloads()["call_started"],
            "vapi": samples.vapi_payloads()["status-update:in-progress"],
            "truedy": samples.truedy_payloads()["call.started"],
        }[provider]
    )
    headers, sent = sign_webhook(provider, body, "right-secret")
    assert sent == body
    event = webhooks.parse(provider, headers=headers, body=sent, secret="right-secret")
    assert event.type is webhooks.EventType.CALL_STARTED
    with pytest.raises(InvalidSignatureError):
        webhooks.parse(provider, headers=headers, body=sent, secret="wrong-secret")


def test_bad_arguments_are_refused_clearly() -> None:
    """A naive datetime, a list payload or an empty secret say what to pass instead."""
    with pytest.raises(InvalidRequestError, match="aware datetime"):
        sign_webhook("retell", {"event": "x"}, "k", timestamp=datetime(2026, 1, 1))
    with pytest.raises(InvalidRequestError, match="JSON object"):
        sign_webhook("retell", [1, 2], "k")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        sign_webhook("retell", {"event": "x"}, "")
