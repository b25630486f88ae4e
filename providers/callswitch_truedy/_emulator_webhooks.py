"""The webhooks Truedy sends on a call's status changes, as the emulator builds them.

Envelope ``{"event", "timestamp", "data"}`` (``callswitch_truedy.webhooks``), where
``data`` is the Ultravox event: ``{"event", "id", "call": {"callId", "agent":
{"agentId"}}}``. The emulator adds the call's flat fields, named as ``GET /calls/{id}``
names them (``status``, ``duration_seconds``...), as the older flat example in Truedy's
webhooks guide shows. Events: ``call.started`` when a call connects, ``call.ended`` when
it completes, then ``call.analyzed`` (the summary is ready), ``call.failed`` when it
fails. Each event has its own id (``data.id``); a redelivery reuses it.
"""

from __future__ import annotations

import copy
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from callswitch_truedy._wire import COMPLETED, FAILED, IN_PROGRESS
from callswitch_truedy.webhooks import EVENT_TYPES

__all__ = ["payloads"]

_EVENTS = {
    IN_PROGRESS: ("call.started",),
    COMPLETED: ("call.ended", "call.analyzed"),
    FAILED: ("call.failed",),
}


def _body(name: str, call: dict[str, Any]) -> dict[str, Any]:
    assert name in EVENT_TYPES  # a name the rules read
    stamp = datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds")
    flat = {key: value for key, value in copy.deepcopy(call).items() if key != "id"}
    subject: dict[str, Any] = {"callId": call["id"]}
    if call.get("agent_id"):
        subject["agent"] = {"agentId": call["agent_id"]}
    data = {**flat, "event": name, "id": "uv_evt_" + secrets.token_hex(8), "call": subject}
    return {"event": name, "timestamp": stamp.replace("+00:00", "Z"), "data": data}


def payloads(call: dict[str, Any], before: str, after: str) -> list[tuple[str, dict[str, Any]]]:
    """``(event, body)`` pairs for ``call`` moving from ``before`` to ``after``."""
    return [(name, _body(name, call)) for name in _EVENTS.get(after, ())]
