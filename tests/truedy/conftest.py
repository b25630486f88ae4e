"""Fixtures for the Truedy tests: the seed's OpenAPI fragment, its example payloads, a
mock Truedy behind ``httpx.MockTransport``, and a driver for sans-IO plans."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import callswitch
from callswitch.http import Plan, Request, Response

FRAGMENT = (
    Path(__file__).resolve().parents[2]
    / "providers"
    / "callswitch_truedy"
    / "openapi_fragment.yaml"
)
API_KEY = "tdy-test-key-0123456789"
BASE_URL = "https://api.truedy.ai/api/public/v1"


@pytest.fixture(scope="session")
def openapi() -> dict[str, Any]:
    """The OpenAPI fragment of PATCH /calls/{call_id} (seed 002)."""
    data: dict[str, Any] = yaml.safe_load(FRAGMENT.read_text())
    return data


@pytest.fixture
def guide_call(openapi: dict[str, Any]) -> dict[str, Any]:
    """The seed's 200 example body ``{data, meta}``: uses to/from/cost_credits."""
    op = openapi["paths"]["/calls/{call_id}"]["patch"]
    example = op["responses"]["200"]["content"]["application/json"]["example"]
    return copy.deepcopy(example)  # type: ignore[no-any-return]


@pytest.fixture
def schema_call(openapi: dict[str, Any]) -> dict[str, Any]:
    """A call built from the per-field examples of the CallResponse schema."""
    props = openapi["components"]["schemas"]["CallResponse"]["properties"]
    return {name: copy.deepcopy(prop["example"]) for name, prop in props.items()}


def _envelope(data: Any, request_id: str = "req_32e7531c-8", **extra: Any) -> dict[str, Any]:
    return {"data": data, "meta": {"request_id": request_id, "ts": "2026-03-03T20:30:21Z"}, **extra}


class MockTruedy:
    """Answers with queued responses and records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._answers: list[httpx.Response | Callable[[httpx.Request], httpx.Response]] = []

    def answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        content = b"" if body is None else json.dumps(body).encode()
        hdrs = {"content-type": "application/json", **(headers or {})}
        self._answers.append(httpx.Response(status, content=content, headers=hdrs))

    def answer_with(self, fn: Callable[[httpx.Request], httpx.Response]) -> None:
        """Queue a function answer (it may raise an httpx error to fake a broken connection)."""
        self._answers.append(fn)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self._answers:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = self._answers.pop(0)
        return answer(request) if callable(answer) else answer

    def json(self, index: int) -> Any:
        return json.loads(self.requests[index].content)

    def client(self, **kwargs: Any) -> callswitch.Client:
        http = httpx.Client(transport=httpx.MockTransport(self))
        return callswitch.connect("truedy", api_key=API_KEY, http_client=http, **kwargs)

    def async_client(self, **kwargs: Any) -> callswitch.AsyncClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self))
        return callswitch.connect_async("truedy", api_key=API_KEY, http_client=http, **kwargs)


@pytest.fixture
def truedy() -> MockTruedy:
    return MockTruedy()


@pytest.fixture
def new_truedy() -> Callable[[], MockTruedy]:
    """A factory, for tests that need more than one mock Truedy."""
    return MockTruedy


def _drive(plan: Plan[Any], *responses: Response) -> tuple[list[Request], Any]:
    """Run a sans-IO plan against canned responses: (requests yielded, result)."""
    sent = [next(plan)]
    for response in responses:
        try:
            sent.append(plan.send(response))
        except StopIteration as stop:
            return sent, stop.value
    raise AssertionError(f"plan still wants more after {len(responses)} responses: {sent[-1]}")


def _ok(body: Any, status: int = 200) -> Response:
    return Response(
        status, {"content-type": "application/json"}, json.dumps(body).encode(), "truedy"
    )


# Plain helpers handed out as fixtures (a conftest is not importable from test modules).
@pytest.fixture
def drive() -> Callable[..., tuple[list[Request], Any]]:
    return _drive


@pytest.fixture
def ok() -> Callable[..., Response]:
    return _ok


@pytest.fixture
def envelope() -> Callable[..., dict[str, Any]]:
    return _envelope
