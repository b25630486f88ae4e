"""The neutral webhook event: :class:`EventType`, :class:`CallEvent` and derived ids."""

from __future__ import annotations

import enum
import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callswitch.models import Call

__all__ = ["CallEvent", "EventType", "derive_event_id"]


class EventType(enum.StrEnum):
    """What happened, in neutral terms. ``CallEvent.raw_type`` keeps the vendor's word."""

    CALL_STARTED = "call.started"
    #: The other party connected: the callee answered, or a web participant joined.
    CALL_ANSWERED = "call.answered"
    CALL_ENDED = "call.ended"
    #: The call's cost is final (it may come after ``call.ended``).
    CALL_BILLED = "call.billed"
    CALL_ANALYZED = "call.analyzed"
    CALL_STATUS_CHANGED = "call.status_changed"
    CALL_TRANSCRIPT = "call.transcript"
    CALL_TRANSFER = "call.transfer"
    #: A batch (campaign) of calls changed status; ``CallEvent.call`` is ``None``.
    BATCH_STATUS_CHANGED = "batch.status_changed"
    #: A batch (campaign) of calls finished; ``CallEvent.call`` is ``None``.
    BATCH_COMPLETED = "batch.completed"
    OTHER = "other"


class CallEvent(BaseModel):
    """One verified webhook event, the same shape for every vendor.

    ``id`` is the vendor's event id when it sends one, else a stable digest of the
    provider, the event name, the call id and the payload (a redelivery of the same
    payload gets the same id). ``occurred_at`` is the vendor's event time when it sends
    one, else the signed timestamp, else the call's own times, else the time of parsing.
    ``call`` is built by the same mapping as API responses (``None`` for events about
    no call). ``raw`` is the decoded body, untouched.
    """

    # defer_build: the schema is built on first use, not when callswitch is imported.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    id: str
    provider: str
    type: EventType
    raw_type: str = Field(description="The vendor's event name, e.g. 'call_ended'.")
    occurred_at: datetime
    call: Call | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        return value

    @property
    def key(self) -> str:
        """``"<provider>:<id>"``: unique across providers, the key to de-duplicate on."""
        return f"{self.provider}:{self.id}"

    @property
    def call_id(self) -> str | None:
        return self.call.id if self.call is not None else None


def derive_event_id(provider: str, raw_type: str, call_id: str | None, payload: Any) -> str:
    """A stable id for an event the vendor sends without one.

    Digest of the provider, event name, call id and the payload in canonical JSON (sorted
    keys), so that a redelivery of the same event maps to the same id whatever the
    signature timestamp, while two different events of one call (a growing transcript,
    say) do not collide.
    """
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(
        "\n".join((provider, raw_type, call_id or "", canonical)).encode("utf-8")
    ).hexdigest()
    return f"derived_{digest[:40]}"
