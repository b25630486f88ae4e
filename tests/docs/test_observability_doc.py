"""docs/observability.md: its runnable blocks run; every hook, logger and metric is in it."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import callswitch
from callswitch import hookspecs, otel

DOC = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def test_observability_doc_blocks_run() -> None:
    """Every block but the OTLP one (which says why it cannot run) runs as written."""
    blocks = _blocks()
    runnable = [b for b in blocks if not b.startswith("# Not run here:")]
    assert len(blocks) == 4
    assert len(runnable) == 3
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        for block in runnable:
            exec(compile(block, str(DOC), "exec"), {})  # noqa: S102 - our own docs
    finally:
        callswitch.uninstrument()
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
        logging.getLogger("callswitch.http").setLevel(logging.NOTSET)


def test_every_observer_hook_and_metric_is_documented() -> None:
    text = DOC.read_text()
    for name in hookspecs.OBSERVER_HOOKS:
        assert f"`{name}`" in text, f"document the hook {name} in docs/observability.md"
    source = Path(otel.__file__).read_text()
    for metric in re.findall(r'create_(?:counter|histogram)\(\s*"([^"]+)"', source):
        assert f"`{metric}`" in text, f"document the metric {metric}"


def test_every_logger_is_documented() -> None:
    root = Path(callswitch.__file__).parent
    text = DOC.read_text()
    for path in root.rglob("*.py"):
        for name in re.findall(r'getLogger\("(callswitch[.\w]*)"\)', path.read_text()):
            assert f"`{name}`" in text, f"document the logger {name} ({path.name})"
