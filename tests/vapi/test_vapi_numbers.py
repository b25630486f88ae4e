"""Phone numbers: an E.164 from_number found with one GET /v2/phone-number?search=, and a
call's phoneNumberId resolved to Call.from_number once per id per client."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from vapi.types import PhoneNumberPaginatedResponse

import callswitch
from callswitch.errors import InvalidRequestError

_STAMP = {
    "orgId": "org-1",
    "createdAt": "2024-05-01T12:00:00Z",
    "updatedAt": "2024-05-01T12:00:00Z",
}
NUMBERS = [
    {"provider": "vapi", "id": "pn-1", "number": "+14155550100", "name": "main", **_STAMP},
    # Search is a partial match: these two also contain +14155550100.
    {"provider": "vapi", "id": "pn-2", "number": "+141555501001", "name": "longer", **_STAMP},
    {"provider": "vapi", "id": "pn-3", "sipUri": "sip:+14155550100@example.com", **_STAMP},
]


class Vendor:
    """GET /v2/phone-number, GET /phone-number/{id}, GET /call, GET /call/{id}, POST /call,
    in the SDK's shapes; ``numbers`` counts the phone number requests."""

    def __init__(self, kit: SimpleNamespace) -> None:
        self.kit = kit
        self.numbers: list[str] = []
        self.calls = [
            kit.sdk_call(
                id="c1",
                type="outboundPhoneCall",
                phone_number_id="pn-1",
                customer={"number": "+14155550123"},
            ),
            kit.sdk_call(
                id="c2",
                type="inboundPhoneCall",
                phone_number_id="pn-1",
                customer={"number": "+14155550177"},
            ),
            kit.sdk_call(
                id="c3",
                type="outboundPhoneCall",
                phone_number_id="pn-gone",
                customer={"number": "+14155550124"},
            ),
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        query = dict(parse_qsl(url.query))
        if url.path == "/v2/phone-number":
            self.numbers.append(f"search {query}")
            needle = query.get("search", "").lower()
            hits = [n for n in NUMBERS if any(needle in str(v).lower() for v in n.values())]
            meta = {"itemsPerPage": 100, "totalItems": len(hits), "currentPage": 1}
            body = {"results": hits, "metadata": meta}
            PhoneNumberPaginatedResponse.model_validate(body)  # the SDK's own shape
            return httpx.Response(200, json=body)
        if url.path.startswith("/phone-number/"):
            number_id = url.path.rsplit("/", 1)[1]
            self.numbers.append(f"get {number_id}")
            for row in NUMBERS:
                if row["id"] == number_id:
                    return httpx.Response(200, json=row)
            return httpx.Response(404, json={"message": "Not Found", "statusCode": 404})
        if request.method == "POST":
            return httpx.Response(201, json=self.calls[0])
        if url.path == "/call":
            return httpx.Response(200, json=self.calls)
        wanted = url.path.rsplit("/", 1)[1]
        return httpx.Response(200, json=next(c for c in self.calls if c["id"] == wanted))


def _client(rec: Any, kit: SimpleNamespace) -> callswitch.Client:
    return callswitch.connect("vapi", api_key=kit.API_KEY, http_client=rec.client(), max_retries=0)


def test_create_resolves_e164_with_one_search(kit: SimpleNamespace) -> None:
    """One GET /v2/phone-number?search=<number>; only the exact number counts (not a
    longer number or a SIP URI containing it); the second create costs no lookup."""
    vendor = Vendor(kit)
    rec = kit.Recorder(vendor)
    client = _client(rec, kit)
    for _ in range(2):
        call = client.calls.create_phone(
            from_number="+14155550100", to_number="+14155550123", agent_id="asst-1"
        )
    first = rec.requests[0]
    assert (first.method, first.url.path) == ("GET", "/v2/phone-number")
    assert dict(parse_qsl(first.url.query.decode())) == {"search": "+14155550100", "limit": "100"}
    posted = [kit.body_of(r) for r in rec.requests if r.method == "POST"]
    assert [b["phoneNumberId"] for b in posted] == ["pn-1", "pn-1"]
    assert len(vendor.numbers) == 1
    assert call.from_number == "+14155550100"


def test_unknown_number_refused_before_creating(kit: SimpleNamespace) -> None:
    vendor = Vendor(kit)
    rec = kit.Recorder(vendor)
    with pytest.raises(InvalidRequestError, match=r"no phone number \+14155550199"):
        _client(rec, kit).calls.create_phone(
            from_number="+14155550199", to_number="+14155550123", agent_id="asst-1"
        )
    assert [r.method for r in rec.requests] == ["GET"]


def test_get_and_list_fill_our_number_once_per_id(kit: SimpleNamespace) -> None:
    """phoneNumberId -> number: from_number of an outbound call, to_number of an inbound
    one; one GET /phone-number/{id} per id per client; a 404 leaves the number None."""
    vendor = Vendor(kit)
    rec = kit.Recorder(vendor)
    client = _client(rec, kit)
    got = client.calls.get("c1")
    assert got.from_number == "+14155550100"
    assert got.to_number == "+14155550123"
    assert "phoneNumber" not in got.raw  # raw stays the vendor's payload
    listed = {c.id: c for c in client.calls.list()}
    assert listed["c1"].from_number == "+14155550100"
    assert listed["c2"].to_number == "+14155550100"
    assert listed["c2"].from_number == "+14155550177"
    assert listed["c3"].from_number is None
    client.calls.get("c1")
    list(client.calls.list())
    assert vendor.numbers == ["get pn-1", "get pn-gone"]
    other = _client(kit.Recorder(vendor), kit)
    other.calls.get("c1")
    assert vendor.numbers[-1] == "get pn-1"  # the cache is per client


def test_async_is_the_same(kit: SimpleNamespace) -> None:
    vendor = Vendor(kit)
    rec = kit.Recorder(vendor)

    async def run() -> tuple[Any, Any]:
        async with callswitch.connect_async(
            "vapi", api_key=kit.API_KEY, http_client=rec.async_client(), max_retries=0
        ) as client:
            made = await client.calls.create_phone(
                from_number="+14155550100", to_number="+14155550123", agent_id="asst-1"
            )
            return made, await client.calls.get("c2")

    made, got = asyncio.run(run())
    assert made.from_number == "+14155550100"
    assert got.to_number == "+14155550100"
    assert vendor.numbers == ["search {'search': '+14155550100', 'limit': '100'}"]
