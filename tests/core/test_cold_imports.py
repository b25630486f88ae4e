"""Cold start: what ``connect()`` and ``webhooks.parse()`` import, and that every public
name still imports when its module loads it on first access (PEP 562).

Each check runs in a fresh interpreter, since a name or module loaded once stays loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Never needed to connect: webhooks, routers, campaigns, emulators, OpenTelemetry, Redis.
NOT_FOR_CONNECT = (
    "callswitch.webhooks",
    "callswitch.router",
    "callswitch.campaigns",
    "callswitch.emulators",
    "callswitch.otel",
    "opentelemetry",
    "redis",
    "sqlite3",
)

#: Never needed to verify and parse one webhook (a serverless handler's whole job).
NOT_FOR_PARSE = (
    "callswitch.client",
    "callswitch.calls",
    "callswitch._engine",
    "callswitch._retry",
    "callswitch._faults",
    "callswitch._observe",
    "callswitch.webhooks._receiver",
    "callswitch.webhooks._stores",
    "callswitch.webhooks._redis_store",
    "callswitch.webhooks._dedupe",
    "callswitch.otel",
    "asyncio",
    "sqlite3",
    "redis",
)


def _loaded(code: str, prefixes: tuple[str, ...]) -> list[str]:
    """Modules starting with one of ``prefixes`` that a fresh interpreter has after ``code``."""
    script = (
        code + "\nimport sys, json\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {prefixes!r}"
        f" and any(m == p or m.startswith(p + '.') for p in {prefixes!r}))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def _roots(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({name.split(".")[0] for name in names}))


def test_connect_to_every_provider_imports_no_webhook_router_or_otel_code() -> None:
    code = (
        "import callswitch\n"
        "for p in ('retell', 'vapi', 'truedy'):\n"
        "    callswitch.connect(p, api_key='k')"
    )
    loaded = _loaded(code, _roots(NOT_FOR_CONNECT))
    assert [m for m in loaded if m.startswith(NOT_FOR_CONNECT)] == []


def test_parsing_one_webhook_imports_no_client_receiver_or_store(retell_event: str) -> None:
    code = f"import callswitch.webhooks\n{retell_event}"
    loaded = _loaded(code, _roots(NOT_FOR_PARSE))
    assert "callswitch.webhooks._api" in loaded  # the check looks at the right modules
    assert [m for m in loaded if m.startswith(NOT_FOR_PARSE)] == []


@pytest.fixture
def retell_event() -> str:
    """Code that parses one signed Retell ``call_ended`` event and prints its type."""
    return (
        "import hmac, hashlib, json\n"
        "body = json.dumps({'event': 'call_ended', 'call': {'call_id': 'c1',"
        " 'call_type': 'web_call', 'agent_id': 'a', 'call_status': 'ended'}}).encode()\n"
        "stamp = 1_800_000_000_000\n"
        "digest = hmac.new(b'key_x', body + str(stamp).encode(), hashlib.sha256).hexdigest()\n"
        "event = callswitch.webhooks.parse('retell', headers={'x-retell-signature':"
        " f'v={stamp},d={digest}'}, body=body, secret='key_x', now=stamp / 1000)\n"
        "assert event.type.value == 'call.ended', event.type\n"
    )


@pytest.mark.parametrize(
    "module", ["callswitch", "callswitch.webhooks", "callswitch.plugin", "callswitch.provider"]
)
def test_every_public_name_imports_from_a_fresh_interpreter(module: str) -> None:
    """``from <module> import <name>`` for each name in ``__all__``, and ``import *``,
    each before anything else loaded it; ``dir()`` lists every name."""
    code = (
        f"import importlib, {module} as m\n"
        "names = list(m.__all__)\n"
        "missing = sorted(set(names) - set(dir(m)))\n"
        "assert not missing, missing\n"
        "for name in names:\n"
        f"    exec(f'from {module} import {{name}}', {{}})\n"
        "star = {}\n"
        f"exec('from {module} import *', star)\n"
        "assert set(names) <= set(star), sorted(set(names) - set(star))\n"
        "print(len(names))"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert int(out.stdout.strip()) > 5


def test_lazy_names_are_the_objects_from_their_homes() -> None:
    """A name loaded on first access is the defining module's object, not a copy."""
    import callswitch
    import callswitch.client
    import callswitch.plugin
    import callswitch.webhooks
    import callswitch.webhooks._receiver
    import callswitch.webhooks._rules
    import callswitch.webhooks._stores

    assert callswitch.Client is callswitch.client.Client
    assert callswitch.AsyncClient is callswitch.client.AsyncClient
    assert callswitch.webhooks.Receiver is callswitch.webhooks._receiver.Receiver
    assert callswitch.webhooks.SQLiteStore is callswitch.webhooks._stores.SQLiteStore
    assert callswitch.plugin.WebhookRules is callswitch.webhooks._rules.WebhookRules
    import callswitch._retry
    import callswitch.provider

    assert callswitch.plugin.parse_retry_after is callswitch._retry.parse_retry_after
    assert callswitch.provider.parse_retry_after is callswitch._retry.parse_retry_after
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = callswitch.provider.Nope  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = callswitch.webhooks.Nope  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = callswitch.plugin.Nope  # type: ignore[attr-defined]
