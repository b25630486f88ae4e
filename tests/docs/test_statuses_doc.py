"""docs/statuses.md is generated from the providers' mapping data and agrees with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from callswitch_retell import _mapping as retell
from callswitch_truedy import _mapping as truedy
from callswitch_vapi import _mapping as vapi

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "statuses.md"
REGEN = "python scripts/status_table.py > docs/statuses.md"


def test_statuses_doc_is_what_the_script_prints() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "status_table.py")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert DOC.read_text() == proc.stdout, f"docs/statuses.md is stale; regenerate it: {REGEN}"


def _row(value: str) -> str:
    lines = [line for line in DOC.read_text().splitlines() if line.startswith(f"| `{value}` |")]
    assert lines, f"{value} is not in docs/statuses.md"
    return lines[-1]


def test_every_mapped_value_has_its_pair_in_the_doc() -> None:
    """Each vendor value's row names the pair the mapping gives, and [INF] where inferred."""
    for reason in retell.END_REASONS:
        status, end = retell.end_outcome(reason)
        row = _row(reason)
        assert f"| `{status.value}` | `{end.value}` |" in row
        assert ("[INF]" in row) is (reason in retell_notes())
    for value in vapi.exact_values():
        status, end = vapi.end_outcome(value)
        row = _row(value)
        assert f"| `{status.value}` | `{end.value}` |" in row
        assert ("[INF]" in row) is (value in vapi.INFERRED)
    for word in truedy.STATUS_WORDS:
        status, _end, _raw = truedy.parse_status(word)
        assert f"| `{status.value}` |" in _row(word)


def retell_notes() -> dict[str, str]:
    from callswitch_retell._outcome_notes import INFERRED

    return dict(INFERRED)


def test_every_note_is_about_a_mapped_value() -> None:
    assert set(retell_notes()) <= set(retell.END_REASONS)
    families = {prefix + "*" for prefix, _ in vapi.families()}
    assert set(vapi.INFERRED) <= set(vapi.exact_values()) | families
    assert set(truedy.INFERRED) <= set(truedy.STATUS_WORDS)


def test_the_contract_is_stated_and_the_page_is_in_the_nav() -> None:
    text = DOC.read_text()
    assert "| `failed` | it never connected" in text
    assert "| `ended` | it connected, then ended" in text
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    assert {"Call statuses": "statuses.md"} in nav
