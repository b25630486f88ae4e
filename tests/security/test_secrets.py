"""API keys never reach a repr, an exception, a log record or a cassette."""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import httpx
import pytest

import callswitch
from callswitch import CallUpdate, LiveControl
from callswitch.errors import CallswitchError, UnsupportedCapabilityWarning

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk_live_Zq8xVv3Nn2Kk7Tt5Rr9Ww1Yy4Uu6"

#: Shapes of real-looking credentials: bearer values, sk_/key_ prefixed tokens, long hex/base64.
KEY_SHAPES = [
    re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\b(?:sk|key|pk|api)[_-][A-Za-z0-9_-]{16,}"),
]
#: Values that look like keys but are documented placeholders in vendor examples.
ALLOWED = {"YOUR_RETELL_API_KEY"}


def _cassettes() -> list[Path]:
    return sorted(p for p in (ROOT / "cassettes").rglob("*") if p.is_file())


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cassette_holds_no_credentials(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert not re.search(
        r"(?im)^\s*-?\s*['\"]?(authorization|x-api-key|x-vapi-secret)['\"]?\s*:", text
    )
    for shape in KEY_SHAPES:
        hits = [m for m in shape.findall(text) if m not in ALLOWED]
        assert not hits, f"{path.name} holds something shaped like a key: {hits[:3]}"


def test_there_are_cassettes_for_every_builtin_provider() -> None:
    folders = {p.parent.name for p in _cassettes()}
    assert {"retell", "truedy", "vapi"} <= folders


def _refused_without_error(provider: str) -> int:
    """Attempts that drop mode turns into a no-op result: live control on a provider
    without it (everything dropped, nothing sent, no error)."""
    return 0 if callswitch.capability_matrix()[provider].supports("calls.control") else 1


def _failing(request: httpx.Request) -> httpx.Response:
    if request.method == "GET":
        return httpx.Response(401, json={"message": "invalid key", "status": "error"})
    if request.method == "PATCH":
        return httpx.Response(500, json={"message": "boom", "status": "error"})
    raise httpx.ReadError("connection dropped")


@pytest.mark.parametrize("provider", callswitch.providers())
def test_key_absent_from_reprs_errors_and_logs(
    provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Drive every failure path with DEBUG logging on; the key shows up nowhere."""
    seen: list[str] = []
    http = httpx.Client(transport=httpx.MockTransport(_failing))
    client = callswitch.connect(
        provider, api_key=KEY, http_client=http, max_retries=1, on_unsupported="drop"
    )
    seen += [repr(client), str(client), repr(client._engine.settings), repr(client.capabilities)]
    attempts = [
        lambda: client.calls.get("c1"),
        lambda: client.calls.update(
            "c1", CallUpdate(metadata={"a": "b"}, name="n", variables={"v": "1"})
        ),
        lambda: client.calls.control("c1", LiveControl(inject_context="x", say="y")),
        lambda: client.calls.end("c1"),
    ]
    failures = 0
    with caplog.at_level(logging.DEBUG), warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsupportedCapabilityWarning)  # drop mode is on purpose
        for attempt in attempts:
            try:
                attempt()
            except CallswitchError as exc:
                failures += 1
                seen += [str(exc), repr(exc), repr(vars(exc)), *getattr(exc, "__notes__", [])]
    # Every path failed (401, 500, dropped connection) or was refused, and so was looked at.
    assert failures == len(attempts) - _refused_without_error(provider)
    seen += [r.getMessage() for r in caplog.records]
    seen += [repr(r.__dict__) for r in caplog.records]
    blob = "\n".join(seen)
    assert KEY not in blob
    assert KEY[8:24] not in blob
