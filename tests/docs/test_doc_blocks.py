"""Every Python block in README.md and docs/ runs in the suite, or says why it cannot.

The convention: a block that cannot run starts with ``# Not run here: <reason>``. Every
other block is run, either below (page by page, blocks in order in one namespace, on
every provider the page claims) or by the test named in ``RUN_ELSEWHERE``.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import callswitch
from callswitch import emulators
from callswitch.emulators.pytest_plugin import EmulatorFactory

ROOT = Path(__file__).resolve().parents[2]
MARK = "# Not run here:"
PROVIDERS = ("retell", "vapi", "truedy")

#: (page, the block's first line) -> the test module that runs that block.
RUN_ELSEWHERE: dict[tuple[str, str], str] = {
    (
        "docs/campaigns.md",
        "from callswitch import emulators",
    ): "tests/campaigns/test_campaign_docs.py",
    ("docs/router.md", "import callswitch"): "tests/router/test_router_docs.py",
    ("docs/router.md", "router = callswitch.connect_router()"): "tests/router/test_router_docs.py",
    (
        "docs/router.md",
        'router.calls.control(call, LiveControl(inject_context="Caller is a VIP"))',
    ): "tests/router/test_router_docs.py",
    ("docs/observability.md", "import callswitch"): "tests/docs/test_observability_doc.py",
    ("docs/observability.md", "import logging"): "tests/docs/test_observability_doc.py",
    (
        "docs/plugins.md",
        "# plugin.py: keep it light; it is imported to register the provider",
    ): "tests/docs/test_plugins_doc.py",
    ("docs/plugins.md", "# capabilities.py"): "tests/docs/test_plugins_doc.py",
    ("docs/plugins.md", "# adapter.py"): "tests/docs/test_plugins_doc.py",
    (
        "docs/plugins.md",
        "from callswitch.testing import ProviderConformance",
    ): "tests/docs/test_plugins_doc.py",
    (
        "docs/webhooks.md",
        "from callswitch.webhooks import HmacAuth, SharedSecretAuth",
    ): "tests/webhooks/test_webhook_docs.py",
    ("docs/webhooks.md", "# receiver_app.py"): "tests/webhooks/test_webhook_docs.py",
    ("docs/webhooks.md", "# test_my_handlers.py"): "tests/webhooks/test_webhook_docs.py",
    ("docs/webhooks.md", "# asgi_app.py"): "tests/webhooks/test_webhook_docs.py",
    ("docs/webhooks.md", "# wsgi_app.py"): "tests/webhooks/test_webhook_docs.py",
    (
        "docs/emulators.md",
        "from callswitch import emulators",
    ): "tests/docs/test_docs_phone_network.py",
    ("docs/emulators.md", "# emulator_webhooks.py"): "tests/emulators/test_emulator_webhooks.py",
}

#: Pages whose remaining blocks the tests below run.
RUN_HERE = (
    "README.md",
    "docs/getting-started.md",
    "docs/switching-vendors.md",
    "docs/emulators.md",
)


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _runnable(page: Path) -> list[str]:
    """The page's blocks this module runs: not marked, not run elsewhere."""
    name = _name(page)
    return [
        b
        for b in _blocks(page)
        if not b.startswith(MARK) and (name, b.splitlines()[0]) not in RUN_ELSEWHERE
    ]


def test_every_block_is_run_or_says_why_not() -> None:
    problems = []
    claimed: set[tuple[str, str]] = set()
    for page in _pages():
        name = _name(page)
        for block in _blocks(page):
            first = block.splitlines()[0]
            if first.startswith(MARK):
                if len(first[len(MARK) :].strip()) < 10:
                    problems.append(f"{name}: say why {first!r} cannot run")
            elif (name, first) in RUN_ELSEWHERE:
                claimed.add((name, first))
            elif name not in RUN_HERE:
                problems.append(
                    f"{name}: the block starting {first!r} is neither run by a test nor "
                    f"marked '{MARK} <reason>'"
                )
    assert not problems, problems
    assert claimed == set(RUN_ELSEWHERE), "RUN_ELSEWHERE names blocks that are gone"
    for (page, _), test in RUN_ELSEWHERE.items():
        assert Path(page).name in (ROOT / test).read_text(encoding="utf-8"), (page, test)


def _run(page: str, namespace: dict[str, Any] | None = None) -> tuple[dict[str, Any], str]:
    namespace = {} if namespace is None else namespace
    out = io.StringIO()
    clients: list[callswitch.Client] = []
    try:
        with contextlib.redirect_stdout(out):
            for block in _runnable(ROOT / page):
                exec(compile(block, str(ROOT / page), "exec"), namespace)  # noqa: S102
                clients += [v for v in namespace.values() if isinstance(v, callswitch.Client)]
    finally:  # the blocks leave their clients open, as an app would until it exits
        for client in clients:
            client.close()
    return namespace, out.getvalue()


@contextlib.contextmanager
def _served(
    provider: str, monkeypatch: pytest.MonkeyPatch, **timers: float
) -> Iterator[emulators.Emulator]:
    """An emulator on a socket, and only environment variables pointing at it."""
    emu = emulators.create(provider, **timers)
    with emulators.running(emu):
        for name, value in emu.env().items():
            monkeypatch.setenv(name, value)
        prefix = provider.upper()
        monkeypatch.setenv(f"{prefix}_AGENT_ID", "agent_1")
        monkeypatch.setenv(f"{prefix}_FROM_NUMBER", "+14155550100")
        try:
            yield emu
        finally:
            emu.close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no callswitch.toml from the checkout
    for provider in PROVIDERS:
        for suffix in ("API_KEY", "AGENT_ID", "FROM_NUMBER", "BASE_URL"):
            monkeypatch.delenv(f"{provider.upper()}_{suffix}", raising=False)
    return monkeypatch


def test_readme_quick_start_runs_on_retell_from_the_environment(
    clean_env: pytest.MonkeyPatch,
) -> None:
    """Unchanged, with only environment variables: created, answered, controlled, ended."""
    with _served("retell", clean_env, answer_after=0.05, end_after=60) as emu:
        clean_env.delenv("RETELL_AGENT_ID")  # Retell creates need a caller id only
        namespace, out = _run("README.md")
        record = emu.get_call(namespace["call"].id)
    assert out.split()[0] == "ongoing"
    assert record["call_status"] == "ended"
    assert namespace["result"].applied == ("update.metadata", "update.data_storage")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_getting_started_runs_everywhere(provider: str, clean_env: pytest.MonkeyPatch) -> None:
    with _served(provider, clean_env):
        namespace, out = _run("docs/getting-started.md")
    assert namespace["call"].status == "queued"
    assert namespace["record"] is not None
    assert out.split()[1] == "queued"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_switching_vendors_runs_everywhere(provider: str, clean_env: pytest.MonkeyPatch) -> None:
    with _served(provider, clean_env) as emu:
        namespace, _ = _run("docs/switching-vendors.md")
        assert namespace["client"].provider == provider
        assert len(emu.calls) == 1


def test_emulator_page_blocks_run(callswitch_emulator: EmulatorFactory) -> None:
    """The in-process block, and the fixture example on each provider it lists."""
    namespace, _ = _run("docs/emulators.md")
    for provider in PROVIDERS:
        namespace["test_my_app"](callswitch_emulator, provider)
