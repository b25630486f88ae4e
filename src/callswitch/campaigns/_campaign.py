"""``Campaign``: dial a list within the vendor's limits, resume after a crash."""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import anyio

from callswitch.campaigns._driver import FINAL_CALL_STATUSES, Driver
from callswitch.campaigns._journal import FINAL, Journal, SQLiteJournal
from callswitch.campaigns._limiter import Limiter, LocalLimiter, check_limits
from callswitch.campaigns._report import CampaignReport, Progress, RowResult
from callswitch.campaigns._runner import Runner
from callswitch.campaigns._targets import Target, parse_targets
from callswitch.campaigns._wakeups import Wakeups
from callswitch.errors import ConfigurationError, InvalidRequestError
from callswitch.models import Call

if TYPE_CHECKING:
    from callswitch.webhooks import CallEvent

__all__ = ["Campaign"]

#: The journal file used when none is given.
DEFAULT_JOURNAL = "campaigns.db"


def _check_shard(shard: object) -> tuple[int, int]:
    if (
        not isinstance(shard, tuple)
        or len(shard) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in shard)
        or not 0 <= shard[0] < shard[1]
    ):
        raise ConfigurationError(
            f"shard must be (i, n) with 0 <= i < n, e.g. shard=(0, 2) and shard=(1, 2) for "
            f"two runners; got {shard!r}"
        )
    return shard[0], shard[1]


