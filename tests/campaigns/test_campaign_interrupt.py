"""``callswitch campaign run`` in a subprocess: Ctrl-C (SIGINT), and the progress bar
on a pseudo-terminal."""

from __future__ import annotations

import io
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from campaign_support import FROM, creates, dialed_numbers

from callswitch import emulators
from callswitch.cli import run

ROWS = 20


def _csv(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "targets.csv"
    lines = ["to_number,key"] + [f"+1415555{n:04d},row-{n}" for n in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _argv(csv_path: Path, journal: Path, url: str, rate: str) -> list[str]:
    return [
        "campaign",
        "run",
        str(csv_path),
        "--name",
        "ctrl-c",
        "--journal",
        str(journal),
        "--provider",
        "retell",
        "--base-url",
        url,
        "--from-number",
        FROM,
        "--max-concurrent",
        "3",
        "--rate",
        rate,
    ]


def _env() -> dict[str, str]:
    return {**os.environ, "RETELL_API_KEY": "k", "PYTHONUNBUFFERED": "1"}


def test_ctrl_c_stops_the_run_and_the_next_run_dials_nobody_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT mid-campaign: the command exits 130 at once, saying how to resume; the same
    command again finishes every row, and the emulator saw each number dialed once."""
    monkeypatch.setenv("RETELL_API_KEY", "k")
    # Calls last 1 s (the served emulator ends them on time): 20 rows over 3 slots take
    # about 7 s, far longer than a loaded machine needs to deliver the SIGINT.
    emu = emulators.create("retell", answer_after=0.02, end_after=1.0)
    csv_path, journal = _csv(tmp_path, ROWS), tmp_path / "j.db"
    with emulators.running(emu) as url:
        argv = _argv(csv_path, journal, url, "20")
        proc = subprocess.Popen(
            [sys.executable, "-m", "callswitch.cli", *argv],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while len(creates(emu)) < 6:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        out, err = proc.communicate(timeout=15)
        assert time.monotonic() - started < 5  # waits for no live call
        assert proc.returncode == 130, (out, err)
        assert "run the same command again to resume" in err
        assert "Traceback" not in err
        first = len(creates(emu))
        assert 6 <= first < ROWS
        out2, err2 = io.StringIO(), io.StringIO()
        assert run(argv, stdout=out2, stderr=err2) == 0, err2.getvalue()
    assert f"ended: {ROWS}, failed: 0, unknown: 0, refused: 0" in out2.getvalue()
    counted = Counter(dialed_numbers(emu))
    assert set(counted) == {f"+1415555{n:04d}" for n in range(ROWS)}
    assert max(counted.values()) == 1


def _read_all(fd: int, proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the other side closed (Linux: EIO)
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    return b"".join(chunks)


def test_progress_is_a_redrawn_bar_on_a_terminal(tmp_path: Path) -> None:
    """On a pseudo-terminal stderr gets one line redrawn in place (carriage returns, a
    bar of # and ., erase-to-end-of-line) ending full; the report still goes to stdout."""
    emu = emulators.create("retell", answer_after=0.01, end_after=0.03)
    csv_path, journal = _csv(tmp_path, 6), tmp_path / "j.db"
    with emulators.running(emu) as url:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "callswitch.cli", *_argv(csv_path, journal, url, "50")],
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower,
        )
        os.close(follower)
        try:
            screen = _read_all(leader, proc, 30).decode("utf-8", "replace")
            out, _ = proc.communicate(timeout=15)
        finally:
            os.close(leader)
    assert proc.returncode == 0
    assert b"ended: 6" in out
    assert screen.count("\r[") >= 3, screen
    assert "\x1b[K" in screen
    assert "[" + "#" * 20 + "] 6/6 done" in screen
    assert "[" + "." * 20 + "] 0/6 done" in screen
    assert "\n" not in screen.rstrip("\r\n").replace("\r\n", "\n").split("\r")[1]
