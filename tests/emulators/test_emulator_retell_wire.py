"""The Retell adapter and emulator read the 50 kB metadata limit from one rule."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import callswitch
from callswitch.emulators import create
from callswitch_retell import _wire
from callswitch_retell.emulator import RetellEmulator

AUTH = {"Authorization": "Bearer emulator-key"}


def _metadata(size: int) -> dict[str, str]:
    """Metadata of exactly ``size`` compact UTF-8 JSON bytes, mostly two-byte characters."""
    frame = len(b'{"note":""}')
    body = size - frame
    value = "é" * (body // 2) + "x" * (body % 2)
    metadata = {"note": value}
    text = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    assert len(text.encode("utf-8")) == size
    return metadata


@pytest.fixture
def emu() -> Iterator[RetellEmulator]:
    app = create("retell")
    assert isinstance(app, RetellEmulator)
    yield app
    app.close()


def _patch(emu: RetellEmulator, path: str, body: Any) -> httpx.Response:
    with httpx.Client(transport=emu.transport(), base_url=emu.base_url, headers=AUTH) as http:
        return http.patch(path, json=body)


def test_wire_rule_counts_compact_utf8_bytes() -> None:
    """json_bytes counts compact UTF-8 JSON, not ASCII-escaped or spaced JSON."""
    assert _wire.json_bytes({"a": "é"}) == len('{"a":"é"}'.encode())
    assert _wire.json_bytes(_metadata(45_001)) == 45_001


def test_client_and_emulator_accept_the_same_live_metadata(emu: RetellEmulator) -> None:
    """45,001 compact bytes of live metadata is accepted by the client and the emulator."""
    call = emu.add_call("ongoing")
    metadata = _metadata(45_001)
    with emu.connect() as client:
        client.calls.update(call["call_id"], callswitch.CallUpdate(metadata=metadata))
    assert emu.get_call(call["call_id"])["metadata"] == metadata


@pytest.mark.parametrize("status", ["ongoing", "ended"])
def test_emulator_refuses_metadata_over_the_limit(emu: RetellEmulator, status: str) -> None:
    """One byte over the limit is a 400 on update-live-call and on update-call."""
    call = emu.add_call(status)
    too_big = _metadata(_wire.METADATA_LIMIT_BYTES + 1)
    if status == "ongoing":
        path, body = f"/v2/update-live-call/{call['call_id']}", {"fields_to_override": {}}
        body["fields_to_override"]["metadata"] = too_big
    else:
        path, body = f"/v2/update-call/{call['call_id']}", {"metadata": too_big}
    response = _patch(emu, path, body)
    assert response.status_code == 400
    assert "50kB" in response.json()["message"]
    at_limit = _metadata(_wire.METADATA_LIMIT_BYTES)
    if status == "ongoing":
        body = {"fields_to_override": {"metadata": at_limit}}
    else:
        body = {"metadata": at_limit}
    assert _patch(emu, path, body).status_code == 200
