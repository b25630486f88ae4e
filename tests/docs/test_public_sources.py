"""What a user reads cites public sources only: no internal file or seed names.

Users can open a vendor's documentation page or an SDK's source; they cannot open the
team's notes, so docs, the README and every capability row's note, condition and source
must not name them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import callswitch

ROOT = Path(__file__).resolve().parents[2]

#: Internal references. "switching-vendors.md" (a docs page) is not one.
INTERNAL = re.compile(r"shared/|(?<![\w-])vendors\.md|seed 0", re.IGNORECASE)


def _user_docs() -> list[Path]:
    return sorted(
        [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), ROOT / "benchmarks" / "README.md"]
    )


def test_the_pattern_finds_internal_references() -> None:
    """The scan catches each spelling and leaves the docs page name alone."""
    for text in ("see shared/vendors.md", "(vendors.md, Vapi)", "Seed 002", "seed 000 schema"):
        assert INTERNAL.search(text), text
    assert not INTERNAL.search("[Switching vendors](switching-vendors.md)")


@pytest.mark.parametrize("path", _user_docs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_cite_no_internal_file(path: Path) -> None:
    """docs/, README.md and the benchmarks README name no internal file or seed."""
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INTERNAL.search(line)
    ]
    assert hits == []


def test_capability_rows_cite_no_internal_file() -> None:
    """Every installed provider's note, condition and source is a public citation."""
    matrix = callswitch.capability_matrix()
    hits = [
        f"{caps.provider} {row.name}: {text}"
        for caps in matrix
        for row in caps
        for text in (row.note, row.source, row.condition or "")
        if INTERNAL.search(text)
    ]
    assert len(matrix.providers) >= 3
    assert hits == []


def _source_files() -> list[Path]:
    return sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "providers").rglob("*.py")])


@pytest.mark.parametrize("path", _source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_source_cites_no_internal_file(path: Path) -> None:
    """Docstrings (what help() shows) and comments in the shipped code cite public pages."""
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INTERNAL.search(line)
    ]
    assert hits == []
