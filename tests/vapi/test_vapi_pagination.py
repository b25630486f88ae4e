"""calls.list over Vapi's cursorless GET /call: a moving createdAt window, no duplicates
or gaps even when many calls share one timestamp across page boundaries."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

import callswitch
from callswitch import CallStatus
from callswitch.errors import InvalidRequestError

BASE = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeListing:
    """GET /call as the wire facts describe it: bare array, newest first, limit, and the
    createdAt filters. Calls sharing a createdAt come back in a different order each time
    (the order of ties is not specified), which is what breaks naive paging."""

    def __init__(self, rows: list[dict[str, Any]], path: str = "/call", seed: int = 7) -> None:
        self.rows = rows
        self.path = path
        self.rng = random.Random(seed)
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        assert url.path == self.path
        query = dict(parse_qsl(url.query))
        self.queries.append(query)
        rows = list(self.rows)
        for name, keep in (
            ("createdAtLt", lambda a, b: a < b),
            ("createdAtLe", lambda a, b: a <= b),
            ("createdAtGt", lambda a, b: a > b),
        ):
            if name in query:
                bound = datetime.fromisoformat(query[name])
                rows = [r for r in rows if keep(datetime.fromisoformat(r["createdAt"]), bound)]
        if "assistantId" in query:
            rows = [r for r in rows if r.get("assistantId") == query["assistantId"]]
        self.rng.shuffle(rows)
        rows.sort(key=lambda r: datetime.fromisoformat(r["createdAt"]), reverse=True)
        return httpx.Response(200, json=rows[: int(query.get("limit", "100"))])


def _calls(groups: list[int], **fields: Any) -> list[dict[str, Any]]:
    """``groups[i]`` calls created at BASE - i seconds (so groups share timestamps)."""
    rows = []
    for i, size in enumerate(groups):
        for j in range(size):
            rows.append(
                {
                    "id": f"call-{i:03d}-{j:03d}",
                    "createdAt": _iso(BASE - timedelta(seconds=i)),
                    "type": "outboundPhoneCall",
                    "status": "ended",
                    **fields,
                }
            )
    return rows


def _client(rec: Any, kit: SimpleNamespace) -> callswitch.Client:
    return callswitch.connect("vapi", api_key=kit.API_KEY, http_client=rec.client(), max_retries=0)


def _list(kit: SimpleNamespace, listing: FakeListing, page_size: int, **filters: Any) -> list[str]:
    """Every id listed, driving the adapter at ``page_size`` (the client's default is 100)."""
    rec = kit.Recorder(listing)
    client = _client(rec, kit)
    adapter = client._engine.adapter
    original = type(adapter).default_page_size
    type(adapter).default_page_size = page_size
    try:
        return [c.id for c in client.calls.list(**filters)]
    finally:
        type(adapter).default_page_size = original


def test_many_calls_share_one_timestamp_across_pages(kit: SimpleNamespace) -> None:
    """57 calls at one instant, pages of 10: every call exactly once."""
    rows = _calls([3, 57, 4])
    listing = FakeListing(rows)
    ids = _list(kit, listing, page_size=10)
    assert len(ids) == len(set(ids)) == len(rows)
    assert set(ids) == {r["id"] for r in rows}
    # Newest first; the window stays on the crowded instant while draining it (the limit
    # grows by the ids already seen there).
    assert set(ids[:3]) == {r["id"] for r in rows[:3]}
    limits = [int(q["limit"]) for q in listing.queries]
    assert limits[0] == 10
    assert max(limits) > 10


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("page_size", [1, 2, 3, 7, 50])
def test_no_gaps_or_duplicates_for_any_page_size(
    kit: SimpleNamespace, page_size: int, seed: int
) -> None:
    """Random groups of shared timestamps, any page size, any order of ties."""
    rng = random.Random(seed)
    rows = _calls([rng.randint(1, 9) for _ in range(12)])
    ids = _list(kit, FakeListing(rows, seed=seed), page_size=page_size)
    assert sorted(ids) == sorted(r["id"] for r in rows)


def test_page_boundary_on_a_shared_timestamp_uses_le_and_skips_seen(
    kit: SimpleNamespace,
) -> None:
    """After a full page ending at T, the next asks createdAtLe=T with limit raised by the
    ids already returned at T."""
    rows = _calls([2, 3])  # 2 at BASE, 3 at BASE-1s
    listing = FakeListing(rows)
    ids = _list(kit, listing, page_size=3)
    assert sorted(ids) == sorted(r["id"] for r in rows)
    first, second = listing.queries[0], listing.queries[1]
    assert first == {"limit": "3"}
    # Page 1 = both calls at BASE + one at BASE-1s: the boundary is BASE-1s, 1 id seen.
    assert second == {"createdAtLe": _iso(BASE - timedelta(seconds=1)), "limit": "4"}


def test_short_page_ends_the_listing(kit: SimpleNamespace) -> None:
    """A page shorter than its limit is the last: no extra request."""
    listing = FakeListing(_calls([1, 1, 1]))
    assert len(_list(kit, listing, page_size=5)) == 3
    assert len(listing.queries) == 1


def test_lazy_and_limited(kit: SimpleNamespace) -> None:
    """limit=N stops after N calls; pages are fetched only as the iterator advances."""
    listing = FakeListing(_calls([1] * 30))
    rec = kit.Recorder(listing)
    client = _client(rec, kit)
    iterator = client.calls.list(limit=4)
    assert listing.queries == []
    assert len(list(iterator)) == 4
    assert [q["limit"] for q in listing.queries] == ["4"]


def test_status_and_direction_are_filtered_after_fetching(kit: SimpleNamespace) -> None:
    """GET /call cannot filter by status or type; pages are filtered and a page that
    filters down to nothing does not end the listing early."""
    rows = _calls([1] * 12)
    for i, row in enumerate(rows):
        row["status"] = "in-progress" if i in (1, 10) else "ended"
        row["type"] = "inboundPhoneCall" if i == 10 else "outboundPhoneCall"
    listing = FakeListing(rows)
    assert _list(kit, listing, page_size=3, status="ongoing") == [rows[1]["id"], rows[10]["id"]]
    assert _list(
        kit, FakeListing(rows), page_size=3, status=CallStatus.ONGOING, direction="inbound"
    ) == [rows[10]["id"]]
    assert all("status" not in q and "type" not in q for q in listing.queries)


def test_agent_and_time_filters_go_to_the_server(kit: SimpleNamespace) -> None:
    rows = _calls([1] * 5, assistantId="asst-1") + _calls([1], assistantId="other")
    listing = FakeListing(rows)
    ids = _list(
        kit,
        listing,
        page_size=10,
        agent_id="asst-1",
        created_after=BASE - timedelta(seconds=3, milliseconds=500),
        created_before="2024-05-01T12:00:00Z",
    )
    assert len(ids) == 3  # BASE-1s, -2s, -3s
    assert listing.queries[0] == {
        "assistantId": "asst-1",
        "createdAtGt": "2024-05-01T11:59:56.500000Z",
        "createdAtLt": "2024-05-01T12:00:00Z",
        "limit": "10",
    }


@pytest.mark.parametrize(
    ("filters", "needle"),
    [
        ({"status": "finished"}, "status must be one of"),
        ({"status": "unknown"}, "status must be one of"),
        ({"direction": "sideways"}, "direction must be one of"),
        ({"created_after": datetime(2024, 1, 1)}, "timezone-aware"),
        ({"created_before": "last tuesday"}, "ISO 8601"),
        ({"agent_id": ""}, "agent_id"),
    ],
)
def test_bad_filters_refused_before_sending(
    kit: SimpleNamespace, filters: dict[str, Any], needle: str
) -> None:
    rec = kit.Recorder(lambda r: pytest.fail("nothing may be sent"))
    client = _client(rec, kit)
    with pytest.raises(InvalidRequestError, match=needle):
        list(client.calls.list(**filters))
    assert rec.requests == []
