"""Helpers for the hostile-vendor tests: one client per mode (sync or async) on a mock
transport, and a way to run an operation the same way in both modes."""

from __future__ import annotations

import inspect
import pickle
import traceback
from collections.abc import Callable
from typing import Any

import anyio
import httpx

import callswitch
from callswitch.errors import CallswitchError

KEY = "sk_live_HOSTILE0123456789abcdef"
Handler = Callable[[httpx.Request], httpx.Response]
#: Every hostile answer tried, and each outcome: ("ok" | error class name, raw: bool).
TALLY: list[tuple[str, str]] = []


def _transport(handler: Handler) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


def run(
    mode: str,
    provider: str,
    handler: Handler,
    op: Callable[[Any], Any],
    *,
    http_kwargs: dict[str, Any] | None = None,
    **connect: Any,
) -> Any:
    """``op(client.calls)`` on a ``mode`` client whose vendor answers with ``handler``.
    An async list is collected into a list; waits between retries are skipped."""
    kwargs = http_kwargs or {}

    if mode == "sync":
        with httpx.Client(transport=_transport(handler), **kwargs) as http:
            client = callswitch.connect(provider, api_key=KEY, http_client=http, **connect)
            return op(client.with_options(sleep=lambda s: None).calls)

    async def main() -> Any:
        async with httpx.AsyncClient(transport=_transport(handler), **kwargs) as http:
            client = callswitch.connect_async(provider, api_key=KEY, http_client=http, **connect)
            result = op(client.with_options(sleep=lambda s: None).calls)
            if inspect.isawaitable(result):
                return await result
            if hasattr(result, "__aiter__"):
                return [item async for item in result]
            return result

    return anyio.run(main)


def outcome(mode: str, provider: str, handler: Handler, op: Callable[[Any], Any], **kw: Any) -> Any:
    """The result, or the exception raised; every exception is checked to be a clean
    callswitch error, and counted."""
    try:
        result = run(mode, provider, handler, op, **kw)
    except Exception as exc:
        TALLY.append((type(exc).__name__, "raw" if not isinstance(exc, CallswitchError) else ""))
        return exc
    TALLY.append(("ok", ""))
    return result


def assert_clean(exc: BaseException, *secrets: str) -> None:
    """``exc`` is a callswitch error holding none of ``secrets`` (nor the key) anywhere:
    text, attributes, notes, chain, traceback text, pickle."""
    assert isinstance(exc, CallswitchError), f"raw {type(exc).__name__}: {exc}"
    hidden = (KEY, *secrets)
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 20:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for link in chain:
        assert isinstance(link, CallswitchError), f"foreign {type(link).__name__} in the chain"
        texts = [str(link), repr(link), repr(vars(link)), *getattr(link, "__notes__", [])]
        for text in texts:
            for secret in hidden:
                assert secret not in text, f"{secret[:12]}... in {type(link).__name__}: {text}"
    shown = "".join(traceback.format_exception(exc))
    dumped = pickle.dumps(exc)
    for secret in hidden:
        assert secret not in shown
        assert secret.encode() not in dumped
