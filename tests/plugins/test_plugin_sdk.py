"""callswitch.plugin: the plugin SDK exports exactly what its __all__ names."""

from __future__ import annotations

import types

import callswitch.plugin as sdk


def test_all_matches_the_public_names() -> None:
    """Every public name bound in the module is in __all__, and nothing else is."""
    bound = {
        name
        for name, value in vars(sdk).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert len(sdk.__all__) == len(set(sdk.__all__)), "a name is listed twice"
    assert set(sdk.__all__) == bound


def test_every_name_is_the_object_from_its_home() -> None:
    """The SDK re-exports; it does not wrap or copy (isinstance keeps working)."""
    import callswitch.capabilities
    import callswitch.hookspecs
    import callswitch.http
    import callswitch.provider

    homes = {
        "Adapter": callswitch.provider.Adapter,
        "ProviderSpec": callswitch.provider.ProviderSpec,
        "Request": callswitch.http.Request,
        "Safety": callswitch.http.Safety,
        "Support": callswitch.capabilities.Support,
        "hookimpl": callswitch.hookspecs.hookimpl,
    }
    for name, value in homes.items():
        assert getattr(sdk, name) is value, name


def test_the_sdk_is_enough_to_write_a_provider() -> None:
    """The names the plugin contract promises are all there."""
    promised = {
        "Adapter", "ProviderSpec", "Request", "Response", "Plan", "Page", "Safety",
        "Support", "Capabilities", "Capability", "supported", "unsupported",
        "ErrorDetails", "merge_options", "hookimpl", "WebhookRules",
    }  # fmt: skip
    assert promised <= set(sdk.__all__)
