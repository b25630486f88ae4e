"""What a campaign accepts as its client."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from callswitch.campaigns import Campaign, SQLiteJournal
from callswitch.errors import ConfigurationError


def test_a_client_without_calls_wait_is_refused_when_built(tmp_path: Path) -> None:
    """Every Client, AsyncClient and Router has calls.wait; anything else is refused with
    a ConfigurationError naming what is missing, before any request is sent."""
    created: list[object] = []
    calls = SimpleNamespace(create_phone=lambda **kw: created.append(kw), get=lambda ref: None)
    with pytest.raises(ConfigurationError, match=r"calls\.wait\(\)"):
        Campaign(SimpleNamespace(calls=calls), name="x", journal=SQLiteJournal(tmp_path / "j"))
    assert created == []


def test_an_object_without_calls_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"create_phone\(\) or calls\.wait\(\)"):
        Campaign(object(), name="x", journal=SQLiteJournal(tmp_path / "j"))
