"""The ASGI and WSGI examples in docs/webhooks.md run, verify and de-duplicate."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from callswitch.webhooks import CallEvent, EventType

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def _block(first_line: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if b.startswith(first_line)]
    assert len(found) == 1, f"docs/webhooks.md has no single block starting {first_line!r}"
    return found[0]


def _load(first_line: str, monkeypatch: pytest.MonkeyPatch, key: str) -> dict[str, Any]:
    monkeypatch.setenv("CALLSWITCH_PROVIDER", "retell")
    monkeypatch.setenv("CALLSWITCH_WEBHOOK_SECRET", key)
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(_block(first_line), str(DOC), "exec"), namespace)  # noqa: S102
    return namespace


def test_scheme_example_builds() -> None:
    """The HmacAuth / SharedSecretAuth example is valid code."""
    namespace: dict[str, Any] = {}
    exec(compile(_block("from callswitch.webhooks import"), str(DOC), "exec"), namespace)  # noqa: S102
    assert namespace["secret"].header == "x-vapi-secret"


def _request(samples: ModuleType) -> tuple[dict[str, str], bytes]:
    body = samples.dumps(samples.retell_payloads()["call_ended"])
    from retell.lib.webhook_auth import symmetric

    return {"x-retell-signature": symmetric["sign"](body.decode(), samples.KEY)}, body


@pytest.mark.anyio
async def test_asgi_example(monkeypatch: pytest.MonkeyPatch, samples: ModuleType) -> None:
    """Signed -> 200 and handled once; redelivery -> 200, not handled; forged -> 401."""
    app = _load("# asgi_app.py", monkeypatch, samples.KEY)
    handled: list[CallEvent] = []

    async def record(event: CallEvent) -> None:
        handled.append(event)

    app["handle"] = record
    headers, body = _request(samples)
    transport = httpx.ASGITransport(app=app["app"])
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        first = await client.post("/hook", headers=headers, content=body)
        again = await client.post("/hook", headers=headers, content=body)
        forged = await client.post("/hook", headers=headers, content=body + b" ")
        nothing = await client.post("/hook", content=body)
        wrong_method = await client.get("/hook")
    assert (first.status_code, again.status_code) == (200, 200)
    assert (forged.status_code, nothing.status_code, wrong_method.status_code) == (401, 401, 405)
    assert [e.type for e in handled] == [EventType.CALL_ENDED]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_wsgi_example(monkeypatch: pytest.MonkeyPatch, samples: ModuleType) -> None:
    """The WSGI example behaves like the ASGI one, and 400s a verified non-JSON body."""
    app = _load("# wsgi_app.py", monkeypatch, samples.KEY)
    handled: list[CallEvent] = []
    app["handle"] = handled.append
    headers, body = _request(samples)
    client = httpx.Client(transport=httpx.WSGITransport(app=app["app"]), base_url="http://app")
    with client:
        first = client.post("/hook", headers=headers, content=body)
        again = client.post("/hook", headers=headers, content=body)
        forged = client.post("/hook", headers=headers, content=body.replace(b"42", b"43"))
        from retell.lib.webhook_auth import symmetric

        junk = b"not json"
        junk_headers = {"x-retell-signature": symmetric["sign"](junk.decode(), samples.KEY)}
        unreadable = client.post("/hook", headers=junk_headers, content=junk)
    assert (first.status_code, again.status_code, forged.status_code) == (200, 200, 401)
    assert unreadable.status_code == 400
    assert len(handled) == 1
    assert handled[0].call_id == samples.CALL_ID


@pytest.mark.anyio
async def test_receiver_example(
    monkeypatch: pytest.MonkeyPatch, samples: ModuleType, tmp_path: Path
) -> None:
    """The Receiver example: 200 handled, 200 duplicate (handlers not rerun), 401, 404."""
    monkeypatch.setenv("RETELL_API_KEY", samples.KEY)
    monkeypatch.setenv("WEBHOOK_DB", str(tmp_path / "webhooks.db"))
    namespace: dict[str, Any] = {"__name__": "docs_receiver"}
    exec(compile(_block("# receiver_app.py"), str(DOC), "exec"), namespace)  # noqa: S102
    headers, body = _request(samples)
    transport = httpx.ASGITransport(app=namespace["app"])
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        first = await client.post("/retell", headers=headers, content=body)
        again = await client.post("/retell", headers=headers, content=body)
        forged = await client.post("/retell", headers=headers, content=body + b" ")
        unknown = await client.post("/vapi", headers=headers, content=body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["status"], again.json()["status"]) == ("handled", "duplicate")
    assert (forged.status_code, unknown.status_code) == (401, 404)


def test_sign_webhook_example() -> None:
    """The sign_webhook example runs: the handler saw the event once."""
    namespace: dict[str, Any] = {"__name__": "docs_signing"}
    exec(compile(_block("# test_my_handlers.py"), str(DOC), "exec"), namespace)  # noqa: S102
    assert namespace["ended"] == ["call_1"]
