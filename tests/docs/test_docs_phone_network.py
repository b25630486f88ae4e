"""The phone-network example in docs/emulators.md runs as written."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "emulators.md"


def test_phone_network_example_runs() -> None:
    text = DOC.read_text()
    section = text.split("## A phone network", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], str(DOC), "exec"), {})  # noqa: S102 - our own docs
    assert out.getvalue().split() == ["ended", "user_hangup"]
