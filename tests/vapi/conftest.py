"""Fixtures for the Vapi adapter tests: payloads built with the official SDK's types, and a
scripted mock transport that records what callswitch sends."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

import callswitch

API_KEY = "vapi-test-key-0123456789"
CONTROL_URL = "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c1/control"

Handler = Callable[[httpx.Request], httpx.Response]


def sdk_call(**fields: Any) -> dict[str, Any]:
    """A call payload as Vapi sends it, built and serialized by ``vapi.types.Call``, so
    field names and nesting are the SDK's (``fields`` use the SDK's snake_case names)."""
    from vapi.types import Call

    base: dict[str, Any] = {
        "id": "c1",
        "org_id": "org-1",
        "created_at": datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC),
        "updated_at": datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC),
    }
    base.update(fields)
    dumped: dict[str, Any] = Call(**base).model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def ongoing_call(call_id: str = "c1", control_url: str = CONTROL_URL) -> dict[str, Any]:
    from vapi.types import Monitor

    return sdk_call(
        id=call_id,
        type="outboundPhoneCall",
        status="in-progress",
        assistant_id="asst-1",
        monitor=Monitor(control_url=control_url, listen_url="wss://listen.example/c1"),
    )


class Recorder:
    """A mock transport: ``handler`` answers, ``requests`` keeps every request sent."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.handler(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))

    @property
    def sent(self) -> list[tuple[str, str, Any]]:
        """(method, url, JSON body or None) for each request."""
        return [(r.method, str(r.url), body_of(r)) for r in self.requests]


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


@pytest.fixture
def kit() -> SimpleNamespace:
    """The helpers above, for test modules (conftest modules cannot be imported by name)."""
    return SimpleNamespace(
        API_KEY=API_KEY,
        CONTROL_URL=CONTROL_URL,
        Recorder=Recorder,
        sdk_call=sdk_call,
        ongoing_call=ongoing_call,
        body_of=body_of,
    )


@pytest.fixture
def connect() -> Iterator[Callable[..., callswitch.Client]]:
    """``connect(recorder, **kwargs)``: a Vapi client over the recorder's transport."""
    opened: list[httpx.Client] = []

    def make(rec: Recorder, **kwargs: Any) -> callswitch.Client:
        http = rec.client()
        opened.append(http)
        kwargs.setdefault("max_retries", 0)
        return callswitch.connect("vapi", api_key=API_KEY, http_client=http, **kwargs)

    yield make
    for http in opened:
        http.close()
