"""``failed`` means never connected: the control API refuses it for a call that connected."""

from __future__ import annotations

import httpx
import pytest

from callswitch import emulators
from callswitch.models import CallStatus

PROVIDERS = ("retell", "vapi", "truedy")


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("start", ["ongoing", "ended"])
def test_a_connected_call_cannot_be_failed(provider: str, start: str) -> None:
    """409 from the state endpoint, StatusConflict in Python; the call is unchanged and
    still reads as connected (ongoing, or ended, never failed)."""
    emu = emulators.create(provider)
    try:
        call_id = emu.call_id(emu.add_call(start))
        before = emu.get_call(call_id)
        transport = emulators.EmulatorTransport(emu)
        http = httpx.Client(transport=transport, base_url="http://emu")
        answer = http.post(f"/_emulator/calls/{call_id}/state", json={"status": "failed"})
        assert answer.status_code == 409, answer.text
        assert "never connected" in answer.json()["error"]
        with pytest.raises(emulators.StatusConflict, match="ended"):
            emu.set_status(call_id, "failed")
        assert emu.get_call(call_id) == before
        assert emu.connect().calls.get(call_id).status is CallStatus(start)
        ended = http.post(f"/_emulator/calls/{call_id}/state", json={"status": "ended"})
        assert ended.status_code == 200
        assert emu.connect().calls.get(call_id).status is CallStatus.ENDED
        http.close()
    finally:
        emu.close()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_call_that_never_connected_can_still_fail(provider: str) -> None:
    """Queued, or moved back to queued after it was answered: failed is accepted."""
    emu = emulators.create(provider)
    try:
        first = emu.call_id(emu.add_call("queued"))
        second = emu.call_id(emu.add_call("ongoing"))
        emu.set_status(second, "queued")
        for call_id in (first, second):
            emu.set_status(call_id, "failed")
            assert emu.connect().calls.get(call_id).status is CallStatus.FAILED
    finally:
        emu.close()


@pytest.mark.parametrize("provider", ["retell", "vapi"])
def test_a_deleted_call_leaves_nothing_behind(provider: str) -> None:
    """Deleting a call's record also drops its timer mark and its "has connected" note:
    a long-running emulator does not grow with deleted calls, and an id added again
    starts afresh (it may fail, since this record never connected)."""
    emu = emulators.create(provider, end_after=60)
    try:
        call_id = emu.call_id(emu.add_call("ongoing"))
        emu.connect().calls.delete(call_id)
        assert call_id not in emu._connected
        assert call_id not in emu._network._marks
        id_field = "call_id" if provider == "retell" else "id"
        again = emu.call_id(emu.add_call("queued", **{id_field: call_id}))
        assert again == call_id
        emu.set_status(call_id, "failed")
        assert emu.connect().calls.get(call_id).status is CallStatus.FAILED
    finally:
        emu.close()
