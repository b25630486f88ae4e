"""The webhooks Retell sends on a call's status changes, as the emulator builds them.

Body ``{"event": ..., "call": {...}}`` (``callswitch_retell.webhooks``): ``call_started``
when a call connects, ``call_ended`` when it ends (connected or not), then
``call_analyzed`` once the post-call analysis is ready. ``call_ended`` carries the call
without ``call_analysis``; ``call_analyzed`` carries it with.
"""

from __future__ import annotations

import copy
from typing import Any

from callswitch_retell._wire import ONGOING, OVER
from callswitch_retell.webhooks import EVENT_TYPES

__all__ = ["payloads"]


def _event(name: str, call: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assert name in EVENT_TYPES  # a name the rules read
    return name, {"event": name, "call": call}


def payloads(call: dict[str, Any], before: str, after: str) -> list[tuple[str, dict[str, Any]]]:
    """``(event, body)`` pairs for ``call`` moving from ``before`` to ``after``."""
    record = copy.deepcopy(call)
    if after == ONGOING:
        return [_event("call_started", record)]
    if after not in OVER or before in OVER:
        return []
    analysis = record.pop("call_analysis", None)
    sent = [_event("call_ended", copy.deepcopy(record))]
    if analysis is not None:
        sent.append(_event("call_analyzed", {**record, "call_analysis": analysis}))
    return sent
