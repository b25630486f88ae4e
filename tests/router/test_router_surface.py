"""list merged newest first, wait delegation, connect_router from config, AsyncRouter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.router.conftest import PHONE, AsyncRefusing, Vendor

import callswitch
from callswitch import Call, LiveControl
from callswitch.errors import ConfigurationError, OutcomeUnknownError
from callswitch.router._merge import merge_newest_first

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _ended(vendor: Vendor, minutes: list[int]) -> None:
    for m in minutes:
        stamp = T0 + timedelta(minutes=m)
        if vendor.name == "retell":
            ms = int(stamp.timestamp() * 1000)
            vendor.emu.add_call("ended", start_timestamp=ms, end_timestamp=ms + 60000)
        else:
            iso = stamp.isoformat().replace("+00:00", "Z")
            vendor.emu.add_call("ended", createdAt=iso, startedAt=iso)


def test_list_merges_newest_first_across_vendors(vendors: dict[str, Vendor]) -> None:
    r, v = vendors["retell"], vendors["vapi"]
    _ended(r, [1, 5, 9])
    _ended(v, [3, 4, 10])
    router = callswitch.Router([r.client(), v.client()])
    calls = list(router.calls.list())
    assert [c.provider for c in calls] == ["vapi", "retell", "retell", "vapi", "vapi", "retell"]
    keys = [c.created_at or c.started_at for c in calls]
    assert keys == sorted(keys, reverse=True)
    assert len(list(router.calls.list(limit=2))) == 2


def test_merge_is_lazy() -> None:
    pulled: list[int] = []

    def stream(offsets: list[int]) -> Iterator[Call]:
        for o in offsets:
            pulled.append(o)
            stamp = T0 - timedelta(minutes=o)
            yield Call(id=str(o), provider="x", status="ended", created_at=stamp)

    merged = merge_newest_first([stream([1, 2, 3]), stream([10, 20, 30])], None)
    assert next(merged).id == "1"
    assert sorted(pulled) == [1, 10]  # one call per stream, nothing more


def test_wait_goes_to_the_owning_clients_calls_wait(vendors: dict[str, Vendor]) -> None:
    """Until calls.wait exists on the client, a small double stands in for it."""
    r, v = vendors["retell"], vendors["vapi"]
    vapi = v.client()
    seen: list[Any] = []

    def wait(call_id: str, until: Any, *, timeout: float, poll_interval: float | None) -> str:
        seen.append((call_id, until, timeout, poll_interval))
        return "waited"

    vapi.calls.wait = wait
    router = callswitch.Router([r.client(), vapi])
    assert router.calls.wait("vapi:c1", "ongoing", timeout=5.0) == "waited"
    assert seen == [("c1", "ongoing", 5.0, None)]
    if not hasattr(r.client().calls, "wait"):
        with pytest.raises(ConfigurationError, match="no calls.wait"):
            router.calls.wait("retell:c2", "ended")


def test_connect_router_reads_routing_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vendors: dict[str, Vendor]
) -> None:
    (tmp_path / "callswitch.toml").write_text('routing = ["vapi", "retell"]\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VAPI_API_KEY", "k")
    monkeypatch.setenv("RETELL_API_KEY", "k")
    router = callswitch.connect_router(requires=["calls.end"], cooldown=5)
    assert router.providers == ("vapi", "retell")
    assert router.calls._core.cooldown == 5.0
    named = callswitch.connect_router(["retell"], max_retries=0)
    assert named.providers == ("retell",)
    (tmp_path / "callswitch.toml").write_text('routing = "vapi"\n')
    with pytest.raises(ConfigurationError, match="non-empty list"):
        callswitch.connect_router()
    (tmp_path / "callswitch.toml").write_text("")
    with pytest.raises(ConfigurationError, match="routing = "):
        callswitch.connect_router()


@pytest.mark.anyio
async def test_async_router_fails_over_routes_and_lists(vendors: dict[str, Vendor]) -> None:
    a, b = vendors["retell"], vendors["vapi"]
    refusing = [True]
    dead = httpx.AsyncClient(transport=AsyncRefusing(lambda: refusing[0]))
    live = httpx.AsyncClient()
    try:
        router = callswitch.AsyncRouter(
            [
                callswitch.connect_async(
                    "retell", api_key="k", base_url=a.base_url, http_client=dead
                ),
                callswitch.connect_async(
                    "vapi", api_key="k", base_url=b.base_url, http_client=live
                ),
            ]
        )
        call = await router.calls.create_phone(to_number="+14155550140", **PHONE)
        assert call.provider == "vapi"
        assert a.emu.requests == []
        refusing[0] = False
        b.emu.set_status(call.id, "ongoing")
        got = await router.calls.get(f"vapi:{call.id}")
        assert got.status.value == "ongoing"
        await router.calls.control(got, LiveControl(inject_context="VIP"))
        assert [c.id async for c in router.calls.list()] == [call.id]
        b.fault(method="POST", path=b.create_path, drop="after")
        with pytest.raises(OutcomeUnknownError):
            await router.calls.create_phone(to_number="+14155550141", **PHONE)
    finally:
        await dead.aclose()
        await live.aclose()
