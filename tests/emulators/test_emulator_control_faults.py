"""The shared emulator machinery: the /_emulator/ control API, faults, the request log,
the in-process transports and the pytest fixture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from callswitch import emulators
from callswitch.emulators import Emulator, running
from callswitch_retell.emulator import create_app as retell_app
from callswitch_vapi.emulator import create_app as vapi_app

AUTH = {"Authorization": "Bearer test-key"}


@pytest.fixture
def served() -> Iterator[tuple[Emulator, httpx.Client]]:
    app = retell_app()
    with running(app) as url, httpx.Client(base_url=url, headers=AUTH) as http:
        yield app, http


def _phone(http: httpx.Client) -> str:
    body = {"from_number": "+14155550100", "to_number": "+14155550123"}
    return str(http.post("/v2/create-phone-call", json=body).json()["call_id"])


def test_state_endpoint_moves_a_call(served: tuple[Emulator, httpx.Client]) -> None:
    """POST /_emulator/calls/{id}/state maps neutral names to the vendor's."""
    _, http = served
    call_id = _phone(http)
    moved = http.post(f"/_emulator/calls/{call_id}/state", json={"status": "ongoing"})
    assert moved.status_code == 200
    assert moved.json()["vendor_status"] == "ongoing"
    failed = http.post(f"/_emulator/calls/{call_id}/state", json={"status": "failed"})
    assert failed.status_code == 409  # it connected: failed means it never did
    ended = http.post(f"/_emulator/calls/{call_id}/state", json={"status": "ended"})
    assert ended.json()["vendor_status"] == "ended"
    assert http.post(f"/_emulator/calls/{call_id}/state", json={"status": "x"}).status_code == 400
    assert http.post("/_emulator/calls/nope/state", json={"status": "ended"}).status_code == 404


def test_calls_can_be_created_in_a_state(served: tuple[Emulator, httpx.Client]) -> None:
    """POST /_emulator/calls stores a call directly, in the given state, with fields."""
    _, http = served
    made = http.post(
        "/_emulator/calls", json={"status": "ended", "fields": {"metadata": {"a": 1}}}
    ).json()
    assert made["vendor_status"] == "ended"
    fetched = http.get(f"/v2/get-call/{made['id']}").json()
    assert fetched["metadata"] == {"a": 1}
    assert fetched["transcript"]


def test_request_log_lists_vendor_requests_without_keys(
    served: tuple[Emulator, httpx.Client],
) -> None:
    """GET /_emulator/requests lists vendor requests (not control calls), key redacted."""
    _, http = served
    _phone(http)
    log = http.get("/_emulator/requests").json()["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("POST", "/v2/create-phone-call", 201)
    ]
    assert log[0]["headers"]["authorization"] == "Bearer <redacted>"
    assert "test-key" not in str(log)
    assert log[0]["json"]["to_number"] == "+14155550123"


def test_429_with_retry_after_then_normal(served: tuple[Emulator, httpx.Client]) -> None:
    """A queued 429 fault answers in the vendor's shape with Retry-After, count times."""
    _, http = served
    http.post(
        "/_emulator/faults",
        json={
            "method": "GET",
            "path": "/v2/get-call/*",
            "status": 429,
            "retry_after": 2,
            "count": 2,
        },
    )
    call_id = _phone(http)  # a POST: not matched
    for _ in range(2):
        limited = http.get(f"/v2/get-call/{call_id}")
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "2"
        assert limited.json()["status"] == "error"
    assert http.get(f"/v2/get-call/{call_id}").status_code == 200


def test_503_and_clearing_faults(served: tuple[Emulator, httpx.Client]) -> None:
    """DELETE /_emulator/faults clears what is queued."""
    _, http = served
    http.post("/_emulator/faults", json={"faults": [{"status": 503, "count": 5}]})
    assert http.get("/v2/get-call/x").status_code == 503
    assert http.get("/_emulator/faults").json()["faults"][0]["count"] == 4
    assert http.delete("/_emulator/faults").json() == {"cleared": 1}
    assert http.get("/v2/get-call/x").status_code == 404


