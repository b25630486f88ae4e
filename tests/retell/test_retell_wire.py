"""The Retell adapter and its emulator agree on the wire facts they share (_wire.py)."""

from __future__ import annotations

import pytest
from starlette.routing import Match

from callswitch import CallUpdate, LiveControl, emulators
from callswitch_retell import _mapping, _wire


def _served(emu: emulators.Emulator, method: str, path: str) -> bool:
    scope = {"type": "http", "method": method, "path": path}
    return any(route.matches(scope)[0] is Match.FULL for route in emu.routes())


def test_every_request_the_adapter_sends_is_a_route_the_emulator_serves() -> None:
    """create phone and web, get, list, update live and ended, control, end, delete."""
    emu = emulators.create("retell")
    try:
        client = emu.connect(on_unsupported="drop")
        web = client.calls.create_web(agent_id="agent_1")
        call = client.calls.create_phone(
            from_number="+14155550100", to_number="+14155550123", agent_id="agent_1"
        )
        emu.set_status(call.id, "ongoing")
        client.calls.update(call.id, CallUpdate(metadata={"a": 1}))
        client.calls.control(call.id, LiveControl(inject_context="VIP caller"))
        client.calls.end(call.id)
        client.calls.update(call.id, CallUpdate(metadata={"a": 2}))
        client.calls.get(call.id)
        list(client.calls.list())
        client.calls.delete(web.id)
        sent = {(r["method"], r["path"]) for r in emu.requests}
    finally:
        emu.close()
    assert len(sent) >= 8
    missing = sorted(f"{m} {p}" for m, p in sent if not _served(emu, m, p))
    assert not missing, f"the emulator serves no route for {missing}"


def test_every_status_the_emulator_writes_is_one_the_mapping_reads() -> None:
    """Each neutral status the emulator walks a call to reads back as that status, and
    its call_status and disconnection_reason are in the mapping's tables."""
    emu = emulators.create("retell")
    try:
        client = emu.connect()
        records = [emu.new_call(s, {}) for s in ("queued", "ongoing", "ended", "failed")]
        live = emu.add_call("ongoing")
        with pytest.raises(emulators.StatusConflict):
            emu.set_status(live["call_id"], "failed")  # it connected: failed is refused
        live = emu.set_status(live["call_id"], "ended")
        stopped = emu.new_call("ongoing", {})
        client.calls.end(stopped["call_id"])
        wanted = ["queued", "ongoing", "ended", "failed", "ended", "ended"]
        for record, status in zip([*records, live, stopped], wanted, strict=True):
            assert record["call_status"] in _mapping.STATUSES
            reason = record.get("disconnection_reason")
            assert reason is None or reason in _mapping.END_REASONS
            assert client.calls.get(record["call_id"]).status.value == status
    finally:
        emu.close()
    assert set(_mapping.STATUSES) == set(_wire.CALL_STATUSES)
    assert set(_mapping.STATUSES) >= _wire.OVER
