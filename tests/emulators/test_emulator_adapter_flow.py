"""callswitch's own adapters, sync and async, run one app flow against each emulator."""

from __future__ import annotations

import warnings

import httpx
import pytest

from callswitch import CallUpdate, LiveControl, emulators

PROVIDERS = ("retell", "vapi", "truedy")


def _new_phone() -> dict[str, object]:
    return {
        "from_number": "+14155550100",
        "to_number": "+14155550123",
        "agent_id": "agt_1",
        "variables": {"name": "Ada"},
    }


@pytest.mark.parametrize("provider", PROVIDERS)
def test_sync_flow(provider: str) -> None:
    """create, go live, control where supported, update, end, read back, list, delete."""
    emu = emulators.create(provider)
    try:
        client = emu.connect(on_unsupported="drop")
        call = client.calls.create_phone(**_new_phone())  # type: ignore[arg-type]
        assert call.status.value == "queued"
        emu.set_status(call.id, "ongoing")
        if client.supports("calls.control"):
            result = client.calls.control(call.id, LiveControl(inject_context="VIP caller"))
            assert result.applied == ("control.inject_context",)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.calls.update(call.id, CallUpdate(variables={"tier": "gold"}))
        if client.supports("calls.end"):
            client.calls.end(call.id)
        else:
            emu.set_status(call.id, "ended")
        got = client.calls.get(call.id)
        assert got.status.value == "ended"
        assert got.transcript
        assert [c.id for c in client.calls.list()] == [call.id]
        if client.supports("calls.delete"):
            client.calls.delete(call.id)
            assert call.id not in emu.calls
    finally:
        emu.close()


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_async_flow(provider: str) -> None:
    """The same through AsyncClient and the async in-process transport."""
    emu = emulators.create(provider)
    http = httpx.AsyncClient(transport=emu.async_transport())
    client = emu.connect_async(on_unsupported="drop", http_client=http)
    try:
        call = await client.calls.create_phone(**_new_phone())  # type: ignore[arg-type]
        emu.set_status(call.id, "ongoing")
        if client.supports("calls.control"):
            await client.calls.control(call.id, LiveControl(inject_context="VIP caller"))
        emu.set_status(call.id, "ended")
        got = await client.calls.get(call.id)
        assert got.status.value == "ended"
        assert got.id == call.id
    finally:
        await http.aclose()
        emu.close()
