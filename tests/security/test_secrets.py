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


#: JSON fields whose values grant access to a live call (listen, steer or join it).
CREDENTIAL_FIELDS = ("controlUrl", "listenUrl", "access_token", "accessToken", "joinUrl")
#: Credential-shaped values that are hand-written examples, not recordings: the truncated
#: token of Retell's own create-web-call example, and made-up Vapi monitor URLs.
EXAMPLE_CREDENTIALS = {
    "eyJhbGciOiJIUzI1NiJ9.eyJ2aWRlbyI6eyJyb29tSm9p",
    "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/vc-live-1/control",
    "wss://phone-call-websocket.example.vapi.ai/vc-live-1/listen",
}
_STAND_IN = re.compile(r"^(?:[a-z]+://[^/]+/scrubbed-\d+/[^/]+|scrubbed-token-\d+)$")


def _credential_values(text: str) -> list[str]:
    fields = "|".join(CREDENTIAL_FIELDS)
    pattern = rf'"(?:{fields})"\s*:\s*"([^"]*)"'
    return re.findall(pattern, text)


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cassette_holds_no_live_call_credential(path: Path) -> None:
    """Control and listen URLs, web-call tokens and join URLs are scrubbed to stand-ins
    (or are hand-written examples); a recording never keeps the real value."""
    text = path.read_text(encoding="utf-8", errors="replace")
    for value in _credential_values(text):
        if "/recorded/" in path.as_posix():
            assert _STAND_IN.match(value), f"{path.name} keeps a live-call credential"
        else:
            assert value in EXAMPLE_CREDENTIALS or _STAND_IN.match(value), path.name


def test_recording_scrubs_credentials_everywhere_they_appear() -> None:
    """A control URL learnt from one answer is replaced in later requests too, the same
    way each time, and a web-call token becomes a numbered stand-in."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("rec", ROOT / "scripts" / "record_cassettes.py")
    assert spec is not None
    assert spec.loader is not None
    rec = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rec)
    scrub = rec.Scrubber("http://127.0.0.1:9999", "https://api.vapi.ai")
    answer = scrub(
        '{"id":"c1","monitor":{"controlUrl":"http://127.0.0.1:9999/live/SECRET1/control",'
        '"listenUrl":"ws://127.0.0.1:9999/live/SECRET1/listen"},"access_token":"tok-SECRET2"}'
    )
    scrub.learn(answer)
    answer = scrub(answer)
    request = scrub("http://127.0.0.1:9999/live/SECRET1/control")
    assert "SECRET" not in answer + request
    assert request == "https://api.vapi.ai/scrubbed-1/control"
    assert "wss://api.vapi.ai/scrubbed-2/listen" in answer
    assert '"access_token":"scrubbed-token-3"' in answer
    scrub.learn(answer)  # learning a stand-in again changes nothing
    assert scrub(answer) == answer


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
