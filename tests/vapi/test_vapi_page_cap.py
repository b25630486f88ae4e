"""Listing never asks GET /call for more than MAX_PAGE_SIZE items (on the emulator)."""

from __future__ import annotations

import pytest

from callswitch import emulators
from callswitch.errors import ProviderError
from callswitch_vapi import _wire
from callswitch_vapi.adapter import VapiAdapter


def _limits(emu: emulators.Emulator) -> list[int]:
    return [
        int(r["query"].split("limit=")[1].split("&")[0])
        for r in emu.requests
        if r["method"] == "GET" and r["path"] == _wire.CALLS
    ]


def test_a_page_size_over_the_cap_is_clamped_and_pages_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With pages bigger than the cap and limit=2500 over 1,200 calls, every request asks
    for at most 1000 and every call comes back once, newest first."""
    monkeypatch.setattr(VapiAdapter, "default_page_size", 5000)
    emu = emulators.create("vapi")
    clock = [1_700_000_000.0]

    def now() -> float:
        clock[0] += 1.0
        return clock[0]

    emu.now = now  # type: ignore[method-assign]
    try:
        made = [emu.call_id(emu.add_call("ended")) for _ in range(1200)]
        emu.clear_requests()
        listed = [c.id for c in emu.connect().calls.list(limit=2500)]
        limits = _limits(emu)
    finally:
        emu.close()
    assert listed == made[::-1]
    assert max(limits) == _wire.MAX_PAGE_SIZE
    assert len(limits) >= 2


def test_a_crowd_at_one_instant_larger_than_the_cap_is_a_clear_error() -> None:
    """1,001 calls created at the same instant cannot be paged past with createdAtLe:
    a ProviderError saying how to narrow the listing, not a request over the cap."""
    emu = emulators.create("vapi")
    emu.now = lambda: 1_700_000_000.0  # type: ignore[method-assign]
    try:
        for _ in range(_wire.MAX_PAGE_SIZE + 1):
            emu.add_call("ended")
        emu.clear_requests()
        with pytest.raises(ProviderError, match="created_after / created_before"):
            list(emu.connect().calls.list())
        limits = _limits(emu)
    finally:
        emu.close()
    assert max(limits) <= _wire.MAX_PAGE_SIZE
