"""The server messages Vapi sends on a call's status changes, as the emulator builds them.

Body ``{"message": {"type": ..., "call": {...}, "timestamp": ...}}``
(``callswitch_vapi.webhooks``): a ``status-update`` with ``status: in-progress`` when a
call connects; when it ends, a ``status-update`` with ``status: ended`` and the
``endedReason``, then the ``end-of-call-report`` with the reason, times, cost, artifact
and analysis. ``timestamp`` is in epoch milliseconds [INF: the SDK types it as a number].
"""

from __future__ import annotations

import copy
import time
from typing import Any

from callswitch_vapi._wire import ENDED, IN_PROGRESS

__all__ = ["payloads"]

_REPORT_FIELDS = ("endedReason", "startedAt", "endedAt", "cost", "costs", "artifact", "analysis")


def _message(kind: str, call: dict[str, Any], **fields: Any) -> tuple[str, dict[str, Any]]:
    message: dict[str, Any] = {"type": kind, **fields, "timestamp": int(time.time() * 1000)}
    if isinstance(call.get("customer"), dict):
        message["customer"] = call["customer"]
    message["call"] = call
    return kind, {"message": message}


def payloads(call: dict[str, Any], before: str, after: str) -> list[tuple[str, dict[str, Any]]]:
    """``(type, body)`` pairs for ``call`` moving from ``before`` to ``after``."""
    record = copy.deepcopy(call)
    if after == IN_PROGRESS:
        return [_message("status-update", record, status=IN_PROGRESS)]
    if after != ENDED:
        return []
    reason = record.get("endedReason")
    report = {name: record[name] for name in _REPORT_FIELDS if record.get(name) is not None}
    return [
        _message("status-update", copy.deepcopy(record), status=ENDED, endedReason=reason),
        _message("end-of-call-report", record, **report),
    ]
