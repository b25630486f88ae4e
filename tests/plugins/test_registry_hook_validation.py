"""A plugin whose hook pluggy refuses is a broken plugin like any other: a
ConfigurationError naming it, and the other providers keep working."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from callswitch.errors import ConfigurationError
from callswitch.plugin import ProviderSpec, hookimpl
from callswitch.registry import Registry

BAD_HOOK = """
from callswitch.plugin import hookimpl

@hookimpl
def register_providers(register, region):
    raise AssertionError("never called: the spec offers no 'region'")
"""


def _bad_module() -> types.ModuleType:
    module = types.ModuleType("cs_bad_hook_inline")

    @hookimpl
    def register_providers(register: Callable[[ProviderSpec], None], region: str) -> None:
        raise AssertionError("never called")

    module.register_providers = register_providers  # type: ignore[attr-defined]
    return module


def test_register_plugin_refuses_an_invalid_hook() -> None:
    """An argument the spec does not offer: ConfigurationError naming plugin and argument."""
    with pytest.raises(ConfigurationError) as info:
        Registry().register_plugin(_bad_module(), name="cs_bad_hook_inline")
    message = str(info.value)
    assert "cs_bad_hook_inline" in message
    assert "region" in message
    assert "register_providers(register)" in message


@pytest.fixture
def bad_hook_site(tmp_path: Path) -> Iterator[Path]:
    """A distribution whose entry-point plugin declares an invalid hook, on sys.path."""
    (tmp_path / "cs_bad_hook.py").write_text(BAD_HOOK)
    dist = tmp_path / "callswitch_bad_hook-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: callswitch-bad-hook\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text("[callswitch.providers]\nbadhook = cs_bad_hook\n")
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        importlib.invalidate_caches()
        sys.modules.pop("cs_bad_hook", None)


@pytest.mark.usefixtures("bad_hook_site")
def test_an_invalid_hook_does_not_take_the_others_down() -> None:
    """all() and capability_matrix() skip it; errors() names it and its package."""
    registry = Registry()
    assert "badhook" in registry.names()
    loaded = {spec.name for spec in registry.all()}
    assert {"retell", "truedy", "vapi"} <= loaded
    assert "badhook" not in loaded
    message = str(registry.errors()["badhook"])
    assert "callswitch-bad-hook" in message
    assert "region" in message
    assert {"retell", "truedy", "vapi"} <= set(registry.capability_matrix().names)
