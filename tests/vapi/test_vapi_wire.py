"""The Vapi adapter and its emulator agree on the wire facts they share (_wire.py)."""

from __future__ import annotations

from starlette.routing import Match

from callswitch import CallUpdate, LiveControl, emulators
from callswitch_vapi import _mapping, _wire


def _served(emu: emulators.Emulator, method: str, path: str) -> bool:
    scope = {"type": "http", "method": method, "path": path}
    return any(route.matches(scope)[0] is Match.FULL for route in emu.routes())


def test_every_request_the_adapter_sends_is_a_route_the_emulator_serves() -> None:
    """create phone, get, list, update, control, end, delete (Vapi has no web-call
    create)."""
    emu = emulators.create("vapi")
    try:
        client = emu.connect(on_unsupported="drop")
        other = emu.add_call("ended")
        call = client.calls.create_phone(
            from_number="+14155550100", to_number="+14155550123", agent_id="asst-1"
        )
        emu.set_status(call.id, "ongoing")
        client.calls.update(call.id, CallUpdate(name="renamed"))
        client.calls.control(call.id, LiveControl(inject_context="VIP caller", say="Hello"))
        client.calls.end(call.id)
        client.calls.get(call.id)
        list(client.calls.list())
        client.calls.delete(other["id"])
        sent = {(r["method"], r["path"]) for r in emu.requests}
    finally:
        emu.close()
    assert len(sent) >= 7
    missing = sorted(f"{m} {p}" for m, p in sent if not _served(emu, m, p))
    assert not missing, f"the emulator serves no route for {missing}"


def _mapped(reason: str) -> bool:
    return reason in _mapping.exact_values() or any(
        reason.startswith(prefix) for prefix, _ in _mapping.families()
    )


def test_every_status_the_emulator_writes_is_one_the_mapping_reads() -> None:
    """Each neutral status the emulator walks a call to reads back as that status, and
    its status and endedReason are in the mapping's tables."""
    emu = emulators.create("vapi")
    try:
        client = emu.connect(on_unsupported="drop")
        records = [emu.add_call(s) for s in ("queued", "ongoing", "ended", "failed")]
        ended = []
        for control in (LiveControl(end_call=True), LiveControl(transfer_to="+14155550177")):
            live = emu.add_call("ongoing")
            client.calls.control(live["id"], control)
            ended.append(emu.get_call(live["id"]))
        wanted = ["queued", "ongoing", "ended", "failed", "ended", "ended"]
        for record, status in zip([*records, *ended], wanted, strict=True):
            record = emu.get_call(record["id"])
            assert record["status"] in _mapping._STATUS
            reason = record.get("endedReason")
            assert reason is None or _mapped(reason), reason
            assert client.calls.get(record["id"]).status.value == status
    finally:
        emu.close()
    written = {_wire.QUEUED, _wire.IN_PROGRESS, _wire.ENDED}
    assert written <= set(_mapping._STATUS)
