"""callswitch.plugin: the plugin SDK exports exactly what its __all__ names."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import callswitch.plugin as sdk


def test_all_matches_the_public_names() -> None:
    """Every public name bound in the module is in __all__, and nothing else is."""
    for name in dir(sdk):  # binds the names loaded on first access (PEP 562) too
        getattr(sdk, name)
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


ROOT = Path(__file__).resolve().parents[2]


def _private_callswitch_imports(path: Path) -> list[str]:
    """``callswitch._x`` (or ``callswitch.x._y``) modules that ``path`` imports, anywhere
    in the file (function bodies and ``TYPE_CHECKING`` blocks included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "callswitch" and any(part.startswith("_") for part in parts[1:]):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{where}:{node.lineno} imports {module}")
    return found


def test_providers_and_examples_import_no_private_callswitch_module() -> None:
    """Built-in providers and the example plugin use only callswitch.plugin and public
    modules, as a third-party plugin must."""
    files = sorted([*(ROOT / "providers").rglob("*.py"), *(ROOT / "examples").rglob("*.py")])
    assert len(files) > 20, "the scan found too few files; was the tree moved?"
    offending = [hit for path in files for hit in _private_callswitch_imports(path)]
    assert offending == []


def test_the_scan_sees_private_imports(tmp_path: Path) -> None:
    """The scan itself catches every spelling of a private import."""
    sample = tmp_path / "sample.py"
    text = (
        "import callswitch._kit\n"
        "from callswitch._kit import finite_float\n"
        "from callswitch.webhooks._rules import call_event\n"
        "def f():\n    from callswitch._retry import x\n"
        "from callswitch.plugin import Adapter\nimport callswitch_retell._mapping\n"
    )
    sample.write_text(text, encoding="utf-8")
    hits = _private_callswitch_imports(sample)
    assert [hit.split(" imports ")[1] for hit in hits] == [
        "callswitch._kit",
        "callswitch._kit",
        "callswitch.webhooks._rules",
        "callswitch._retry",
    ]
