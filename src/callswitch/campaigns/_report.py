"""What a campaign run reports: one row per target, the counts, and progress."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["STATUSES", "CampaignReport", "Progress", "RowResult"]

#: Every status a row can end a run in, in the order reports show them.
STATUSES = ("ended", "failed", "unknown", "refused")


@attrs.frozen
class RowResult:
    """One target's outcome.

    ``status``: ``ended`` (connected, then ended), ``failed`` (never connected),
    ``unknown`` (a create may or may not have placed a call, or the call was still live
    when the run stopped following it) or ``refused`` (the vendor refused the create, or
    it could not be sent). ``ref`` is the call's ``"<provider>:<id>"`` when one exists.
    """

    key: str
    to_number: str
    status: str
    ref: str | None = None
    end_reason: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class CampaignReport:
    """The rows of one campaign run, in the order the targets were given."""

    name: str
    rows: tuple[RowResult, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status; every status is present, zero or not."""
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "counts": self.counts,
            "rows": [row.to_dict() for row in self.rows],
        }


@attrs.define
class Progress:
    """How far a run is: handed to a ``progress`` callback after every change."""

    total: int
    done: int = 0
    live: int = 0
    failed: int = 0
    created: int = 0
    started: float = attrs.field(factory=time.monotonic)

    @property
    def rate(self) -> float:
        """Creates per second so far."""
        elapsed = time.monotonic() - self.started
        return self.created / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds until every row is done, at the pace so far (None before any is)."""
        elapsed = time.monotonic() - self.started
        if self.done == 0 or elapsed <= 0:
            return None
        return (self.total - self.done) * elapsed / self.done

    def snapshot(self) -> Mapping[str, float | int | None]:
        return {
            "total": self.total,
            "done": self.done,
            "live": self.live,
            "failed": self.failed,
            "rate": self.rate,
            "eta": self.eta,
        }
