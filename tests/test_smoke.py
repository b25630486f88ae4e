"""The core drives a provider's plans end to end (in-test provider, mock transport)."""

from __future__ import annotations

import httpx

import callswitch


def test_get_through_fake_provider(fake_provider: str) -> None:
    """A GET reaches the transport with the key as a bearer header and parses."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "c1", "status": "ongoing"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = callswitch.connect(fake_provider, api_key="k-123", http_client=http)
    call = client.calls.get("c1")
    assert call.id == "c1"
    assert call.status is callswitch.CallStatus.ONGOING
    assert seen[0].headers["authorization"] == "Bearer k-123"
    assert str(seen[0].url) == "https://fake.invalid/api/calls/c1"
