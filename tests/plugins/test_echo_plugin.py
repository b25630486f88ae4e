"""The example third-party plugin: installed with pip, discovered, conformant, usable."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import callswitch
from callswitch.testing import ProviderConformance

pytestmark = pytest.mark.usefixtures("echo_installed")

ECHO_CALL = {"id": "e1", "state": "live", "to": "+14155550123", "created": 1767225600}


def test_pip_installed_it_with_its_entry_point(echo_installed: Path) -> None:
    """The installed dist-info carries the entry point from the example's pyproject.toml."""
    (dist_info,) = echo_installed.glob("callswitch_echo-*.dist-info")
    text = (dist_info / "entry_points.txt").read_text()
    assert "[callswitch.providers]" in text
    assert "echo = callswitch_echo.plugin" in text


def test_discovered_by_callswitch_providers() -> None:
    names = callswitch.providers()
    assert "echo" in names
    assert {"retell", "truedy", "vapi"} <= set(names)


def test_registry_records_the_distribution() -> None:
    from callswitch.registry import default_registry

    spec = default_registry().get("echo")
    assert spec.package == "callswitch-echo"
    assert spec.version == "0.1.0"


def test_cli_lists_echo_with_its_package() -> None:
    import io

    from callswitch import cli

    out = io.StringIO()
    assert cli.run(["providers", "--json"], stdout=out, stderr=io.StringIO()) == 0
    row = next(r for r in json.loads(out.getvalue()) if r["name"] == "echo")
    assert row["package"] == "callswitch-echo"
    assert row["ok"] is True


def test_echo_works_end_to_end_through_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """An app uses the plugin exactly like a built-in: connect by name, key from env."""
    monkeypatch.setenv("ECHO_API_KEY", "echo-key-1")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/say"):
            return httpx.Response(200, json={})
        return httpx.Response(200, json=ECHO_CALL)

    client = callswitch.connect(
        "echo", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    call = client.calls.get("e1")
    assert call.status is callswitch.CallStatus.ONGOING
    assert call.created_at is not None
    result = client.calls.control("e1", callswitch.LiveControl(say="hi"))
    assert result.applied == ("control.say",)
    assert seen[0].headers["x-api-key"] == "echo-key-1"
    assert str(seen[1].url) == "https://api.echo-voice.invalid/v1/calls/e1/say"
    assert client.supports("calls.create_web") is False


class TestEchoConformance(ProviderConformance):
    """The suite callswitch ships for plugin authors, run against the example plugin."""

    provider = "echo"
    get_responses = (ECHO_CALL, {"id": "e2"})
    list_responses = (
        {"calls": [ECHO_CALL], "next_cursor": "abc"},
        {"calls": [], "next_cursor": None},
    )
