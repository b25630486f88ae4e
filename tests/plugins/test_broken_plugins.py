"""A broken plugin gets a clear error naming it, and the other providers keep working.

Each broken plugin is a real installed distribution: a ``*.dist-info`` with an
``entry_points.txt`` and a module, in a temporary directory put on ``sys.path`` for the
test. A fresh :class:`Registry` sees them next to the built-in providers.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import callswitch
import callswitch.registry as registry_module
from callswitch import cli
from callswitch.errors import ConfigurationError
from callswitch.registry import Registry

BUILTINS = ("retell", "truedy", "vapi")

GOOD_SPEC = """
from callswitch.hookspecs import hookimpl
from callswitch.provider import ProviderSpec
import fakeprovider

def spec(name):
    import attrs
    from callswitch.capabilities import Capabilities
    caps = Capabilities(name, fakeprovider.CAPS.rows)
    return ProviderSpec(name=name, adapter="fakeprovider:FakeAdapter", capabilities=caps,
                        default_base_url="https://x.invalid", api_key_env="X_API_KEY")
"""

PLUGINS = {
    # entry-point name: module source
    "brokenimport": "import callswitch_no_such_vendor_sdk  # noqa\n",
    "nocaps": GOOD_SPEC
    + textwrap.dedent(
        """
        from callswitch.capabilities import Capabilities, supported
        CAPS = Capabilities("nocaps", (supported("calls.get", "n", "s"),))
        """
    ),
    "dupe": GOOD_SPEC
    + textwrap.dedent(
        """
        @hookimpl
        def register_providers(register):
            register(spec("retell"))
        """
    ),
    "wrongname": GOOD_SPEC
    + textwrap.dedent(
        """
        @hookimpl
        def register_providers(register):
            register(spec("othername"))
        """
    ),
    "raises": GOOD_SPEC
    + textwrap.dedent(
        """
        @hookimpl
        def register_providers(register):
            raise RuntimeError("vendor SDK not configured")
        """
    ),
}


def install(site: Path, name: str, source: str) -> None:
    module = f"cs_broken_{name}"
    (site / f"{module}.py").write_text(source)
    dist = site / f"callswitch_broken_{name}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: callswitch-broken-{name}\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(f"[callswitch.providers]\n{name} = {module}\n")


@pytest.fixture
def broken_site(tmp_path: Path) -> Iterator[Path]:
    """Five broken plugin distributions installed on sys.path for one test."""
    site = tmp_path / "site"
    site.mkdir()
    for name, source in PLUGINS.items():
        install(site, name, source)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        importlib.invalidate_caches()
        for name in PLUGINS:
            sys.modules.pop(f"cs_broken_{name}", None)


@pytest.fixture
def registry(broken_site: Path) -> Registry:
    fresh = Registry()
    for name in BUILTINS:  # the built-ins load first, as an app that uses them would
        fresh.get(name)
    return fresh


def error_for(registry: Registry, name: str) -> str:
    with pytest.raises(ConfigurationError) as info:
        registry.get(name)
    return str(info.value)


def test_all_plugins_are_listed_by_name_without_importing(registry: Registry) -> None:
    assert set(PLUGINS) | set(BUILTINS) <= set(registry.names())


def test_import_error_names_the_plugin_and_its_package(registry: Registry) -> None:
    message = error_for(registry, "brokenimport")
    assert "'brokenimport'" in message
    assert "callswitch-broken-brokenimport" in message
    assert "callswitch_no_such_vendor_sdk" in message


def test_missing_capability_declarations(registry: Registry) -> None:
    message = error_for(registry, "nocaps")
    assert "'nocaps'" in message
    assert "does not declare" in message
    assert "calls.list" in message


def test_duplicate_name_is_refused(registry: Registry) -> None:
    message = error_for(registry, "dupe")
    assert "cs_broken_dupe" in message
    assert "'retell'" in message
    assert "registers exactly the provider its entry point names" in message
    assert registry.get("retell").package == "callswitch"


def test_entry_point_name_mismatch(registry: Registry) -> None:
    message = error_for(registry, "wrongname")
    assert "'wrongname'" in message
    assert "othername" in message
    assert "registers exactly the provider its entry point names" in message


def test_hook_that_raises(registry: Registry) -> None:
    message = error_for(registry, "raises")
    assert "cs_broken_raises" in message
    assert "vendor SDK not configured" in message


def test_broken_plugins_do_not_take_the_others_down(registry: Registry) -> None:
    """all() returns every provider that loads; errors() names each one that did not."""
    loaded = {spec.name for spec in registry.all()}
    assert set(BUILTINS) <= loaded
    assert {"brokenimport", "nocaps", "raises"} <= set(registry.errors())
    assert "wrongname" in registry.errors()
    assert set(registry.capability_matrix().names) >= set(BUILTINS)
    # An error is remembered, not retried on every lookup.
    assert registry.get("retell").name == "retell"
    assert error_for(registry, "brokenimport") == error_for(registry, "brokenimport")


@pytest.fixture
def as_default(registry: Registry) -> Iterator[Registry]:
    saved = registry_module._default
    registry_module._default = registry
    try:
        yield registry
    finally:
        registry_module._default = saved


def test_cli_lists_broken_plugins_with_their_error(as_default: Registry) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["providers", "--json"], stdout=out, stderr=err) == 0
    rows = {row["name"]: row for row in json.loads(out.getvalue())}
    assert rows["retell"]["ok"] is True
    assert rows["brokenimport"]["ok"] is False
    assert rows["brokenimport"]["package"] == "callswitch-broken-brokenimport"
    assert "callswitch_no_such_vendor_sdk" in rows["brokenimport"]["error"]

    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["providers"], stdout=out, stderr=err) == 0
    assert "BROKEN" in out.getvalue()
    assert "nocaps:" in err.getvalue()


def test_cli_capabilities_still_prints_the_working_providers(as_default: Registry) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["capabilities", "--json"], stdout=out, stderr=err)
    assert code == 1  # a partial table
    assert set(BUILTINS) <= set(json.loads(out.getvalue()))
    assert "provider brokenimport left out" in err.getvalue()


def test_connect_to_a_good_provider_with_broken_plugins_installed(
    as_default: Registry,
) -> None:
    client = callswitch.connect("vapi", api_key="k")
    assert client.provider == "vapi"
    with pytest.raises(ConfigurationError, match="nocaps"):
        callswitch.connect("nocaps", api_key="k")


def test_same_name_from_two_distributions_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two packages claiming one provider name: neither wins silently."""
    from importlib.metadata import EntryPoint

    import callswitch.registry as registry_module

    class _Dist:
        def __init__(self, name: str) -> None:
            self.name = name
            self.version = "1"

    def fake_entry_points(group: str) -> list[EntryPoint]:
        a = EntryPoint("acme", "pkg_a.plugin", group)
        b = EntryPoint("acme", "pkg_b.plugin", group)
        return [a._for(_Dist("acme-a")), b._for(_Dist("acme-b"))]  # type: ignore[attr-defined]

    monkeypatch.setattr(registry_module, "entry_points", fake_entry_points)
    fresh = Registry()
    assert fresh.names() == ("acme",)
    with pytest.raises(ConfigurationError, match="installed twice, by acme-a .* and by acme-b"):
        fresh.get("acme")