def test_bad_fault_is_refused(served: tuple[Emulator, httpx.Client]) -> None:
    _, http = served
    assert http.post("/_emulator/faults", json={"status": 503, "colour": "red"}).status_code == 400
    assert http.post("/_emulator/faults", json={"status": 503, "drop": "after"}).status_code == 400


def test_delay_slows_the_answer_past_a_timeout(served: tuple[Emulator, httpx.Client]) -> None:
    """A delay fault holds the answer; a short client timeout sees a read timeout."""
    _, http = served
    http.post("/_emulator/faults", json={"path": "/v2/get-call/*", "delay": 0.5})
    with pytest.raises(httpx.ReadTimeout):
        http.get("/v2/get-call/x", timeout=0.05)


@pytest.mark.parametrize(("when", "applied"), [("before", False), ("after", True)])
def test_dropped_connection_on_a_socket(
    served: tuple[Emulator, httpx.Client], when: str, applied: bool
) -> None:
    """drop closes the connection with no answer; "after" keeps the request's effect."""
    app, http = served
    call_id = _phone(http)
    app.set_status(call_id, "ongoing")
    http.post("/_emulator/faults", json={"path": "/v2/stop-call/*", "drop": when})
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(f"/v2/stop-call/{call_id}")
    assert (app.get_call(call_id)["call_status"] == "ended") is applied
    assert app.requests[-1]["status"] is None


def test_in_process_sync_transport_and_drop() -> None:
    """The sync in-process transport serves the app and reports drops like a socket."""
    app = vapi_app()
    try:
        with httpx.Client(transport=app.transport(), base_url=app.base_url, headers=AUTH) as http:
            made = http.post("/call", json={"assistantId": "a", "customer": {"number": "+1415"}})
            assert made.status_code == 201
            assert made.json()["monitor"]["controlUrl"].startswith(app.base_url)
            app.add_fault(path="/call", method="POST", drop="after")
            with pytest.raises(httpx.RemoteProtocolError):
                http.post("/call", json={"assistantId": "a"})
            assert len(app.calls) == 2
    finally:
        app.close()


@pytest.mark.anyio
async def test_in_process_async_transport() -> None:
    """The async transport (httpx.ASGITransport underneath) serves the app too."""
    app = vapi_app()
    async with httpx.AsyncClient(
        transport=app.async_transport(), base_url=app.base_url, headers=AUTH
    ) as http:
        assert (await http.get("/call")).json() == []
        app.add_fault(status=503)
        assert (await http.get("/call")).status_code == 503
        app.add_fault(drop="before")
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/call")


def test_create_finds_emulators_through_the_registry() -> None:
    """emulators.create(name) loads ProviderSpec.emulator for every built-in provider."""
    for name in ("retell", "vapi", "truedy"):
        emulator = emulators.create(name)
        assert isinstance(emulator, Emulator)
        assert emulator.name == name


def test_fixture_gives_ready_clients(callswitch_emulator: Callable[..., Any]) -> None:
    """The pytest11 fixture: in process by default, with a callswitch client factory."""
    emu = callswitch_emulator("truedy")
    call = emu.add_call("ongoing")
    client = emu.connect()
    got = client.calls.get(call["id"])
    assert got.id == call["id"]
    assert got.status.value == "ongoing"


def test_fixture_on_a_socket(callswitch_emulator: Callable[..., Any]) -> None:
    """socket=True serves on 127.0.0.1 and env() points callswitch.connect() at it."""
    emu = callswitch_emulator("retell", socket=True)
    assert emu.base_url.startswith("http://127.0.0.1:")
    assert emu.env()["CALLSWITCH_BASE_URL"] == emu.base_url
    call = emu.add_call("ended")
    with emu.connect() as client:
        assert client.calls.get(call["call_id"]).status.value == "ended"
