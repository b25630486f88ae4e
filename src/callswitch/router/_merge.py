"""``calls.list`` across vendors: one stream, newest first, pulled lazily (a k-way merge)."""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime

from callswitch.models import Call

__all__ = ["amerge_newest_first", "merge_newest_first", "newest_key"]

_NEVER = datetime.min.replace(tzinfo=UTC)


def newest_key(call: Call) -> datetime:
    """When the call was created (its start when the vendor gives no creation time); calls
    with neither sort last."""
    return call.created_at or call.started_at or _NEVER


def merge_newest_first(streams: Iterable[Iterator[Call]], limit: int | None) -> Iterator[Call]:
    """Merge streams that are each newest first; at most ``limit`` calls."""
    merged = heapq.merge(*streams, key=newest_key, reverse=True)
    for count, call in enumerate(merged):
        if limit is not None and count >= limit:
            return
        yield call


async def amerge_newest_first(
    streams: Iterable[AsyncIterator[Call]], limit: int | None
) -> AsyncIterator[Call]:
    """:func:`merge_newest_first` for async streams: one call is held per stream."""
    iterators = list(streams)
    # Entries sort newest first: (negated timestamp, stream index) breaks ties by order.
    heap: list[tuple[float, int, Call]] = []

    async def pull(index: int) -> None:
        try:
            call = await anext(iterators[index])
        except StopAsyncIteration:
            return
        heapq.heappush(heap, (-_stamp(call), index, call))

    for index in range(len(iterators)):
        await pull(index)
    count = 0
    while heap and (limit is None or count < limit):
        _, index, call = heapq.heappop(heap)
        yield call
        count += 1
        await pull(index)


def _stamp(call: Call) -> float:
    key = newest_key(call)
    return float("-inf") if key is _NEVER else key.timestamp()
