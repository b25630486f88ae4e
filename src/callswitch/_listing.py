"""Where one ``calls.list`` iteration is: page bookkeeping shared by sync and async, and
the client-side half of the list filters.

Every neutral filter is checked again on each call the vendor sends, so a vendor that
filters on a nearby field, or not at all, gives the same answer as one that filters
exactly. Filters whose capability row says ``client_side`` are not sent at all (the
adapter never sees them); pages are then fetched at full size and ``limit`` counts the
calls that match."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from callswitch._kit import ListFilters
from callswitch.errors import InvalidRequestError, ProviderError
from callswitch.http import Page, Plan, Request
from callswitch.models import Call

if TYPE_CHECKING:
    from callswitch._engine import _Engine


class _Listing:
    """Where one ``calls.list`` iteration is: the page bookkeeping the sync and async
    iterators share (no IO). ``plan``/``first`` start the first page, or ``page`` is it."""

    __slots__ = (
        "_check",
        "_engine",
        "_filters",
        "_pages",
        "_remaining",
        "_seen_cursors",
        "_size",
        "first",
        "page",
        "plan",
    )

    def __init__(
        self,
        engine: _Engine,
        limit: int | None,
        filters: Mapping[str, Any],
        check: ListFilters | None = None,
        client_side: bool = False,
    ) -> None:
        """``filters`` go to the adapter; ``check`` is every filter, applied to each call
        again; ``client_side`` says some filter is not sent, so pages keep full size."""
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise InvalidRequestError(f"limit must be a whole number >= 0 or None, got {limit!r}")
        size = engine.adapter.default_page_size
        self._engine = engine
        self._filters = filters
        self._check = check
        self._size = min(size, limit) if limit and not client_side else size
        self._remaining = limit
        # What the listing has been handed so far, to notice a vendor that goes round in
        # circles: each cursor (opaque: compared by its repr when it does not hash)
        # and each page (as the ids it held).
        self._seen_cursors: set[Any] = set()
        self._pages: set[tuple[str, ...]] = set()
        self.plan: Plan[Page[Call]] | None = None
        self.first: Request | None = None
        self.page: Page[Call] | None = None
        if limit == 0:
            return
        # Validate now, not at the first iteration: starting the first page's plan checks
        # the filters before anything is sent.
        plan = self._next_plan(None)
        try:
            self.first = next(plan)
            self.plan = plan
        except StopIteration as stop:  # a plan that needed no request
            self.page = stop.value

    def _next_plan(self, cursor: Any) -> Plan[Page[Call]]:
        return self._engine.adapter.list_page(
            filters=self._filters, page_size=self._size, cursor=cursor
        )

    def take(self, page: Page[Call]) -> tuple[tuple[Call, ...], Plan[Page[Call]] | None]:
        """The calls of ``page`` to hand out, and the plan for the next page (None: done)."""
        self._check_progress(page)
        calls = page.items
        if self._check is not None:
            calls = tuple(call for call in calls if matches(call, self._check))
        if self._remaining is not None:
            calls = calls[: self._remaining]
            self._remaining -= len(calls)
            if self._remaining == 0:
                return calls, None
        if page.next_cursor is None or not page.items:
            return calls, None
        return calls, self._next_plan(page.next_cursor)

    def _check_progress(self, page: Page[Call]) -> None:
        """Refuse a page that repeats an earlier page or cursor: such a vendor would
        otherwise be listed forever."""
        provider = self._engine.spec.name
        ids = tuple(call.id for call in page.items)
        if ids and ids in self._pages:
            raise ProviderError(
                f"the vendor answered a listing with a page it had already sent ({len(ids)} "
                f"calls, starting with {ids[0][:80]!r}); stopped, since the listing would "
                "never end",
                provider=provider,
            )
        self._pages.add(ids)
        if page.next_cursor is not None:
            cursor: Any = page.next_cursor
            try:
                hash(cursor)
            except TypeError:  # an unhashable cursor (a dict, say) is compared by its repr
                cursor = repr(cursor)
            if cursor in self._seen_cursors:
                raise ProviderError(
                    "the vendor answered a listing with a next-page cursor it had already "
                    "sent; stopped, since the listing would never end",
                    provider=provider,
                )
            self._seen_cursors.add(cursor)


def matches(call: Call, check: ListFilters) -> bool:
    """Whether ``call`` passes every neutral filter in ``check``. ``created_after`` and
    ``created_before`` are strict bounds on ``Call.created_at``; a call without a
    ``created_at`` passes no time filter."""
    if check.statuses and call.status not in check.statuses:
        return False
    if check.directions and call.direction not in check.directions:
        return False
    if check.agent_ids and call.agent_id not in check.agent_ids:
        return False
    after, before = check.created_after, check.created_before
    if after is not None or before is not None:
        created = call.created_at
        if created is None:
            return False
        if after is not None and not created > after:
            return False
        if before is not None and not created < before:
            return False
    return True
