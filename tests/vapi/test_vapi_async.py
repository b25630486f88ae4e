"""The async client runs the same Vapi plans: same requests, same results, same cache."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

import callswitch
from callswitch import CallUpdate, LiveControl
from callswitch.errors import InvalidCallStateError


def _server(kit: SimpleNamespace) -> Any:
    rows = [
        {"id": f"c{i}", "createdAt": "2024-05-01T12:00:00.000Z", "status": "ended"}
        for i in range(3)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path == "/call":
            limit = int(request.url.params["limit"])
            seen_window = "createdAtLe" in request.url.params
            return httpx.Response(200, json=rows[:limit] if not seen_window else rows)
        if request.method == "GET" and path == "/call/ended":
            return httpx.Response(200, json={"id": "ended", "status": "ended"})
        if request.method == "GET":
            return httpx.Response(200, json=kit.ongoing_call())
        if request.method == "POST" and path == "/call":
            return httpx.Response(201, json={"id": "new", "status": "queued"})
        if request.method == "PATCH":
            return httpx.Response(200, json={"id": "c1", "name": "n"})
        return httpx.Response(200, json={})

    return kit.Recorder(handler)


def _sync_flow(client: callswitch.Client) -> list[Any]:
    out: list[Any] = [client.calls.get("c1")]
    out.append([c.id for c in client.calls.list(limit=None)])
    out.append(
        client.calls.create_phone(from_number="pn-1", to_number="+14155550123", agent_id="a")
    )
    out.append(client.calls.update("c1", CallUpdate(name="n")))
    out.append(client.calls.control("c1", LiveControl(inject_context="x", say="y")))
    out.append(client.calls.control("c1", LiveControl(mute_assistant=True)))
    out.append(client.calls.end("c1"))
    out.append(client.calls.delete("c1"))
    try:
        client.calls.end("ended")
    except InvalidCallStateError as exc:
        out.append(str(exc))
    return out


async def _async_flow(client: callswitch.AsyncClient) -> list[Any]:
    out: list[Any] = [await client.calls.get("c1")]
    out.append([c.id async for c in client.calls.list(limit=None)])
    out.append(
        await client.calls.create_phone(from_number="pn-1", to_number="+14155550123", agent_id="a")
    )
    out.append(await client.calls.update("c1", CallUpdate(name="n")))
    out.append(await client.calls.control("c1", LiveControl(inject_context="x", say="y")))
    out.append(await client.calls.control("c1", LiveControl(mute_assistant=True)))
    out.append(await client.calls.end("c1"))
    out.append(await client.calls.delete("c1"))
    try:
        await client.calls.end("ended")
    except InvalidCallStateError as exc:
        out.append(str(exc))
    return out


@pytest.mark.anyio
async def test_sync_and_async_identical(kit: SimpleNamespace) -> None:
    sync_rec, async_rec = _server(kit), _server(kit)
    with sync_rec.client() as http:
        sync_out = _sync_flow(
            callswitch.connect("vapi", api_key=kit.API_KEY, http_client=http, max_retries=0)
        )
    async with async_rec.async_client() as http:
        async_out = await _async_flow(
            callswitch.connect_async("vapi", api_key=kit.API_KEY, http_client=http, max_retries=0)
        )
    assert async_out == sync_out
    assert async_rec.sent == sync_rec.sent
    # get primed the control URL cache, so the control actions and end needed no GET.
    non_control = [(m, url.split("?")[0]) for m, url, _ in sync_rec.sent if "/control" not in url]
    assert non_control == [
        ("GET", "https://api.vapi.ai/call/c1"),
        ("GET", "https://api.vapi.ai/call"),
        ("POST", "https://api.vapi.ai/call"),
        ("PATCH", "https://api.vapi.ai/call/c1"),
        ("DELETE", "https://api.vapi.ai/call/c1"),
        ("GET", "https://api.vapi.ai/call/ended"),
    ]
    assert len([url for _, url, _ in sync_rec.sent if url == kit.CONTROL_URL]) == 4
    assert sync_out[-1].startswith("vapi: call ended has ended")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
