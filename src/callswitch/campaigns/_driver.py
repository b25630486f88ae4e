"""The client side of a campaign: create and follow calls through a ``Client``, an
``AsyncClient`` or a router, and what the vendor declares about idempotency keys."""

from __future__ import annotations

import contextlib
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel

from callswitch.campaigns._targets import Target
from callswitch.errors import ConfigurationError, WaitTimeoutError
from callswitch.models import Call

__all__ = ["Driver"]

T = TypeVar("T")

#: Statuses a followed call is waited into.
FINAL_CALL_STATUSES = frozenset({"ended", "failed"})


def _members(client: Any) -> tuple[Any, ...]:
    """The clients behind ``client``: a router's clients, or the client itself."""
    clients = getattr(client, "clients", None)
    return tuple(clients) if clients else (client,)


def _declares_key(member: Any) -> bool:
    capabilities = getattr(member, "capabilities", None)
    return getattr(capabilities, "idempotent_create", False) is True


async def _in_daemon_thread(fn: Callable[[], T]) -> T:
    """Run a blocking ``fn`` in a daemon thread, so an interrupted run never waits for it
    at exit (its journal state is what the next run resumes from)."""
    token = anyio.lowlevel.current_token()
    done = anyio.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the awaiting task
            box["error"] = exc
        # When the run is gone (interrupted) there is nobody to tell.
        with contextlib.suppress(Exception):
            anyio.from_thread.run_sync(done.set, token=token)

    threading.Thread(target=target, name="callswitch-campaign", daemon=True).start()
    await done.wait()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


class Driver:
    """Creates and waits through whatever ``client`` is, sync or async."""

    def __init__(self, client: Any) -> None:
        calls: Any = getattr(client, "calls", None)
        missing = [
            name
            for name in ("create_phone", "wait")
            if calls is None or not callable(getattr(calls, name, None))
        ]
        if missing:
            raise ConfigurationError(
                "Campaign needs a callswitch Client, AsyncClient or Router: an object whose "
                f".calls has create_phone() and wait(); {type(client).__name__} has no "
                f"calls.{'() or calls.'.join(missing)}(). Pass callswitch.connect(...), "
                "callswitch.AsyncClient(...) or callswitch.Router([...])"
            )
        self.client = client
        self.is_async = inspect.iscoroutinefunction(calls.create_phone)
        self.routed = getattr(client, "clients", None) is not None
        members = _members(client)
        #: True when every vendor a create can go to honours an idempotency key, as the
        #: vendors declare (``Capabilities.idempotent_create``). A key holds only at the
        #: vendor that got it, and a router may send a repeat elsewhere (the first vendor
        #: cooling down, or refusing the repeat with a 429): so never with several vendors.
        self.honours_key = len(members) == 1 and _declares_key(members[0])
        self._keyed = tuple(str(m.provider) for m in members if _declares_key(m))
        # Creates are not retried by the client: every attempt must take its own turn
        # from the limiter, and a 429 slows the whole campaign down instead.
        with_options = getattr(client, "with_options", None)
        self._create_calls = with_options(max_retries=0).calls if with_options else calls
        self._calls = calls

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.is_async:
            return await fn(*args, **kwargs)
        return await _in_daemon_thread(lambda: fn(*args, **kwargs))

    async def create(self, target: Target) -> Call:
        kwargs = target.create_kwargs()
        if self._keyed:
            kwargs["provider_options"] = {
                name: {"idempotency_key": target.idempotency_key} for name in self._keyed
            }
        call: Call = await self._call(self._create_calls.create_phone, **kwargs)
        return call

    async def poll(self, provider: str, call_id: str) -> Call:
        """Read the call once, as it is now.

        ``calls.wait`` with ``timeout=0`` is exactly one ``get`` under the client's retry
        rules (through a router, at the vendor that owns the call): it returns the call
        when it has ended or failed, and otherwise raises ``WaitTimeoutError`` carrying
        the call it read, which is returned here.
        """
        handle = f"{provider}:{call_id}" if self.routed else call_id
        try:
            call: Call = await self._call(
                self._calls.wait, handle, FINAL_CALL_STATUSES, timeout=0.0
            )
        except WaitTimeoutError as exc:
            if not isinstance(exc.call, Call):
                raise
            return exc.call
        return call
