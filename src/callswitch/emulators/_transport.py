"""httpx transports that send requests straight into an emulator's ASGI app (no socket).

httpx 0.28 ships ``ASGITransport`` for ``httpx.AsyncClient`` only. The sync transport
here runs the same app on a private event loop in a daemon thread. Both turn the
emulator's dropped-connection fault into ``httpx.RemoteProtocolError``, which is what
httpx raises when a real server closes the connection without answering.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import anyio
import httpx

from callswitch.emulators._errors import ConnectionDropped

__all__ = ["AsyncEmulatorTransport", "EmulatorTransport"]

_DROPPED = "Server disconnected without sending a response."


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    """For ``httpx.AsyncClient(transport=...)``: requests go to ``app`` in the caller's loop."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            with anyio.fail_after(_read_timeout(request)):
                return await self._inner.handle_async_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(_DROPPED, request=request) from None
        except TimeoutError:
            raise httpx.ReadTimeout(
                "the emulator did not answer in time", request=request
            ) from None

    async def aclose(self) -> None:
        await self._inner.aclose()


class EmulatorTransport(httpx.BaseTransport):
    """For ``httpx.Client(transport=...)``: requests go to ``app`` on a background loop.

    The loop thread starts on the first request and stops on :meth:`close` (which
    ``httpx.Client.close`` calls); it is a daemon thread, so a forgotten client does not
    keep the interpreter alive.
    """

    def __init__(self, app: Any, *, timeout: float = 60.0) -> None:
        self._async = AsyncEmulatorTransport(app)
        self._timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="callswitch-emulator-transport", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        inner = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=body,
            extensions=request.extensions,
        )

        async def run() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._async.handle_async_request(inner)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        future = asyncio.run_coroutine_threadsafe(run(), self._ensure_loop())
        try:
            status, headers, content = future.result(_read_timeout(request) or self._timeout)
        except httpx.RemoteProtocolError:
            raise httpx.RemoteProtocolError(_DROPPED, request=request) from None
        except TimeoutError:
            future.cancel()
            raise httpx.ReadTimeout(
                "the emulator did not answer in time", request=request
            ) from None
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()


def _read_timeout(request: httpx.Request) -> float | None:
    timeouts = request.extensions.get("timeout") or {}
    value = timeouts.get("read")
    return float(value) if value is not None else None
