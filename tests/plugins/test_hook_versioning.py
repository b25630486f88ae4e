"""The plugin interface is versioned: a spec from the future is refused, and plugins
written today keep working when the hook grows an argument."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pluggy
import pytest

import fakeprovider
from callswitch import hookspecs
from callswitch.capabilities import Capabilities
from callswitch.errors import ConfigurationError
from callswitch.hookspecs import hookimpl
from callswitch.provider import HOOK_API_VERSION, ProviderSpec
from callswitch.registry import Registry

FAKE_SPEC_ARGS: dict[str, Any] = {
    "name": "fake",
    "adapter": "fakeprovider:FakeAdapter",
    "capabilities": fakeprovider.CAPS,
    "default_base_url": "https://fake.invalid/api",
    "api_key_env": "FAKE_API_KEY",
}


def test_hook_api_version_is_a_positive_int() -> None:
    assert isinstance(HOOK_API_VERSION, int)
    assert HOOK_API_VERSION >= 1
    assert ProviderSpec(**FAKE_SPEC_ARGS).hook_api_version == HOOK_API_VERSION


def test_spec_from_the_future_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ConfigurationError) as info:
        ProviderSpec(**FAKE_SPEC_ARGS, hook_api_version=HOOK_API_VERSION + 1)
    message = str(info.value)
    assert "'fake'" in message
    assert f"version {HOOK_API_VERSION + 1}" in message
    assert "upgrade callswitch" in message


def test_future_plugin_in_a_registry_fails_alone() -> None:
    """Through the registry: the future plugin is refused, a current one still loads."""

    class FuturePlugin:
        @hookimpl
        def register_providers(self, register: Callable[[ProviderSpec], None]) -> None:
            register(
                ProviderSpec(
                    **{
                        **FAKE_SPEC_ARGS,
                        "name": "future",
                        "capabilities": Capabilities("future", fakeprovider.CAPS.rows),
                    },
                    hook_api_version=HOOK_API_VERSION + 1,
                )
            )

    registry = Registry(group="callswitch.test-versioning")
    with pytest.raises(ConfigurationError, match="upgrade callswitch"):
        registry.register_plugin(FuturePlugin(), name="future-plugin")
    registry.register_plugin(fakeprovider)
    assert registry.get("fake").hook_api_version == HOOK_API_VERSION
    assert registry.names() == ("fake",)


def test_older_spec_versions_keep_working() -> None:
    spec = ProviderSpec(**FAKE_SPEC_ARGS, hook_api_version=1)
    assert spec.name == "fake"


class _GrownSpecs:
    """What hookspecs.register_providers may look like in a later version: more keywords."""

    @hookspecs.hookspec
    def register_providers(
        self, register: Callable[[ProviderSpec], None], host_api_version: int
    ) -> None:
        """Register providers; the host says which plugin API version it runs."""


def test_plugin_with_fewer_hook_arguments_still_works() -> None:
    """Today's plugins implement register_providers(register). A host whose spec passes
    more keywords still calls them, with only the arguments they name."""
    pm = pluggy.PluginManager("callswitch")
    pm.add_hookspecs(_GrownSpecs)
    pm.register(fakeprovider)
    got: list[ProviderSpec] = []
    pm.hook.register_providers(register=got.append, host_api_version=HOOK_API_VERSION + 1)
    assert [spec.name for spec in got] == ["fake"]
    impl = pm.hook.register_providers.get_hookimpls()[0]
    assert impl.argnames == ("register",)


def test_registry_accepts_a_plugin_hook_written_against_version_1() -> None:
    """A version-1 hook (keyword register only) registers through today's registry."""

    class V1Plugin:
        @hookimpl
        def register_providers(self, register: Callable[[ProviderSpec], None]) -> None:
            register(attrs.evolve(fakeprovider_spec(), hook_api_version=1))

    registry = Registry(group="callswitch.test-versioning")
    registry.register_plugin(V1Plugin(), name="v1")
    assert registry.get("fake").hook_api_version == 1


def fakeprovider_spec() -> ProviderSpec:
    return ProviderSpec(**FAKE_SPEC_ARGS)