def test_a_stale_copy_further_down_sys_path_is_ignored(tmp_path: Path) -> None:
    """One distribution installed twice (a stale copy later on sys.path, its METADATA
    spelling the name differently) counts once, as importlib.metadata counts it: the
    first copy's entry points only, and no "installed twice" refusal."""
    from importlib.metadata import entry_points as stdlib_entry_points

    def copy(folder: str, dist_dir: str, name: str, entries: str) -> Path:
        site = tmp_path / folder
        dist = site / dist_dir
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1\n")
        (dist / "entry_points.txt").write_text(f"[callswitch.providers]\n{entries}")
        return site

    first = copy("a", "acme_voice-2.0.dist-info", "acme-voice", "acme = acme_new\n")
    stale = copy("b", "acme_voice-1.0.dist-info", "Acme_Voice", "acme = acme_old\nold = x\n")
    sys.path[:0] = [str(first), str(stale)]
    importlib.invalidate_caches()
    try:
        ours = registry_module.entry_points("callswitch.providers")
        theirs = stdlib_entry_points(group="callswitch.providers")
        fresh = Registry()
        names = fresh.names()
    finally:
        sys.path.remove(str(first))
        sys.path.remove(str(stale))
        importlib.invalidate_caches()
    assert [(ep.name, ep.value) for ep in ours] == [(ep.name, ep.value) for ep in theirs]
    assert ("acme", "acme_new") in [(ep.name, ep.value) for ep in ours]
    assert "old" not in names
    assert "acme" in names
    assert "acme" not in fresh._failed
