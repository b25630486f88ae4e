"""Per-operation default timeouts: Retell's are retell-sdk 6.2.13's; a timeout the user
sets (connect(), callswitch.toml, with_options) wins over them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from retell_fakes import BASE, KEY, FakeRetell

import callswitch
from callswitch import LiveControl

CALL_ID = "call_a4441234567890777c4a4a123e6"
CALL = {
    "call_type": "phone_call",
    "call_id": CALL_ID,
    "agent_id": "agent_1",
    "call_status": "ongoing",
    "direction": "outbound",
    "from_number": "+12137771234",
    "to_number": "+12137771235",
}


def _script(fake: FakeRetell) -> FakeRetell:
    fake.on("GET", f"/v2/get-call/{CALL_ID}", json_body=CALL)
    fake.on("POST", "/v3/list-calls", json_body={"items": [CALL], "has_more": False})
    fake.on("POST", "/v2/create-phone-call", json_body=CALL)
    fake.on("PATCH", f"/v2/update-live-call/{CALL_ID}", json_body={"success": True})
    fake.on("POST", f"/v2/stop-call/{CALL_ID}", status=204)
    return fake


def _timeouts(fake: FakeRetell) -> dict[str, tuple[float, float]]:
    """Path's first segment after the version -> (read, connect) seconds it was sent with."""
    seen = {}
    for request in fake.requests:
        timeout = request.extensions["timeout"]
        seen[request.url.path.split("/")[2]] = (timeout["read"], timeout["connect"])
    return seen


def _run(client: callswitch.Client) -> None:
    client.calls.get(CALL_ID)
    list(client.calls.list(limit=1))
    client.calls.create_phone(from_number="+12137771234", to_number="+12137771235")
    client.calls.control(CALL_ID, LiveControl(inject_context="VIP"))
    client.calls.end(CALL_ID)


def _connect(fake: FakeRetell, **kwargs: Any) -> tuple[callswitch.Client, httpx.Client]:
    http = httpx.Client(transport=httpx.MockTransport(fake))
    return callswitch.connect("retell", api_key=KEY, http_client=http, **kwargs), http


SDK_DEFAULTS = {
    "get-call": (60.0, 5.0),
    "list-calls": (300.0, 5.0),
    "create-phone-call": (120.0, 5.0),
    "update-live-call": (60.0, 5.0),
    "stop-call": (60.0, 5.0),
}


def test_defaults_are_the_sdks_per_operation() -> None:
    """No timeout set: 60 s, but 300 s to list and 120 s to create a phone call."""
    fake = _script(FakeRetell())
    client, http = _connect(fake)
    with http:
        _run(client)
    assert _timeouts(fake) == SDK_DEFAULTS


def test_read_timeouts_match_the_official_sdk() -> None:
    """The same operations through retell-sdk 6.2.13 are sent with the same read timeouts."""
    import retell

    fake = _script(FakeRetell())
    with httpx.Client(transport=httpx.MockTransport(fake)) as http:
        sdk = retell.Retell(api_key=KEY, base_url=BASE, http_client=http, max_retries=0)
        sdk.call.retrieve(CALL_ID)
        sdk.call.list(limit=1)
        sdk.call.create_phone_call(from_number="+12137771234", to_number="+12137771235")
        sdk.call.update_live(CALL_ID, call_control={"additional_context": "VIP"})
        sdk.call.stop(CALL_ID)
    assert {path: read for path, (read, _) in _timeouts(fake).items()} == {
        path: read for path, (read, _) in SDK_DEFAULTS.items()
    }


def test_connect_timeout_wins_over_every_default() -> None:
    fake = _script(FakeRetell())
    client, http = _connect(fake, timeout=7)
    with http:
        _run(client)
    assert set(_timeouts(fake).values()) == {(7.0, 5.0)}


def test_config_file_timeout_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A timeout in callswitch.toml is the user's choice too."""
    config = tmp_path / "callswitch.toml"
    config.write_text("[providers.retell]\ntimeout = 4\n")
    monkeypatch.setenv("CALLSWITCH_CONFIG", str(config))
    fake = _script(FakeRetell())
    client, http = _connect(fake)
    with http:
        _run(client)
    assert set(_timeouts(fake).values()) == {(4.0, 4.0)}


def test_with_options_keeps_or_overrides_the_defaults() -> None:
    """with_options(max_retries=...) keeps the per-operation defaults; timeout= wins."""
    fake = _script(FakeRetell())
    client, http = _connect(fake)
    with http:
        _run(client.with_options(max_retries=0))
        assert _timeouts(fake) == SDK_DEFAULTS
        fake.requests.clear()
        _run(client.with_options(timeout=9).with_options(max_retries=0))
    assert set(_timeouts(fake).values()) == {(9.0, 5.0)}


def test_async_client_uses_the_same_defaults() -> None:
    fake = _script(FakeRetell())

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http:
            client = callswitch.connect_async("retell", api_key=KEY, http_client=http)
            await client.calls.get(CALL_ID)
            assert [c.id async for c in client.calls.list(limit=1)] == [CALL_ID]
            await client.calls.create_phone(from_number="+12137771234", to_number="+12137771235")
            await client.calls.control(CALL_ID, LiveControl(inject_context="VIP"))
            await client.calls.end(CALL_ID)
            fixed = client.with_options(timeout=3)
            await fixed.calls.get(CALL_ID)

    asyncio.run(main())
    seen = [r.extensions["timeout"]["read"] for r in fake.requests]
    assert seen == [60.0, 300.0, 120.0, 60.0, 60.0, 3.0]


def test_adapters_without_a_table_keep_the_library_default(fake_provider: str) -> None:
    """The fake provider declares no default_timeouts: 30 s, as before."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "c1", "status": "ongoing"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = callswitch.connect(fake_provider, api_key="k", http_client=http)
        client.calls.get("c1")
    assert sent[0].extensions["timeout"]["read"] == 30.0
