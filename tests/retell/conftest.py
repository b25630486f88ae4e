"""Fixtures for the Retell tests (helpers live in retell_fakes.py, next to this file)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import callswitch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from retell_fakes import BASE, KEY, FakeRetell, load


@pytest.fixture
def payload() -> Callable[[str], dict[str, Any]]:
    """Load a documented payload from tests/retell/data/."""
    return load


@pytest.fixture
def fake() -> FakeRetell:
    return FakeRetell()


@pytest.fixture
def client(fake: FakeRetell) -> Iterator[callswitch.Client]:
    """A sync callswitch client for retell whose requests go to ``fake``."""
    http = httpx.Client(transport=httpx.MockTransport(fake))
    with http:
        yield callswitch.connect("retell", api_key=KEY, http_client=http, max_retries=0)


@pytest.fixture
def make_client() -> Iterator[Callable[..., callswitch.Client]]:
    """Build a sync client against any handler, with any connect() options."""
    opened: list[httpx.Client] = []

    def build(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Any:
        http = httpx.Client(transport=httpx.MockTransport(handler))
        opened.append(http)
        kwargs.setdefault("max_retries", 0)
        return callswitch.connect("retell", api_key=KEY, http_client=http, **kwargs)

    yield build
    for http in opened:
        http.close()


@pytest.fixture
def refuse_requests() -> Callable[[httpx.Request], httpx.Response]:
    """A transport handler that fails the test if anything is sent."""

    def handler(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"a request was sent although the input was invalid: {request.url}")

    return handler


@pytest.fixture
def sdk_fake() -> FakeRetell:
    return FakeRetell()


@pytest.fixture
def sdk(sdk_fake: FakeRetell) -> Iterator[Any]:
    """The official retell SDK, talking to ``sdk_fake``."""
    import retell

    http = httpx.Client(transport=httpx.MockTransport(sdk_fake))
    with http:
        yield retell.Retell(api_key=KEY, base_url=BASE, http_client=http, max_retries=0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_async_client() -> Callable[..., callswitch.AsyncClient]:
    """Build an async client against any handler, with any connect_async() options."""

    def build(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Any:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        kwargs.setdefault("max_retries", 0)
        return callswitch.connect_async("retell", api_key=KEY, http_client=http, **kwargs)

    return build


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    """The shared config (auth headers filtered, no recording), also matching the body:
    a replay only succeeds when callswitch sends the recorded request body."""
    return {
        **vcr_config,
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
    }
