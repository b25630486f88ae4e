"""Campaigns: dial a list within the vendor's limits, resume after a crash, never dial
anyone twice.

::

    from callswitch.campaigns import Campaign, SQLiteJournal

    campaign = Campaign(client, name="spring-reminders",
                        journal=SQLiteJournal("campaigns.db"),
                        max_concurrent=10, max_per_second=1.0)
    report = campaign.run(targets)     # or: await campaign.arun(targets)
    report.counts                      # {"ended": n, "failed": n, "unknown": n, "refused": n}

See ``docs/campaigns.md``.
"""

from __future__ import annotations

from callswitch.campaigns._campaign import Campaign
from callswitch.campaigns._journal import Entry, Journal, SQLiteJournal
from callswitch.campaigns._limiter import Limiter, LocalLimiter
from callswitch.campaigns._redis import RedisLimiter
from callswitch.campaigns._report import STATUSES, CampaignReport, Progress, RowResult

__all__ = [
    "STATUSES",
    "Campaign",
    "CampaignReport",
    "Entry",
    "Journal",
    "Limiter",
    "LocalLimiter",
    "Progress",
    "RedisLimiter",
    "RowResult",
    "SQLiteJournal",
]
