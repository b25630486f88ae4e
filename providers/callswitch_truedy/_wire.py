"""Truedy wire facts that the adapter and the emulator both rely on, kept in one place.

Source: Truedy's public API reference, https://docs.truedy.ai (the OpenAPI document of
``https://api.truedy.ai/api/public/v1``). Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "BASE_PATH",
    "CALL",
    "CALLS",
    "CANCELLED",
    "COMPLETED",
    "ENDED",
    "FAILED",
    "IDEMPOTENCY_HEADER",
    "IN_PROGRESS",
    "IN_PROGRESS_GUIDE",
    "LIST_STATUSES",
    "MAX_PAGE_SIZE",
    "QUEUED",
    "RINGING",
    "UPDATE_SETTINGS",
    "WEBRTC_CALL",
]

#: The path of the public API on ``https://api.truedy.ai``; the request paths below are
#: relative to it.
BASE_PATH = "/api/public/v1"

#: ``GET`` lists calls, ``POST`` creates one.
CALLS = "/calls"
#: ``GET`` reads a call, ``PATCH`` updates it; ``{call_id}`` is filled with ``format``.
CALL = "/calls/{call_id}"
#: ``POST`` creates a browser (WebRTC) call.
WEBRTC_CALL = "/webrtc/call"

# ``status`` as the OpenAPI schema spells it (what calls carry).
QUEUED = "queued"
RINGING = "ringing"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
CANCELLED = "cancelled"
FAILED = "failed"
# The list guide's spellings of in_progress and completed.
IN_PROGRESS_GUIDE = "in-progress"
ENDED = "ended"

#: The header ``POST /calls`` reads its idempotency key from.
IDEMPOTENCY_HEADER = "X-Idempotency-Key"

#: The largest ``limit`` ``GET /calls`` accepts.
MAX_PAGE_SIZE = 100

#: The ``call_settings`` keys ``PATCH /calls/{id}`` may change, in the order sent (the
#: adapter sends these ``CallUpdate`` fields under the same names; the rest of the body is
#: ``variables``).
UPDATE_SETTINGS = ("recording_enabled", "transcription_enabled", "greeting")

#: The ``status`` values ``GET /calls`` filters on -> the schema's spelling of each. The
#: list guide (https://docs.truedy.ai/guides/call-management) spells ``in-progress``,
#: ``ended`` and ``cancelled``; the OpenAPI schema ``in_progress`` and ``completed``.
LIST_STATUSES: Mapping[str, str] = {
    QUEUED: QUEUED,
    RINGING: RINGING,
    IN_PROGRESS: IN_PROGRESS,
    IN_PROGRESS_GUIDE: IN_PROGRESS,
    COMPLETED: COMPLETED,
    ENDED: COMPLETED,
    CANCELLED: CANCELLED,
    FAILED: FAILED,
}
