"""ASGI plumbing: reading and replaying a request body, JSON bodies, dropping a connection,
and the lifespan protocol."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from starlette.requests import Request

from callswitch.emulators._errors import ConnectionDropped, JSONBodyError

__all__ = [
    "Message",
    "Receive",
    "Scope",
    "Send",
    "discard",
    "drop",
    "json_body",
    "lifespan",
    "read_body",
    "replay",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def json_body(request: Request, *, required: bool = True) -> Any:
    """The parsed JSON body; JSONBodyError when it is missing or malformed."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise JSONBodyError("the request body must be a JSON object")
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise JSONBodyError("the request body is not valid JSON") from None


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def discard(message: Message) -> None:
    return None


async def drop(receive: Receive) -> None:
    """Close the client's connection without an answer.

    Under uvicorn the receive callable belongs to the connection's request cycle, which
    holds the asyncio transport: abort it, so the client sees the connection close with no
    response. Any other server gets :class:`ConnectionDropped`, which the in-process
    transports turn into ``httpx.RemoteProtocolError``.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        raise ConnectionDropped("the emulator dropped the connection (injected fault)")
    transport.abort()
    # Let the server notice the lost connection so it does not try to answer.
    for _ in range(200):
        if getattr(cycle, "disconnected", True):
            break
        await anyio.sleep(0.001)


async def lifespan(
    receive: Receive,
    send: Send,
    *,
    startup: Callable[[], None] | None = None,
    shutdown: Callable[[], None] | None = None,
) -> None:
    """Answer the server's lifespan messages, running ``startup`` / ``shutdown`` (quick,
    blocking calls) before saying each is complete."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if startup is not None:
                startup()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if shutdown is not None:
                shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
