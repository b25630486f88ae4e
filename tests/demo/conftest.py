"""Fixtures for the demo and the recorded cassettes (cassettes/<provider>/recorded/)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
SCRIPT = ROOT / "scripts" / "record_cassettes.py"


def load_recorder() -> ModuleType:
    """scripts/record_cassettes.py as a module: the replays run its very steps."""
    name = "callswitch_record_cassettes"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    """Marks name cassettes as '<provider>/recorded/<step>.yaml' under cassettes/."""
    return str(CASSETTES)


def _json_or_text(body: Any) -> Any:
    if body is None:
        return None
    text = body.decode() if isinstance(body, bytes) else str(body)
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict):
        volatile = load_recorder().VOLATILE_BODY_KEYS
        data = {k: v for k, v in data.items() if k not in volatile}
    return data


def json_body(r1: Any, r2: Any) -> None:
    """vcrpy matcher: equal JSON bodies, ignoring keys that are fresh on every run (an
    idempotency key)."""
    assert _json_or_text(r1.body) == _json_or_text(r2.body)


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("json_body", json_body)
