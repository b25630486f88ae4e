"""Large fan-outs: waiting for a free pooled connection is local queueing, not part of an
attempt's timeout, so many concurrent requests over a small pool all complete."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpcore
import httpx

import callswitch

DELAY = 0.02  # the "vendor" takes this long to answer each request
CONCURRENT = 40
POOL = 2  # 40 requests over 2 connections: the last waits about 0.6 s for one
TIMEOUT = 0.05  # far less than that wait, far more than one request takes


def _answer() -> bytes:
    path = Path(__file__).parents[1] / "retell" / "data" / "seed001_update_call_response.json"
    body = json.dumps(json.loads(path.read_text())).encode()
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


class _SlowStream(httpcore.AsyncNetworkStream):
    """One keep-alive connection that answers each request after DELAY seconds."""

    def __init__(self, answer: bytes) -> None:
        self._answer = answer
        self._pending = 0

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if not self._pending:
            return b""
        self._pending -= 1
        if timeout is not None and timeout < DELAY:
            await asyncio.sleep(timeout)
            raise httpcore.ReadTimeout("the vendor did not answer in time")
        await asyncio.sleep(DELAY)
        return self._answer

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer.startswith(b"GET "):
            self._pending += 1

    async def aclose(self) -> None:
        self._pending = 0

    async def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


class _SlowBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.connections = 0
        self._answer = _answer()

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        self.connections += 1
        return _SlowStream(self._answer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _small_pool(backend: _SlowBackend) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=POOL))
    transport._pool = httpcore.AsyncConnectionPool(max_connections=POOL, network_backend=backend)
    return httpx.AsyncClient(transport=transport)


async def _fan_out(client: callswitch.AsyncClient) -> list[callswitch.Call]:
    return await asyncio.gather(*(client.calls.get(f"call_{n}") for n in range(CONCURRENT)))


def test_many_concurrent_gets_over_a_small_pool_all_complete() -> None:
    backend = _SlowBackend()

    async def main() -> list[callswitch.Call]:
        async with _small_pool(backend) as http:
            client = callswitch.connect_async(
                "retell",
                api_key="k-test-000000",
                # Plain http (no TLS set-up to time): the test is about queueing.
                base_url="http://retell.test",
                allow_insecure_http=True,
                http_client=http,
                timeout=TIMEOUT,
                max_retries=0,  # no retry may paper over a pool timeout
            )
            return await _fan_out(client)

    calls = asyncio.run(main())
    assert len(calls) == CONCURRENT
    assert backend.connections == POOL


def test_the_attempt_timeout_still_applies_to_the_vendor() -> None:
    """What does count: a vendor slower than the timeout fails the attempt."""
    import pytest

    backend = _SlowBackend()

    async def main() -> None:
        async with _small_pool(backend) as http:
            client = callswitch.connect_async(
                "retell",
                api_key="k-test-000000",
                # Plain http (no TLS set-up to time): the test is about queueing.
                base_url="http://retell.test",
                allow_insecure_http=True,
                http_client=http,
                timeout=DELAY / 3,
                max_retries=0,
            )
            await client.calls.get("call_1")

    # Whichever comes first: httpx's read timeout or the whole-attempt budget.
    with pytest.raises(
        callswitch.errors.TransportError, match="ReadTimeout|no whole answer within the timeout"
    ):
        asyncio.run(main())


def test_the_documented_pool_example_runs() -> None:
    """docs/errors-and-retries.md, "Timeouts and connection limits": its block runs (it
    makes clients and sends nothing) and the engine's timeouts leave the pool unbounded."""
    doc = Path(__file__).parents[2] / "docs" / "errors-and-retries.md"
    section = doc.read_text().split("## Timeouts and connection limits", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(block, str(doc), "exec"), namespace)  # noqa: S102 - our own docs
    client = namespace["client"]
    timeout = client._engine.timeout_for(callswitch.config.Timeouts(total=7.0))
    assert (timeout.read, timeout.connect, timeout.pool) == (7.0, 5.0, None)
    asyncio.run(namespace["http"].aclose())
