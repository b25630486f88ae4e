"""The runnable Python blocks of docs/campaigns.md run; the other says why it cannot."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from campaign_support import free_port, phone_network, ticking

from callswitch.webhooks import Receiver

DOC = Path(__file__).resolve().parents[2] / "docs" / "campaigns.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_campaign_doc_blocks(tmp_path: Path) -> None:
    blocks = _blocks()
    assert len(blocks) == 3
    assert blocks[2].startswith("# Not run here:")
    namespace: dict[str, Any] = {"journal_path": tmp_path / "j.db"}
    # The block makes its emulator first; its callees then answer and hang up.
    head, sep, rest = blocks[0].partition("client = emu.connect()\n")
    exec(compile(head, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    with phone_network(namespace["emu"], 0.01, 0.02):
        exec(compile(sep + rest, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    assert namespace["report"].counts == {"ended": 2, "failed": 0, "unknown": 0, "refused": 0}


@contextmanager
def _served(receiver: Receiver, port: int) -> Iterator[None]:
    """The receiver on a real uvicorn socket (127.0.0.1), in a thread."""
    import uvicorn

    config = uvicorn.Config(receiver.asgi(), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and server.servers):
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


def test_webhook_fed_block_frees_slots_on_call_ended(tmp_path: Path) -> None:
    """The webhooks block, its Receiver served by uvicorn at RECEIVER_URL: every row
    ended, each call's end reached campaign.notify, and each call was last read within
    0.3 s of its end (calls of 0.06 s; without the webhook the poll that finds it ended
    comes 0.5 s after the create)."""
    port = free_port()
    namespace: dict[str, Any] = {
        "journal_path": tmp_path / "j.db",
        "RECEIVER_URL": f"http://127.0.0.1:{port}/retell",
    }
    head, sep, rest = _blocks()[1].partition("client = emu.connect()\n")
    exec(compile(head, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    emu = namespace["emu"]
    woken: list[bool] = []
    with _served(namespace["receiver"], port), phone_network(emu, 0.01, 0.05), ticking(emu):
        namespace["receiver"].on("call.ended")(lambda event: woken.append(True))
        exec(compile(sep + rest, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
        assert emu.wait_webhooks(10)
    emu.close()
    assert namespace["report"].counts == {"ended": 5, "failed": 0, "unknown": 0, "refused": 0}
    assert len(woken) == 5
    last_read: dict[str, float] = {}
    for request in emu.requests:
        if request["method"] == "GET":
            last_read[request["path"].rsplit("/", 1)[1]] = request["time"]
    ends = {cid: record["end_timestamp"] / 1000.0 for cid, record in emu.calls.items()}
    assert sorted(last_read) == sorted(ends)
    lags = [last_read[cid] - ends[cid] for cid in ends]
    assert max(lags) < 0.3, lags
