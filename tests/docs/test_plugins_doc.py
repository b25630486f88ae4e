"""docs/plugins.md documents exactly callswitch.plugin, and its Python examples run."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

import callswitch.plugin
from callswitch.capabilities import Capability
from callswitch.http import Request, Response, Safety
from callswitch.models import Call
from callswitch.registry import Registry
from callswitch.testing import ProviderConformance

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
SECTION = "## What `callswitch.plugin` holds"


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", _text(), re.S)


def _block(first_line: str) -> str:
    found = [b for b in _blocks() if b.startswith(first_line)]
    assert len(found) == 1, f"docs/plugins.md has no single block starting {first_line!r}"
    return found[0]


def test_the_reference_lists_exactly_the_sdk() -> None:
    """One bullet per name of callswitch.plugin.__all__; none missing, none extra."""
    text = _text()
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^- `(\w+)", section, re.M)
    assert len(listed) == len(set(listed)), "a name is listed twice"
    assert set(listed) == set(callswitch.plugin.__all__)


def test_every_import_in_the_examples_is_public() -> None:
    """The examples import SDK names from callswitch.plugin, never from their homes."""
    for block in _blocks():
        for module in re.findall(r"^from (callswitch(?:\.[\w.]+)?) import", block, re.M):
            assert module in {"callswitch.plugin", "callswitch.models", "callswitch.testing"}


def _module(name: str, source: str, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)
    exec(compile(source, f"{DOC}:{name}", "exec"), module.__dict__)  # noqa: S102
    return module


@pytest.fixture
def acme(monkeypatch: pytest.MonkeyPatch) -> dict[str, types.ModuleType]:
    """The doc's callswitch_acme package, built from its three Python blocks."""
    _module("callswitch_acme", "", monkeypatch)
    return {
        "capabilities": _module(
            "callswitch_acme.capabilities", _block("# capabilities.py"), monkeypatch
        ),
        "plugin": _module("callswitch_acme.plugin", _block("# plugin.py"), monkeypatch),
        "adapter": _module("callswitch_acme.adapter", _block("# adapter.py"), monkeypatch),
    }


def test_the_example_plugin_registers(acme: dict[str, types.ModuleType]) -> None:
    """The spec and capability blocks make a plugin a registry accepts, with every row."""
    registry = Registry()
    assert registry.register_plugin(acme["plugin"]) == ("acme",)
    spec = registry.get("acme")
    assert spec.load_adapter() is acme["adapter"].AcmeAdapter
    rows = {row.capability: row for row in spec.capabilities}
    assert set(rows) == set(Capability)
    assert rows[Capability.CONTROL_SAY].supported
    assert not rows[Capability.CONTROL_TRANSFER].supported


def test_the_example_adapter_plans(acme: dict[str, types.ModuleType]) -> None:
    """get() yields a relative GET and maps the answer; end() is an UNSAFE POST."""
    adapter = acme["adapter"].AcmeAdapter(acme["capabilities"].CAPABILITIES)
    plan = adapter.get("c1")
    request = next(plan)
    assert request == Request("GET", "/calls/c1", operation="calls.get")
    with pytest.raises(StopIteration) as done:
        plan.send(Response(200, content=b'{"id": "c1", "state": "live"}'))
    call: Any = done.value.value
    assert isinstance(call, Call)
    assert (call.id, call.provider, call.raw) == ("c1", "acme", {"id": "c1", "state": "live"})
    end = next(adapter.end("c1"))
    assert (end.method, end.path, end.safety) == ("POST", "/calls/c1/hangup", Safety.UNSAFE)


def test_the_conformance_example_is_a_conformance_class() -> None:
    """The conformance block defines a ProviderConformance subclass for acme. (Its
    inherited tests need an installed callswitch_acme, so they are not run here.)"""
    namespace: dict[str, Any] = {}
    block = _block("from callswitch.testing import ProviderConformance")
    exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102
    cls = namespace["TestAcmeConformance"]
    assert issubclass(cls, ProviderConformance)
    assert cls.provider == "acme"
