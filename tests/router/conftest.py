"""Emulators on sockets for the router tests, and a transport that refuses connections."""

from __future__ import annotations

import random
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import callswitch
from callswitch import emulators
from callswitch.emulators import Emulator


def dead_port() -> int:
    """A local port nothing listens on: connecting to it is refused by the OS."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Refusing(httpx.BaseTransport):
    """Sends through a real socket transport; when ``refuse()`` says so, to a port nothing
    listens on instead, so the OS refuses the connection and nothing reaches the emulator."""

    def __init__(self, refuse: Callable[[], bool]) -> None:
        self._inner = httpx.HTTPTransport()
        self._refuse = refuse
        self._dead = dead_port()
        self.refused = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._refuse():
            self.refused += 1
            request.url = request.url.copy_with(port=self._dead)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class AsyncRefusing(httpx.AsyncBaseTransport):
    def __init__(self, refuse: Callable[[], bool]) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._refuse = refuse
        self._dead = dead_port()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._refuse():
            request.url = request.url.copy_with(port=self._dead)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class Vendor:
    """One emulator served on a socket, and how to reach it."""

    def __init__(self, name: str, emu: Emulator, base_url: str) -> None:
        self.name = name
        self.emu = emu
        self.base_url = base_url
        self.opened: list[httpx.Client | httpx.AsyncClient] = []
        self.control = httpx.Client(base_url=base_url)
        self.opened.append(self.control)

    def client(self, refuse: Callable[[], bool] = lambda: False, **options: Any) -> Any:
        http = httpx.Client(transport=Refusing(refuse))
        self.opened.append(http)
        client = callswitch.connect(
            self.name, api_key="k", base_url=self.base_url, http_client=http, **options
        )
        return client.with_options(sleep=lambda seconds: None)

    def creates(self) -> list[dict[str, Any]]:
        """The create requests this emulator received (with their outcome)."""
        return [r for r in self.emu.requests if r["method"] == "POST" and _is_create(r["path"])]

    def fault(self, **fields: Any) -> None:
        response = self.control.post("/_emulator/faults", json=fields)
        assert response.status_code == 201, response.text

    @property
    def create_path(self) -> str:
        return {"retell": "/v2/create-phone-call", "vapi": "/call", "truedy": "/v1/calls"}[
            self.name
        ]

    def dialed(self) -> list[str]:
        """The to_number of every call this emulator holds."""
        out = []
        for record in self.emu.calls.values():
            number = record.get("to_number") or (record.get("customer") or {}).get("number")
            out.append(str(number))
        return out


def _is_create(path: str) -> bool:
    return path in ("/v2/create-phone-call", "/call") or path.endswith("/calls")


@pytest.fixture
def vendors() -> Iterator[dict[str, Vendor]]:
    """Retell, Vapi and Truedy emulators, each on its own socket."""
    served: dict[str, Vendor] = {}
    stack = []
    try:
        for name in ("retell", "vapi", "truedy"):
            emu = emulators.create(name)
            context = emulators.running(emu)
            base_url = context.__enter__()
            stack.append(context)
            served[name] = Vendor(name, emu, base_url)
        yield served
    finally:
        for vendor in served.values():
            for http in vendor.opened:
                if isinstance(http, httpx.Client):
                    http.close()
        for context in reversed(stack):
            context.__exit__(None, None, None)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def rng() -> random.Random:
    return random.Random(17)


PHONE = {"from_number": "+14155550100", "agent_id": "agent_1"}
