"""The runnable Python block of docs/campaigns.md runs; the other says why it cannot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from campaign_support import phone_network

DOC = Path(__file__).resolve().parents[2] / "docs" / "campaigns.md"


def test_campaign_doc_blocks(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 2
    assert blocks[1].startswith("# Not run here:")
    namespace: dict[str, Any] = {"journal_path": tmp_path / "j.db"}
    # The block makes its emulator first; its callees then answer and hang up.
    head, sep, rest = blocks[0].partition("client = emu.connect()\n")
    exec(compile(head, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    with phone_network(namespace["emu"], 0.01, 0.02):
        exec(compile(sep + rest, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    assert namespace["report"].counts == {"ended": 2, "failed": 0, "unknown": 0, "refused": 0}
