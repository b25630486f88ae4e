"""The Truedy emulator over raw httpx on a socket, against seed 002's shapes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from callswitch.emulators import running
from callswitch_truedy.emulator import TruedyEmulator, create_app

AUTH = {"Authorization": "Bearer test-key"}


@pytest.fixture
def emu() -> Iterator[TruedyEmulator]:
    app = create_app()
    with running(app):
        yield app


@pytest.fixture
def http(emu: TruedyEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{emu.socket_url}/api/public/v1", headers=AUTH) as client:
        yield client


def _create(http: httpx.Client, key: str | None = None, **extra: object) -> httpx.Response:
    headers = {"X-Idempotency-Key": key} if key else {}
    body = {"agent_id": "agt_1", "phone_number": "+14155550123", **extra}
    return http.post("/calls", json=body, headers=headers)


def test_create_and_get_use_the_envelope(http: httpx.Client) -> None:
    """POST /calls answers 201 {data, meta}; GET /calls/{id} the same call."""
    made = _create(http, variables={"name": "Ada"})
    assert made.status_code == 201
    body = made.json()
    assert set(body) == {"data", "meta"}
    assert set(body["meta"]) == {"request_id", "ts"}
    call = body["data"]
    assert call["status"] == "queued"
    assert call["phone_number"] == "+14155550123"
    assert http.get(f"/calls/{call['id']}").json()["data"]["id"] == call["id"]


def test_idempotency_key_returns_the_same_call(http: httpx.Client, emu: TruedyEmulator) -> None:
    """The same X-Idempotency-Key gives the same call and no second call."""
    first = _create(http, key="idem-1").json()["data"]["id"]
    again = _create(http, key="idem-1").json()["data"]["id"]
    assert first == again
    assert len(emu.calls) == 1


def test_update_changes_settings_and_variables(http: httpx.Client) -> None:
    """PATCH /calls/{id} with seed 002's body; unknown fields are a FastAPI 422."""
    call_id = _create(http).json()["data"]["id"]
    updated = http.patch(
        f"/calls/{call_id}",
        json={
            "call_settings": {"recording_enabled": False, "greeting": "Hi"},
            "variables": {"a": "b"},
        },
    )
    assert updated.status_code == 200
    data = updated.json()["data"]
    assert data["call_settings"] == {"recording_enabled": False, "greeting": "Hi"}
    assert data["variables"] == {"a": "b"}
    bad = http.patch(f"/calls/{call_id}", json={"metadata": {}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "metadata"]


def test_errors(http: httpx.Client, emu: TruedyEmulator) -> None:
    """401 without a key, 404 for unknown ids, 422 for missing fields, 400 for bad numbers."""
    anonymous = httpx.get(f"{emu.socket_url}/calls")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
    missing = http.get("/calls/call_nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    no_agent = http.post("/calls", json={"phone_number": "+14155550123"})
    assert no_agent.status_code == 422
    assert no_agent.json()["detail"][0]["type"] == "missing"
    assert _create(http, from_number="555").status_code == 400


def test_list_pages_with_offset(http: httpx.Client, emu: TruedyEmulator) -> None:
    """GET /calls pages by offset with {data, pagination, meta}; filters by status."""
    ids = {_create(http).json()["data"]["id"] for _ in range(5)}
    emu.set_status(sorted(ids)[0], "ongoing")
    seen: list[str] = []
    offset = 0
    while True:
        page = http.get("/calls", params={"limit": 2, "offset": offset}).json()
        assert page["pagination"]["total"] == 5
        seen += [c["id"] for c in page["data"]]
        if not page["pagination"]["has_more"]:
            break
        offset += 2
    assert sorted(seen) == sorted(ids)
    live = http.get("/calls", params={"status": "in_progress"}).json()["data"]
    assert [c["id"] for c in live] == [sorted(ids)[0]]
    assert http.get("/calls", params={"limit": 101}).status_code == 422


def test_life_cycle_fills_the_record(http: httpx.Client, emu: TruedyEmulator) -> None:
    """queued -> in_progress -> completed sets times, duration, transcript and summary."""
    call_id = _create(http).json()["data"]["id"]
    emu.set_status(call_id, "ongoing")
    emu.set_status(call_id, "ended")
    call = http.get(f"/calls/{call_id}").json()["data"]
    assert call["status"] == "completed"
    assert call["started_at"]
    assert call["ended_at"]
    assert call["duration_seconds"] is not None
    # The call-management guide's turn shape: {speaker: "agent" | "contact", text, timestamp}.
    assert [u["speaker"] for u in call["transcript"]] == ["agent", "contact"]
    assert all(set(u) == {"speaker", "text", "timestamp"} for u in call["transcript"])
    assert call["summary"]