def _in_shard(target: Target, index: int, count: int) -> bool:
    digest = hashlib.sha256(target.row_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count == index


def _unwrap(group: BaseExceptionGroup[Any]) -> BaseException:
    """The one error behind nested task-group errors, when there is one."""
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


class Campaign:
    """An outbound campaign: each target dialed at most once per ``name``.

    ``client`` is a :class:`~callswitch.Client`, :class:`~callswitch.AsyncClient` or a
    router (anything whose ``.calls`` has ``create_phone`` and ``wait``).
    ``journal`` keeps what was intended and what came of it (default
    ``SQLiteJournal("campaigns.db")``); ``limiter`` holds the budget (default: this
    process; :class:`~callswitch.campaigns.RedisLimiter` to share it). ``shard=(i, n)``
    makes this runner work one n-th of the list. ``from_number`` / ``agent_id`` are used
    for targets that do not name their own. ``wait_timeout`` bounds how long one call is
    followed; ``poll_interval`` fixes the seconds between its polls (None: the backoff
    of ``calls.wait``, 0.5 s growing to 5 s, which holds a slot up to 5 s after a
    hang-up; short calls keep closer to ``max_concurrent`` with a short interval, at the
    cost of more requests). ``progress`` is called with a :class:`Progress` after every change.

    :meth:`notify` takes webhook events: wired to a
    :class:`~callswitch.webhooks.Receiver` (``receiver.on("call.ended")(campaign.notify)``)
    it frees a call's slot as soon as the vendor says the call ended, instead of at the
    next poll. Polling goes on as the fallback for a webhook that never comes.
    """

    def __init__(
        self,
        client: Any,
        *,
        name: str,
        journal: Journal | None = None,
        max_concurrent: int = 10,
        max_per_second: float = 1.0,
        limiter: Limiter | None = None,
        shard: tuple[int, int] = (0, 1),
        redial_unknown: bool = False,
        from_number: str | None = None,
        agent_id: str | None = None,
        wait_timeout: float = 3600.0,
        poll_interval: float | None = None,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(
                "a campaign needs a name (name='spring-reminders'): the journal knows it by it"
            )
        self.max_concurrent, self.max_per_second = check_limits(max_concurrent, max_per_second)
        if not (isinstance(wait_timeout, int | float) and math.isfinite(wait_timeout)) or (
            wait_timeout <= 0
        ):
            raise ConfigurationError(f"wait_timeout must be seconds > 0, got {wait_timeout!r}")
        if poll_interval is not None and (
            isinstance(poll_interval, bool)
            or not isinstance(poll_interval, int | float)
            or not math.isfinite(poll_interval)
            or poll_interval <= 0
        ):
            raise ConfigurationError(
                f"poll_interval must be seconds > 0 (or None for calls.wait's backoff), "
                f"got {poll_interval!r}"
            )
        self._driver = Driver(client)
        self.name = name
        self.journal: Journal = journal if journal is not None else SQLiteJournal(DEFAULT_JOURNAL)
        self.limiter: Limiter = limiter if limiter is not None else LocalLimiter()
        self.shard = _check_shard(shard)
        self.redial_unknown = bool(redial_unknown)
        self.wait_timeout = float(wait_timeout)
        self.poll_interval = None if poll_interval is None else float(poll_interval)
        self.progress = progress
        self._defaults = {"from_number": from_number, "agent_id": agent_id}
        self._wakeups = Wakeups()

    def __repr__(self) -> str:
        return (
            f"Campaign(name={self.name!r}, max_concurrent={self.max_concurrent}, "
            f"max_per_second={self.max_per_second}, shard={self.shard})"
        )

    def notify(self, event: CallEvent | Call) -> bool:
        """Tell the campaign a call may have ended: a webhook
        :class:`~callswitch.webhooks.CallEvent` or a :class:`~callswitch.models.Call`.

        When it says the call ended or failed (a ``call.ended`` event, or a call whose
        status is ``ended`` or ``failed``) and this campaign is following that call, its
        follower wakes at once, reads the call from the vendor once and records what it
        reads; a call not over yet goes back to being polled. Anything else is ignored.
        Returns True when a follower's wake-up was queued on the campaign's loop.
        Thread-safe and never waits for that loop (it only queues the wake-up), and
        cheap for calls the campaign does not follow, so it can take every event::

            receiver.on("call.ended")(campaign.notify)
        """
        call: Call | None
        if isinstance(event, Call):
            call, ended = event, False
        else:
            # Whoever has a CallEvent has imported callswitch.webhooks already.
            from callswitch.webhooks import CallEvent, EventType

            if not isinstance(event, CallEvent):
                raise InvalidRequestError(
                    "notify() takes a callswitch.webhooks.CallEvent (what a Receiver handler "
                    f"gets) or a callswitch.models.Call, not {type(event).__name__}"
                )
            call, ended = event.call, event.type is EventType.CALL_ENDED
        if call is None or not (ended or call.status.value in FINAL_CALL_STATUSES):
            return False
        return self._wakeups.wake(call.provider, call.id)

    @property
    def honours_idempotency_key(self) -> bool:
        """Whether every vendor this campaign can create on declares that it honours an
        idempotency key: then a create that may have been sent is sent again with the
        same key after a crash; otherwise the row is reported ``unknown``."""
        return self._driver.honours_key

    def _targets(self, targets: Iterable[Any]) -> list[Target]:
        parsed = parse_targets(self.name, targets, self._defaults)
        index, count = self.shard
        return [t for t in parsed if _in_shard(t, index, count)]

    def run(self, targets: Iterable[Any]) -> CampaignReport:
        """Dial every target not yet finished under this name; returns the report."""
        parsed = self._targets(targets)
        result: CampaignReport = anyio.run(self._arun, parsed)
        return result

    async def arun(self, targets: Iterable[Any]) -> CampaignReport:
        """:meth:`run`, awaitable (with an :class:`~callswitch.AsyncClient`)."""
        return await self._arun(self._targets(targets))

    async def _arun(self, targets: list[Target]) -> CampaignReport:
        runner = Runner(
            name=self.name,
            driver=self._driver,
            journal=self.journal,
            limiter=self.limiter,
            max_concurrent=self.max_concurrent,
            max_per_second=self.max_per_second,
            redial_unknown=self.redial_unknown,
            wait_timeout=self.wait_timeout,
            poll_interval=self.poll_interval,
            progress=self.progress,
            wakeups=self._wakeups,
        )
        try:
            await runner.run(targets)
        except BaseExceptionGroup as group:
            raise _unwrap(group) from None
        finally:
            await self.limiter.aclose()
        return self.report(targets)

    def report(self, targets: list[Target]) -> CampaignReport:
        entries = self.journal.load(self.name)
        rows = []
        for target in targets:
            entry = entries.get(target.row_key)
            if entry is None:
                rows.append(
                    RowResult(target.row_key, target.to_number, "unknown", error="not started")
                )
                continue
            status, error = entry.state, entry.error
            if status not in FINAL:
                status = "unknown"
                error = error or (
                    "still live when this run stopped following it; the next run follows it"
                    if entry.state == "created"
                    else "its create may have been sent; the next run resolves it"
                )
            rows.append(
                RowResult(
                    key=target.row_key,
                    to_number=target.to_number,
                    status=status,
                    ref=entry.ref,
                    end_reason=entry.end_reason,
                    error=error,
                )
            )
        return CampaignReport(self.name, tuple(rows))


def journal_path(path: str | os.PathLike[str] | None) -> SQLiteJournal:
    """The SQLite journal at ``path`` (default ``campaigns.db``)."""
    return SQLiteJournal(path if path is not None else DEFAULT_JOURNAL)
