"""The Truedy adapter and its emulator agree on the wire facts they share (_wire.py)."""

from __future__ import annotations

from starlette.routing import Match

from callswitch import CallUpdate, emulators
from callswitch.models import CallStatus
from callswitch_truedy import _mapping, _wire


def _served(emu: emulators.Emulator, method: str, path: str) -> bool:
    scope = {"type": "http", "method": method, "path": path}
    return any(route.matches(scope)[0] is Match.FULL for route in emu.routes())


def test_every_request_the_adapter_sends_is_a_route_the_emulator_serves() -> None:
    """create phone and web, get, list (with each status filter) and update."""
    emu = emulators.create("truedy")
    try:
        client = emu.connect(on_unsupported="drop")
        client.calls.create_web(agent_id="6f1c9a7e-0b7c-4d3e-9a51-2f5a8e3c1b11")
        call = client.calls.create_phone(
            from_number="+14155550100", to_number="+14155550123", agent_id="agent_1"
        )
        emu.set_status(call.id, "ongoing")
        client.calls.update(call.id, CallUpdate(variables={"a": "1"}, greeting="Hi"))
        client.calls.get(call.id)
        for status in (s for s in CallStatus if s is not CallStatus.UNKNOWN):
            list(client.calls.list(status=status.value))
        sent = {(r["method"], r["path"]) for r in emu.requests}
    finally:
        emu.close()
    assert len(sent) >= 5
    missing = sorted(f"{m} {p}" for m, p in sent if not _served(emu, m, p))
    assert not missing, f"the emulator serves no route for {missing}"


def test_every_status_the_emulator_writes_is_one_the_mapping_reads() -> None:
    """Each neutral status the emulator walks a call to reads back as that status, and
    its status spelling is in the mapping's table; every list filter the adapter sends
    is one the emulator accepts."""
    emu = emulators.create("truedy")
    try:
        client = emu.connect()
        records = [emu.add_call(s) for s in ("queued", "ongoing", "ended", "failed")]
        for record, status in zip(records, ("queued", "ongoing", "ended", "failed"), strict=True):
            record = emu.get_call(record["id"])
            assert record["status"] in _mapping.STATUS_WORDS
            assert client.calls.get(record["id"]).status.value == status
    finally:
        emu.close()
    assert set(_mapping.LIST_STATUS.values()) <= set(_wire.LIST_STATUSES)
    assert set(_wire.LIST_STATUSES.values()) <= set(_mapping.STATUS_WORDS)
