"""``Client.from_spec`` / ``AsyncClient.from_spec``: the public way to build a client from a
spec, and the only way callswitch's own callers build one."""

from __future__ import annotations

import ast
from pathlib import Path

import anyio
import httpx
import pytest

import callswitch
from callswitch.config import Secret, Settings
from callswitch.errors import ConfigurationError
from callswitch.registry import default_registry

SRC = Path(callswitch.__file__).parent
#: The engine's own modules: the only ones that may name ``_Engine``.
ENGINE_MODULES = {"_engine.py", "client.py", "calls.py", "_listing.py"}


def _settings(name: str) -> Settings:
    return Settings(provider=name, api_key=Secret("k-spec"), base_url="https://spec.invalid")


def _answer(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "c1", "status": "ongoing"})

    return httpx.MockTransport(handler)


def test_from_spec_builds_a_working_sync_client(fake_provider: str) -> None:
    """The client talks to the settings' base URL with the settings' key."""
    spec = default_registry().get(fake_provider)
    seen: list[httpx.Request] = []
    client = callswitch.Client.from_spec(
        spec, _settings(fake_provider), httpx.Client(transport=_answer(seen))
    )
    assert client.provider == fake_provider
    assert client.base_url == "https://spec.invalid"
    assert client.calls.get("c1").id == "c1"
    assert str(seen[0].url).startswith("https://spec.invalid/")
    assert seen[0].headers["authorization"] == "Bearer k-spec"


def test_from_spec_builds_a_working_async_client(fake_provider: str) -> None:
    spec = default_registry().get(fake_provider)
    seen: list[httpx.Request] = []
    client = callswitch.AsyncClient.from_spec(
        spec, _settings(fake_provider), httpx.AsyncClient(transport=_answer(seen))
    )

    async def main() -> str:
        return (await client.calls.get("c1")).id

    assert anyio.run(main) == "c1"
    assert len(seen) == 1


def test_from_spec_refuses_the_other_kind_of_http_client(fake_provider: str) -> None:
    spec = default_registry().get(fake_provider)
    with pytest.raises(ConfigurationError, match="httpx.Client"):
        callswitch.Client.from_spec(spec, _settings(fake_provider), httpx.AsyncClient())  # type: ignore[arg-type]


def test_connect_builds_through_from_spec(
    fake_provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """connect() and connect_async() hand their resolved spec and settings to from_spec."""
    calls: list[tuple[str, str]] = []
    real_sync, real_async = callswitch.Client.from_spec, callswitch.AsyncClient.from_spec

    def sync(spec, settings, http_client=None):  # type: ignore[no-untyped-def]
        calls.append(("sync", settings.provider))
        return real_sync(spec, settings, http_client)

    def asynchronous(spec, settings, http_client=None):  # type: ignore[no-untyped-def]
        calls.append(("async", settings.provider))
        return real_async(spec, settings, http_client)

    monkeypatch.setattr(callswitch.Client, "from_spec", sync)
    monkeypatch.setattr(callswitch.AsyncClient, "from_spec", asynchronous)
    callswitch.connect(fake_provider, api_key="k")
    callswitch.connect_async(fake_provider, api_key="k")
    assert calls == [("sync", fake_provider), ("async", fake_provider)]


def test_nothing_outside_the_engine_names_the_engine() -> None:
    """``_Engine`` is private to the engine modules: everyone else uses from_spec."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.relative_to(SRC).as_posix() in ENGINE_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name | ast.Attribute | ast.alias):
                name = getattr(node, "id", None) or getattr(node, "attr", None)
                name = name or getattr(node, "name", None)
                if name == "_Engine":
                    offenders.append(path.relative_to(SRC).as_posix())
    assert offenders == []
