"""An app written once: no vendor name, no vendor branch; configuration picks the vendor."""

from __future__ import annotations

from typing import Any

import callswitch
from callswitch import Call, CallUpdate, LiveControl


def run(to_number: str, **create: Any) -> Call:
    client = callswitch.connect()  # provider, key and URL from the environment
    with client:
        call = client.calls.create_phone(to_number=to_number, **create)
        call = client.calls.wait(call.id, "ongoing", timeout=30)
        if client.supports("control.inject_context"):
            client.calls.control(call.id, LiveControl(inject_context="Caller is a VIP"))
        if client.supports("update.variables"):
            client.calls.update(call.id, CallUpdate(variables={"tier": "gold"}))
        if client.supports("calls.end"):
            client.calls.end(call.id)
        call = client.calls.wait(call.id, "ended", timeout=30)
        assert call.id in {c.id for c in client.calls.list(status="ended")}
        return call


async def arun(to_number: str, **create: Any) -> Call:
    client = callswitch.connect_async()
    async with client:
        call = await client.calls.create_phone(to_number=to_number, **create)
        call = await client.calls.wait(call.id, "ongoing", timeout=30)
        if client.supports("control.inject_context"):
            await client.calls.control(call.id, LiveControl(inject_context="Caller is a VIP"))
        if client.supports("update.variables"):
            await client.calls.update(call.id, CallUpdate(variables={"tier": "gold"}))
        if client.supports("calls.end"):
            await client.calls.end(call.id)
        call = await client.calls.wait(call.id, "ended", timeout=30)
        assert call.id in {c.id async for c in client.calls.list(status="ended")}
        return call
