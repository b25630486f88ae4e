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

Delivery is at least once for every vendor: a :class:`Receiver` with a shared
:class:`Store` (``SQLiteStore`` on one machine, ``RedisStore`` across machines) runs
your handlers once per event, across workers.

The receiver, the stores and the deduplicators load on first access (PEP 562): a
serverless handler that only calls :func:`parse` does not import asyncio, sqlite3 or the
Redis client code.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from callswitch.errors import InvalidSignatureError
from callswitch.webhooks._api import DEFAULT_TOLERANCE, event_from_payload, parse, verify
from callswitch.webhooks._api import load_rules as load_rules
from callswitch.webhooks._events import CallEvent, EventType
from callswitch.webhooks._headers import Headers

# Provider plugins' webhook-rule helpers: importable from here as before (the ``as``
# form marks the re-export), but not part of the application-facing ``__all__``;
# ``callswitch.webhooks._rules`` is their home.
from callswitch.webhooks._rules import HmacScheme as HmacScheme
from callswitch.webhooks._rules import WebhookRules as WebhookRules
from callswitch.webhooks._rules import call_event as call_event
from callswitch.webhooks._rules import check_freshness as check_freshness
from callswitch.webhooks._rules import derive_event_id as derive_event_id
from callswitch.webhooks._rules import event_name as event_name
from callswitch.webhooks._rules import event_time as event_time
from callswitch.webhooks._rules import first_time as first_time
from callswitch.webhooks._rules import fixed_secret as fixed_secret
from callswitch.webhooks._rules import mapped_call as mapped_call
from callswitch.webhooks._rules import parse_timestamp as parse_timestamp
from callswitch.webhooks._rules import secret_text as secret_text
from callswitch.webhooks._rules import verify_hmac as verify_hmac
from callswitch.webhooks._rules import verify_shared_secret as verify_shared_secret
from callswitch.webhooks._signing import HmacAuth, SharedSecretAuth, WebhookSecret

if TYPE_CHECKING:
    from callswitch.webhooks._dedupe import Deduplicator, MemoryDeduplicator
    from callswitch.webhooks._receiver import Handler, Receiver
    from callswitch.webhooks._redis_store import RedisStore
    from callswitch.webhooks._stores import Claim, ClaimStatus, MemoryStore, SQLiteStore, Store

__all__ = [
    "DEFAULT_TOLERANCE",
    "CallEvent",
    "Claim",
    "ClaimStatus",
    "Deduplicator",
    "EventType",
    "Handler",
    "Headers",
    "HmacAuth",
    "InvalidSignatureError",
    "MemoryDeduplicator",
    "MemoryStore",
    "Receiver",
    "RedisStore",
    "SQLiteStore",
    "SharedSecretAuth",
    "Store",
    "WebhookSecret",
    "event_from_payload",
    "parse",
    "verify",
]

#: Names loaded on first access, by the submodule that defines them.
_LAZY = {
    "Deduplicator": "_dedupe",
    "MemoryDeduplicator": "_dedupe",
    "Handler": "_receiver",
    "Receiver": "_receiver",
    "RedisStore": "_redis_store",
    "Claim": "_stores",
    "ClaimStatus": "_stores",
    "MemoryStore": "_stores",
    "SQLiteStore": "_stores",
    "Store": "_stores",
}


def __getattr__(name: str) -> Any:
    # One import statement per submodule, so that the house import-graph test sees them.
    home = _LAZY.get(name)
    module: ModuleType
    if home == "_dedupe":
        from callswitch.webhooks import _dedupe

        module = _dedupe
    elif home == "_receiver":
        from callswitch.webhooks import _receiver

        module = _receiver
    elif home == "_redis_store":
        from callswitch.webhooks import _redis_store

        module = _redis_store
    elif home == "_stores":
        from callswitch.webhooks import _stores

        module = _stores
    else:
        raise AttributeError(f"module 'callswitch.webhooks' has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
