"""``sign_webhook``: a webhook signed as the vendor signs it, for testing your handlers."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callswitch.config import Secret
from callswitch.errors import InvalidRequestError

__all__ = ["sign_webhook"]


def sign_webhook(
    provider: str,
    payload: Mapping[str, Any] | bytes | str,
    secret: str | Secret,
    *,
    timestamp: float | datetime | None = None,
) -> tuple[dict[str, str], bytes]:
    """``(headers, body)`` of a delivery of ``payload`` signed by ``provider`` with
    ``secret`` at ``timestamp`` (epoch seconds or an aware datetime; default now).

    ``payload`` is the vendor's JSON object (encoded compactly here) or the raw body.
    Pass both to :func:`callswitch.webhooks.parse`, a Receiver's ``handle``, or your own
    endpoint in a test client. Vapi is signed with its default HMAC server credential.
    """
    from callswitch.webhooks._api import load_rules
    from callswitch.webhooks._rules import SigningRules
    from callswitch.webhooks._signing import secret_text

    rules = load_rules(provider)
    if not isinstance(rules, SigningRules):
        raise InvalidRequestError(
            f"the {provider} plugin's webhook rules cannot sign (they have no sign()); "
            "build the signed request by hand"
        )
    if isinstance(payload, bytes):
        body = payload
    elif isinstance(payload, str):
        body = payload.encode("utf-8")
    elif isinstance(payload, Mapping):
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    else:
        raise InvalidRequestError(
            f"payload must be the vendor's JSON object, or the body as bytes or str, "
            f"not {type(payload).__name__}"
        )
    if timestamp is None:
        now = time.time()
    elif isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            raise InvalidRequestError(
                "timestamp must be an aware datetime (tzinfo=datetime.UTC) or epoch seconds"
            )
        now = timestamp.timestamp()
    elif isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
        now = float(timestamp)
    else:
        raise InvalidRequestError(
            f"timestamp must be epoch seconds or an aware datetime, not {timestamp!r}"
        )
    text = secret_text(secret, provider)
    headers = rules.sign(body, text, now=now)
    return {"content-type": "application/json", **headers}, body
