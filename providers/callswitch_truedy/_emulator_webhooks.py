"""The webhooks Truedy sends on a call's status changes, as the emulator builds them.

Envelope ``{"id", "event", "timestamp", "data"}`` (``callswitch_truedy.webhooks``):
``call.started`` when a call connects, ``call.ended`` when it completes, ``call.failed``
when it fails. ``data`` is the call object, as ``GET /calls/{id}`` returns it [INF];
``id`` is a fresh event id per event (redeliveries reuse it).
"""

from __future__ import annotations

import copy
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from callswitch_truedy.webhooks import EVENT_TYPES

__all__ = ["payloads"]

_EVENTS = {"in_progress": "call.started", "completed": "call.ended", "failed": "call.failed"}


def payloads(call: dict[str, Any], before: str, after: str) -> list[tuple[str, dict[str, Any]]]:
    """``(event, body)`` pairs for ``call`` moving from ``before`` to ``after``."""
    name = _EVENTS.get(after)
    if name is None:
        return []
    assert name in EVENT_TYPES  # a name the rules read
    stamp = datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds")
    body = {
        "id": "evt_" + secrets.token_hex(8),
        "event": name,
        "timestamp": stamp.replace("+00:00", "Z"),
        "data": copy.deepcopy(call),
    }
    return [(name, body)]
