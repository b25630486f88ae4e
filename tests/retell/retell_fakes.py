"""Test helpers for the Retell tests: a scripted fake Retell behind httpx.MockTransport."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

DATA = Path(__file__).resolve().parent / "data"
KEY = "key_test_0123456789abcdef"
BASE = "https://api.retellai.com"


class FakeRetell:
    """Answers requests from a script of (method, path) -> responses, and records them.

    Each route holds a queue of answers; the last one repeats. A request with no route
    fails the test.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._routes: dict[tuple[str, str], list[httpx.Response]] = {}

    def on(
        self,
        method: str,
        path: str,
        status: int = 200,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> FakeRetell:
        if content is None and json_body is not None:
            content = json.dumps(json_body).encode()
            headers = {"content-type": "application/json", **(headers or {})}
        response = httpx.Response(status, headers=headers, content=content or b"")
        self._routes.setdefault((method, path), []).append(response)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self._routes.get((request.method, request.url.path))
        if not queue:
            pytest.fail(f"unexpected request {request.method} {request.url.path}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    # -- what was sent ----------------------------------------------------------------
    def sent(self, index: int = -1) -> tuple[str, str, Any, str | None]:
        """(method, path, JSON body or None, authorization header) of one request."""
        request = self.requests[index]
        body = json.loads(request.content) if request.content else None
        return request.method, request.url.path, body, request.headers.get("authorization")

    @property
    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data
