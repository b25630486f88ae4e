"""The docs stay true: the generated capability table, the API reference, links, nav."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

import callswitch
import callswitch.errors
from callswitch import cli
from callswitch.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REGEN = "callswitch capabilities --format markdown > docs/capabilities.md"


def test_capabilities_doc_matches_the_declarations() -> None:
    """docs/capabilities.md is exactly what the one documented command prints now."""
    proc = subprocess.run(
        [sys.executable, "-m", "callswitch.cli", "capabilities", "--format", "markdown"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, f"a provider failed to load: {proc.stderr}"
    current = (DOCS / "capabilities.md").read_text()
    assert current == proc.stdout, f"docs/capabilities.md is stale; regenerate it: {REGEN}"


def test_capabilities_doc_covers_every_installed_provider() -> None:
    registry = Registry()
    matrix = registry.capability_matrix()
    assert registry.errors() == {}
    text = (DOCS / "capabilities.md").read_text()
    assert text == cli.capabilities_markdown(matrix)
    for name in registry.names():
        assert f"### {name}\n" in text


def _reference_headings() -> set[str]:
    text = (DOCS / "reference.md").read_text()
    return set(re.findall(r"^### `([^`]+)`$", text, flags=re.MULTILINE))


def test_every_public_name_is_in_the_reference() -> None:
    documented = _reference_headings()
    missing = sorted(set(callswitch.__all__) - documented)
    assert not missing, f"add a '### `name`' entry to docs/reference.md for: {missing}"
    missing_errors = sorted(set(callswitch.errors.__all__) - documented)
    assert not missing_errors, f"document these exceptions in docs/reference.md: {missing_errors}"


def test_reference_documents_nothing_that_is_gone() -> None:
    public = set(callswitch.__all__) | set(callswitch.errors.__all__)
    stale = sorted(_reference_headings() - public)
    assert not stale, f"docs/reference.md documents names that are not public: {stale}"


def _nav_files(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [f for item in node for f in _nav_files(item)]
    if isinstance(node, dict):
        return [f for value in node.values() for f in _nav_files(value)]
    return []


def test_nav_and_pages_agree() -> None:
    """Every page is in mkdocs.yml's nav and every nav entry exists."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert config["theme"]["name"] == "material"
    nav = set(_nav_files(config["nav"]))
    pages = {p.name for p in DOCS.glob("*.md")}
    assert sorted(pages - nav) == [], "pages missing from the nav in mkdocs.yml"
    assert sorted(nav - pages) == [], "nav entries without a page in docs/"


def test_relative_links_resolve() -> None:
    problems = []
    for page in sorted(DOCS.glob("*.md")):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                problems.append(f"{page.name} -> {target}")
    assert not problems, f"broken links: {problems}"


def test_guide_covers_the_promised_topics() -> None:
    """The user guide has a page for each topic the project promises."""
    for page, must_mention in {
        "getting-started.md": "callswitch emulate",
        "switching-vendors.md": "CALLSWITCH_PROVIDER",
        "capability-queries.md": 'on_unsupported="drop"',
        "errors-and-retries.md": "OutcomeUnknownError",
        "cassettes.md": "--record-mode=once",
        "plugins.md": "ProviderConformance",
        "cli.md": REGEN,
    }.items():
        assert must_mention in (DOCS / page).read_text(), f"{page} should cover {must_mention}"


def test_readme_says_how_to_build_the_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert 'pip install -e ".[docs]"' in readme
    assert "mkdocs build" in readme
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert any(dep.startswith("mkdocs-material") for dep in extras["docs"])
