"""Every Python block of docs/router.md runs, in order, against emulators on sockets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.router.conftest import Vendor

DOC = Path(__file__).resolve().parents[2] / "docs" / "router.md"


def test_router_doc_blocks_run(
    vendors: dict[str, Vendor], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r, v = vendors["retell"], vendors["vapi"]
    (tmp_path / "callswitch.toml").write_text(
        'routing = ["retell", "vapi"]\n'
        f'[providers.retell]\nbase_url = "{r.base_url}"\n'
        f'[providers.vapi]\nbase_url = "{v.base_url}"\n'
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RETELL_API_KEY", "k")
    monkeypatch.setenv("VAPI_API_KEY", "k")
    monkeypatch.delenv("CALLSWITCH_BASE_URL", raising=False)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert len(blocks) == 3
    namespace: dict[str, object] = {}
    r.emu.add_call("ended")  # something for the listing to merge
    for block in blocks:
        if "router.calls.control(call" in block:
            r.emu.set_status(namespace["call"].id, "ongoing")  # type: ignore[attr-defined]
        before = namespace.get("router")
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
        if before is not None and namespace["router"] is not before:
            before.close()  # type: ignore[attr-defined]
    namespace["router"].close()  # type: ignore[attr-defined]
    assert r.creates()  # the first block's create went to Retell, first in order
    assert any("update-live-call" in q["path"] for q in r.emu.requests)
