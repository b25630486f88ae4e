"""The Truedy emulator follows the vendor's documents: list filters in both documented
spellings, and calls listed through the client with the list guide's spelling."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import callswitch
from callswitch.models import CallStatus, UtteranceRole
from callswitch_truedy.emulator import TruedyEmulator, create_app

AUTH = {"Authorization": "Bearer test-key"}


@pytest.fixture
def emu() -> Iterator[TruedyEmulator]:
    app = create_app()
    with callswitch.emulators.running(app):
        yield app


def test_status_filter_takes_guide_and_schema_spellings(emu: TruedyEmulator) -> None:
    with httpx.Client(base_url=f"{emu.socket_url}/api/public/v1", headers=AUTH) as http:
        body = {"agent_id": "agt_1", "phone_number": "+14155550123"}
        live = http.post("/calls", json=body).json()["data"]["id"]
        done = http.post("/calls", json=body).json()["data"]["id"]
        emu.set_status(live, "ongoing")
        emu.set_status(done, "ongoing")
        emu.set_status(done, "ended")

        def ids(status: str) -> list[str]:
            answer = http.get("/calls", params={"status": status})
            assert answer.status_code == 200, answer.text
            return [c["id"] for c in answer.json()["data"]]

        assert ids("in-progress") == ids("in_progress") == [live]
        assert ids("ended") == ids("completed") == [done]
        assert ids("cancelled") == []
        assert http.get("/calls", params={"status": "done"}).status_code == 422


@pytest.mark.anyio
async def test_client_lists_and_reads_documented_transcripts(emu: TruedyEmulator) -> None:
    """Sync and async: the status filter reaches the emulator, and the emulator's
    documented turns come back with the contact as the user."""
    client = callswitch.connect("truedy", api_key="k", base_url=emu.socket_url)
    call = client.calls.create_phone(to_number="+14155550123", agent_id="agt_1")
    emu.set_status(call.id, "ongoing")
    emu.set_status(call.id, "ended")
    (ended,) = client.calls.list(status="ended")
    assert ended.status is CallStatus.ENDED
    assert [u.role for u in ended.transcript] == [UtteranceRole.AGENT, UtteranceRole.USER]
    assert [u.start for u in ended.transcript] == [0.0, 1.0]
    aclient = callswitch.connect_async("truedy", api_key="k", base_url=emu.socket_url)
    listed = [c async for c in aclient.calls.list(status="ended")]
    await aclient.aclose()
    client.close()
    assert listed == [ended]
    lists = [r["query"] for r in emu.requests if r["method"] == "GET" and r["path"] == "/calls"]
    assert len(lists) == 2
    assert all("status=ended" in query for query in lists)
