"""Truedy wire facts that the adapter and the emulator both rely on, kept in one place.

Source: Truedy's public API reference, https://docs.truedy.ai (the OpenAPI document of
``https://api.truedy.ai/api/public/v1``). Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["IDEMPOTENCY_HEADER", "LIST_STATUSES", "MAX_PAGE_SIZE", "UPDATE_SETTINGS"]

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
    "queued": "queued",
    "ringing": "ringing",
    "in_progress": "in_progress",
    "in-progress": "in_progress",
    "completed": "completed",
    "ended": "completed",
    "cancelled": "cancelled",
    "failed": "failed",
}
