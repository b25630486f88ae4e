"""Reading the emulator's request log: served as JSON without deep copies, copied for
Python callers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from callswitch.emulators import Emulator, running
from callswitch_retell.emulator import create_app as retell_app

AUTH = {"Authorization": "Bearer test-key"}


@pytest.fixture
def served() -> Iterator[tuple[Emulator, httpx.Client]]:
    app = retell_app()
    with running(app) as url, httpx.Client(base_url=url, headers=AUTH) as http:
        yield app, http


def test_a_logged_nan_body_is_served_as_null(served: tuple[Emulator, httpx.Client]) -> None:
    """Python's json reads NaN; the log is still served as valid JSON (it was a 500)."""
    _, http = served
    http.post(
        "/v2/create-phone-call",
        content=b'{"from_number": "+14155550100", "to_number": "+14155550123", "x": NaN}',
        headers={"content-type": "application/json"},
    )
    answer = http.get("/_emulator/requests")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    (entry,) = answer.json()["requests"]
    assert entry["json"]["x"] is None
    assert entry["json"]["to_number"] == "+14155550123"


def test_served_log_matches_the_python_view(served: tuple[Emulator, httpx.Client]) -> None:
    app, http = served
    for n in range(5):
        http.post("/v2/create-phone-call", json={"from_number": "+1415555010" + str(n)})
    served_log = http.get("/_emulator/requests").json()["requests"]
    # The server sets an entry's status just after answering: compare without it.
    python_log = [{k: v for k, v in r.items() if k != "status"} for r in app.requests]
    assert [{k: v for k, v in r.items() if k != "status"} for r in served_log] == python_log
    assert [r["json"]["from_number"][-1] for r in served_log] == list("01234")


def test_python_callers_get_copies(served: tuple[Emulator, httpx.Client]) -> None:
    """Changing what ``requests`` returned, however deep, leaves the log alone."""
    app, http = served
    http.post("/v2/create-phone-call", json={"metadata": {"a": [1, 2]}, "from_number": "+1"})
    first = app.requests
    first[0]["json"]["metadata"]["a"].append(3)
    first[0]["headers"]["authorization"] = "changed"
    first[0]["status"] = 599
    first.clear()
    again = app.requests
    assert again[0]["json"]["metadata"]["a"] == [1, 2]
    assert again[0]["headers"]["authorization"] == "Bearer <redacted>"
    assert again[0].get("status") != 599
