"""The campaign loop: take a slot, take a turn, record the intent, create, follow.

One asynchronous loop serves every client: an ``AsyncClient`` is awaited, a sync
``Client`` runs in daemon threads. Rows are started in the order given; each holds one
limiter slot from before its create until its call has ended (or the run gives up on
it), so ``max_concurrent`` counts calls the vendor may consider live.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import NoReturn

import anyio

from callswitch import _observe
from callswitch._wait import Waiter
from callswitch.campaigns._driver import FINAL_CALL_STATUSES, Driver
from callswitch.campaigns._journal import FINAL, Entry, Journal
from callswitch.campaigns._limiter import Limiter
from callswitch.campaigns._report import Progress
from callswitch.campaigns._targets import Target
from callswitch.campaigns._wakeups import Wakeups
from callswitch.errors import (
    AllProvidersFailedError,
    CallswitchError,
    ConfigurationError,
    InvalidRequestError,
    LeaseLapsedError,
    OutcomeUnknownError,
    ProviderError,
    RateLimitError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)

__all__ = ["Runner"]

logger = logging.getLogger("callswitch.campaigns")

#: Attempts for a create that provably was not sent, or a keyed one whose outcome is open.
SEND_ATTEMPTS = 4
#: 429s one row may meet before it is reported refused.
RATE_LIMITED_ATTEMPTS = 30
#: A lease renewal sent this fraction of a lease or less before the leases lapse stops
#: the run even when it succeeds: room for the Redis server's clock to run ahead.
LEASE_MARGIN = 0.05


def _backoff(attempt: int) -> float:
    ceiling = min(8.0, 0.25 * 2.0**attempt)
    return random.uniform(0.5, 1.0) * ceiling  # noqa: S311 - jitter, not security


class Runner:
    """One run of one campaign (built by :class:`~callswitch.campaigns.Campaign`)."""

    def __init__(
        self,
        *,
        name: str,
        driver: Driver,
        journal: Journal,
        limiter: Limiter,
        max_concurrent: int,
        max_per_second: float,
        redial_unknown: bool,
        wait_timeout: float,
        progress: Callable[[Progress], None] | None,
        poll_interval: float | None = None,
        wakeups: Wakeups | None = None,
    ) -> None:
        self.name = name
        self.driver = driver
        self.journal = journal
        self.limiter = limiter
        self.max_concurrent = max_concurrent
        self.max_per_second = max_per_second
        self.redial_unknown = redial_unknown
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval
        self.wakeups = wakeups if wakeups is not None else Wakeups()
        self._progress_cb = progress
        self.progress = Progress(total=0)

    def _tell(self) -> None:
        if self._progress_cb is not None:
            self._progress_cb(self.progress)

    # -- planning ---------------------------------------------------------------------
    def _resolve(self, target: Target, entry: Entry | None) -> str:
        """What this run does with a row: ``skip``, ``follow``, ``send`` or ``unknown``."""
        if entry is None:
            return "send"
        if entry.state == "unknown" and self.redial_unknown:
            return "send"
        if entry.state in FINAL:
            return "skip"
        if entry.state == "created":
            return "follow"
        # "intent": the create may have reached the vendor.
        if self.driver.honours_key or self.redial_unknown:
            return "send"
        return "unknown"

    async def run(self, targets: list[Target]) -> None:
        entries = self.journal.load(self.name)
        plan = [(t, self._resolve(t, entries.get(t.row_key))) for t in targets]
        self.progress = Progress(total=len(plan))
        for target, action in plan:
            if action == "unknown":
                self.journal.finish(
                    self.name,
                    target.row_key,
                    "unknown",
                    error="a create may have been sent before the last run stopped, and this "
                    "vendor has no idempotency key; not dialed again (redial_unknown=True "
                    "dials it again)",
                )
            if action in ("skip", "unknown"):
                self.progress.done += 1
        self._tell()
        renew = getattr(self.limiter, "renew", None)
        async with anyio.create_task_group() as group:
            if renew is not None:
                group.start_soon(self._renew_leases, renew)
            async with anyio.create_task_group() as rows:
                for target, action in plan:
                    if action not in ("send", "follow"):
                        continue
                    token = await self.limiter.acquire_slot(self.max_concurrent)
                    entry = entries.get(target.row_key)
                    rows.start_soon(self._row, target, action, entry, token)
            group.cancel_scope.cancel()

    async def _renew_leases(self, renew: Callable[[], object]) -> None:
        """Renew the limiter's leases every third of a lease. A failed renewal (Redis
        unreachable for a moment) is logged and tried again a second later, while the
        leases last; once they may have lapsed, other runners may take those slots
        while these calls are still live, so the run stops: with the error when
        renewals failed, with LeaseLapsedError when one got no answer within the lease,
        was sent too late (within ``LEASE_MARGIN`` of it), or found slots gone."""
        lease = float(getattr(self.limiter, "lease", 30.0))
        renewed = anyio.current_time()
        wait = lease / 3
        while True:
            await anyio.sleep(wait)
            sent = anyio.current_time()
            try:
                with anyio.move_on_after(renewed + lease - sent) as bound:
                    result = renew()
                    if hasattr(result, "__await__"):
                        result = await result
            except Exception as exc:
                if anyio.current_time() - renewed >= lease:
                    logger.error(
                        "campaign %s: could not renew the limiter's leases for %.1f s (the "
                        "lease); stopping: %s",
                        self.name,
                        anyio.current_time() - renewed,
                        exc,
                    )
                    raise
                logger.warning(
                    "campaign %s: renewing the limiter's leases failed (%s); trying again",
                    self.name,
                    exc,
                )
                wait = min(1.0, lease / 10)
                continue
            if bound.cancelled_caught:
                self._lapsed(f"a renewal got no answer within the lease ({lease:g} s)")
            if sent - renewed >= lease * (1 - LEASE_MARGIN):
                self._lapsed(
                    f"a renewal went out {sent - renewed:.2f} s after the last one that "
                    f"succeeded; the lease is {lease:g} s"
                )
            if isinstance(result, int) and not isinstance(result, bool) and result > 0:
                self._lapsed(f"a renewal found {result} of this run's slots gone from Redis")
            renewed, wait = sent, lease / 3

    def _lapsed(self, why: str) -> NoReturn:
        message = (
            f"campaign {self.name}: the limiter's leases may have lapsed ({why}); other "
            "runners may hold these slots while this run's calls are live, so the run "
            "stops. Calls already created go on at the vendor; run the campaign again to "
            "follow them. A longer RedisLimiter(lease=...) rides out longer Redis outages"
        )
        logger.error("%s", message)
        raise LeaseLapsedError(message)

    # -- one row ----------------------------------------------------------------------
    async def _row(self, target: Target, action: str, entry: Entry | None, token: str) -> None:
        self.progress.live += 1
        self._tell()
        try:
            if action == "follow" and entry is not None and entry.provider and entry.call_id:
                provider, call_id = entry.provider, entry.call_id
            else:
                sent = await self._send(target)
                if sent is None:
                    return
                provider, call_id = sent
            await self._follow(target, provider, call_id)
        finally:
            self.progress.live -= 1
            self.progress.done += 1
            await self.limiter.release_slot(token)
            self._tell()

    async def _send(self, target: Target) -> tuple[str, str] | None:
        """Create the row's call: (provider, call id), or None when the row is finished."""
        attempt = limited = 0
        keyed = self.driver.honours_key
        while True:
            await self.limiter.take_turn(self.max_per_second)
            self.journal.intend(self.name, target.row_key, target.idempotency_key, target.to_number)
            self.progress.created += 1
            try:
                call = await self.driver.create(target)
            except AllProvidersFailedError as exc:
                # A router's: nothing was created anywhere. Refused before sending by every
                # vendor: the same for every row, so the run stops (as below). Rate limited,
                # unreachable or cooling down: the row waits and is tried again, as on a 429.
                errors = list(exc.errors.values())
                if errors and all(
                    isinstance(e, InvalidRequestError | ConfigurationError) for e in errors
                ):
                    self.journal.discard(self.name, target.row_key)
                    raise
                if errors and not any(
                    isinstance(e, RateLimitError | TransportError) for e in errors
                ):
                    self._finish(target, "refused", error=str(exc))
                    return None
                limited += 1
                asked = [e.retry_after for e in errors if isinstance(e, RateLimitError)]
                wait = max([a for a in asked if a is not None], default=_backoff(limited))
                logger.info(
                    "campaign %s: no provider took a create; pausing %.2f s", self.name, wait
                )
                await self.limiter.pause(wait)
                if limited >= RATE_LIMITED_ATTEMPTS:
                    self._finish(target, "refused", error=f"no provider took it: {exc}")
                    return None
                continue
            except RateLimitError as exc:
                limited += 1
                wait = exc.retry_after if exc.retry_after is not None else _backoff(limited)
                logger.info("campaign %s: 429 on a create; pausing creates %.2f s", self.name, wait)
                await self.limiter.pause(wait)
                if limited >= RATE_LIMITED_ATTEMPTS:
                    self._finish(target, "refused", error=f"rate limited: {exc}")
                    return None
                continue
            except OutcomeUnknownError as exc:
                if keyed and attempt + 1 < SEND_ATTEMPTS:
                    attempt += 1
                    await anyio.sleep(_backoff(attempt))
                    continue
                self._finish(target, "unknown", error=str(exc))
                return None
            except TransportError as exc:  # never left this machine
                if attempt + 1 < SEND_ATTEMPTS:
                    attempt += 1
                    await anyio.sleep(_backoff(attempt))
                    continue
                self._finish(target, "refused", error=f"could not be sent: {exc}")
                return None
            except ProviderError as exc:
                ambiguous = isinstance(exc, ServerError) or exc.status_code in (408, 409)
                if ambiguous and keyed and attempt + 1 < SEND_ATTEMPTS:
                    attempt += 1
                    await anyio.sleep(_backoff(attempt))
                    continue
                self._finish(target, "unknown" if ambiguous else "refused", error=str(exc))
                return None
            except CallswitchError as exc:
                # Refused by callswitch itself before sending (bad input, unsupported
                # field, missing setting): the same for every row, so the run stops, and
                # the intent goes, since nothing was sent.
                self.journal.discard(self.name, target.row_key)
                raise exc
            self.journal.created(self.name, target.row_key, call.provider, call.id)
            _observe.routed(
                f"campaign:{self.name}",
                "calls.create_phone",
                call.provider,
                f"created after {attempt + limited + 1} attempt(s)",
                (),
                {},
            )
            return call.provider, call.id

    async def _follow(self, target: Target, provider: str, call_id: str) -> None:
        """Poll the call until it has ended or failed, at ``poll_interval`` (or the
        backoff of ``calls.wait``: 0.5 s growing to 5 s); a wake-up from
        :meth:`Campaign.notify` cuts the wait short. What is recorded is always what the
        last poll read, never what a webhook said."""
        # calls.wait's own pacing and deadline (Waiter is pure: told each polled call, it
        # answers with the call or the seconds to wait), on the loop's clock.
        waiter = Waiter(
            provider,
            call_id,
            FINAL_CALL_STATUSES,
            timeout=self.wait_timeout,
            poll_interval=self.poll_interval,
            clock=anyio.current_time,
        )
        limited = 0
        with self.wakeups.watch(provider, call_id) as watch:
            while True:
                try:
                    call = await self.driver.poll(provider, call_id)
                except RateLimitError as exc:
                    limited += 1
                    await anyio.sleep(exc.retry_after or _backoff(limited))
                    continue
                except ProviderError as exc:
                    self._finish(target, "unknown", error=f"could not follow the call: {exc}")
                    return
                try:
                    step = waiter.after(call)
                except WaitTimeoutError:
                    logger.info(
                        "campaign %s: %s:%s still live; left to the next run",
                        self.name,
                        provider,
                        call_id,
                    )
                    return  # stays "created" in the journal: the next run follows it again
                if isinstance(step, float):
                    await watch.wait(step)
                    continue
                status = call.status.value
                if status == "failed":
                    self.progress.failed += 1
                reason = call.end_reason.value if call.end_reason is not None else None
                self._finish(target, status, end_reason=reason)
                return

    def _finish(
        self, target: Target, state: str, *, end_reason: str | None = None, error: str | None = None
    ) -> None:
        """Record the row's final state."""
        if state in ("refused", "unknown") and error:
            logger.warning("campaign %s: %s %s: %s", self.name, target.row_key, state, error)
        self.journal.finish(self.name, target.row_key, state, end_reason=end_reason, error=error)
