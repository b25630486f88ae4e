"""Helpers shared by the reliability tests: per-provider facts about the emulators, a
transport that must never be reached, and a recorder for the client's retry waits."""

from __future__ import annotations

import fnmatch
import time
import types
from collections.abc import Callable
from typing import Any

import attrs
import httpx
import pytest

import callswitch
from callswitch import CallUpdate, LiveControl
from callswitch.emulators import Emulator

PROVIDERS = ("retell", "vapi", "truedy")
#: Providers with live control (Truedy has none).
LIVE_PROVIDERS = ("retell", "vapi")
KEY = "emu-test-key-0001"


@attrs.frozen
class Facts:
    """Where each operation lands on a provider's emulator, and a request that works there."""

    provider: str
    get_path: str  # shell pattern for GET of one call
    update_method: str
    update_path: str  # pattern of the request that changes the record
    update: CallUpdate
    control_path: str | None = None  # pattern of the live-control request
    create_path: str | None = None


FACTS: dict[str, Facts] = {
    "retell": Facts(
        "retell",
        get_path="/v2/get-call/*",
        update_method="PATCH",
        # An ongoing call is updated through update-live-call (after one GET to route it).
        update_path="/v2/update-live-call/*",
        update=CallUpdate(metadata={"ticket": "T-1"}),
        control_path="/v2/update-live-call/*",
        create_path="/v2/create-phone-call",
    ),
    "vapi": Facts(
        "vapi",
        get_path="/call/*",
        update_method="PATCH",
        update_path="/call/*",
        update=CallUpdate(name="renamed"),
        control_path="/live/*/control",
        create_path="/call",
    ),
    "truedy": Facts(
        "truedy",
        get_path="/calls/*",
        update_method="PATCH",
        update_path="/calls/*",
        update=CallUpdate(variables={"plan": "gold"}),
        create_path="/calls",
    ),
}


def vendor_requests(emu: Emulator, method: str = "*", path: str = "*") -> list[dict[str, Any]]:
    """The emulator's log of vendor requests matching ``method`` and a path pattern."""
    return [
        r
        for r in emu.requests
        if method in ("*", r["method"]) and fnmatch.fnmatchcase(r["path"], path)
    ]


def context_count(emu: Emulator, call_id: str, text: str) -> int:
    """How many times the emulator applied ``text`` as injected context to the call."""
    record = emu.get_call(call_id)
    if emu.name == "retell":
        return sum(
            1
            for u in record.get("transcript_with_tool_calls") or []
            if u.get("role") == "injected" and u.get("content") == text
        )
    if emu.name == "vapi":
        return sum(
            1
            for m in record["artifact"]["messages"]
            if m.get("role") == "system" and m.get("message") == text
        )
    raise AssertionError(f"{emu.name} has no live control")


def inject(text: str) -> LiveControl:
    return LiveControl(inject_context=text)


class Unreachable(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport that fails the test if anything is sent through it."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        raise AssertionError(f"nothing should be sent, but got {request.method} {request.url}")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)


def unreachable_client(provider: str, **options: Any) -> tuple[callswitch.Client, Unreachable]:
    transport = Unreachable()
    http = httpx.Client(transport=transport)
    client = callswitch.connect(provider, api_key=KEY, http_client=http, **options)
    return client, transport


class SleepLog:
    """Records every wait the client's retry loop asks for (and really waits)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> SleepLog:
    """Waits of the sync client, read from ``callswitch.client``'s own ``time`` module
    binding only (nothing else in the process is affected)."""
    log = SleepLog()
    proxy = types.SimpleNamespace(monotonic=time.monotonic, sleep=log.sleep)
    monkeypatch.setattr("callswitch.client.time", proxy)
    return log


def make_emulator(provider: str, **options: Any) -> Emulator:
    from callswitch import emulators

    return emulators.create(provider, **options)


EmulatorFactory = Callable[..., Emulator]
