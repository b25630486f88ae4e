"""connect() refuses settings that would misroute or leak: odd timeouts, base URLs with a
query or fragment, plain http:// off this machine; and no frame keeps a key in a local."""

from __future__ import annotations

import math
import pickle
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import callswitch
from callswitch.config import Secret, Timeouts
from callswitch.errors import CallswitchError, ConfigurationError

CONNECTS: list[Callable[..., Any]] = [callswitch.connect, callswitch.connect_async]


@pytest.mark.parametrize("connect", CONNECTS)
@pytest.mark.parametrize(
    "timeout", [math.nan, math.inf, -math.inf, 1e308, -1.0, 0, 86_401, "5", True]
)
def test_timeout_must_be_finite_and_sane(connect: Callable[..., Any], timeout: Any) -> None:
    with pytest.raises(ConfigurationError, match="timeout must be a number of seconds"):
        connect("vapi", api_key="k", timeout=timeout)


@pytest.mark.parametrize(
    "kwargs", [{"total": -1.0}, {"total": math.nan}, {"connect": math.inf}, {"connect": 0}]
)
def test_timeouts_checks_its_fields(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        Timeouts(**kwargs)


def test_timeout_from_the_file_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "callswitch.toml").write_text("timeout = inf\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="timeout"):
        callswitch.connect("vapi", api_key="k")


@pytest.mark.parametrize("connect", CONNECTS)
@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com/v1?x=1",
        "https://api.example.com/v1#frag",
        "https://api.example.com?",
        "https://api.example.com/ v1",
        "https://api.example.com/\nv1",
        "https://",
    ],
)
def test_base_url_with_query_fragment_or_junk(connect: Callable[..., Any], url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        connect("vapi", api_key="k", base_url=url)


@pytest.mark.parametrize("connect", CONNECTS)
@pytest.mark.parametrize(
    "url", ["http://api.example.com", "http://10.0.0.5:8080", "http://192.168.1.1"]
)
def test_plain_http_off_this_machine_needs_opt_in(connect: Callable[..., Any], url: str) -> None:
    with pytest.raises(ConfigurationError, match="allow_insecure_http=True"):
        connect("vapi", api_key="k", base_url=url)
    client = connect("vapi", api_key="k", base_url=url, allow_insecure_http=True)
    assert client.base_url.lower().startswith("http://")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8123", "http://localhost:9", "http://[::1]:8000", "http://127.9.9.9"]
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert callswitch.connect("vapi", api_key="k", base_url=url).base_url == url


def test_base_url_from_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLSWITCH_BASE_URL", "http://proxy.corp.example")
    with pytest.raises(ConfigurationError, match="clear text"):
        callswitch.connect("vapi", api_key="k")


@pytest.mark.parametrize(
    "hosts",
    [["https://ctl.example.com"], ["*.example.com"], ["ctl.example.com."], [""], [3], 3],
)
def test_control_hosts_must_be_host_names(hosts: Any) -> None:
    with pytest.raises(ConfigurationError, match="control_hosts"):
        callswitch.connect("vapi", api_key="k", control_hosts=hosts)


def test_control_hosts_reach_the_settings() -> None:
    client = callswitch.connect("vapi", api_key="k", control_hosts=["Ctl.Example.COM"])
    assert client._engine.settings.control_hosts == ("ctl.example.com",)


# ----------------------------------------------------------------------------- Secret


@pytest.mark.parametrize("value", ["\u00e9", "cl\u00e9-\u2603", "\ud800"])
def test_secret_compares_non_ascii(value: str) -> None:
    assert Secret(value) == Secret(value)
    assert Secret(value) != Secret(value + "x")
    assert Secret(value) != Secret("ascii")


# ------------------------------------------------------------------- traceback locals

KEYS = {
    "RETELL_API_KEY": "sk_retell_LOCALS_aaaaaaaaaaaaaaaa",
    "VAPI_API_KEY": "sk_vapi_LOCALS_bbbbbbbbbbbbbbbbbb",
    "TRUEDY_API_KEY": "sk_truedy_LOCALS_cccccccccccccccc",
}
ARG_KEY = "sk_arg_LOCALS_dddddddddddddddddddd"
CANARY = "env-canary-LOCALS-eeeeeeeeeeeeeeee"


def _with_locals(exc: BaseException) -> str:
    te = traceback.TracebackException.from_exception(exc, capture_locals=True)
    return "".join(te.format(chain=True))


def _config_errors() -> list[Callable[[], Any]]:
    return [
        lambda: callswitch.connect("vapi", timeout=math.nan),
        lambda: callswitch.connect("retell", base_url="https://x.example/?q"),
        lambda: callswitch.connect("truedy", base_url="http://plain.example"),
        lambda: callswitch.connect("vapi", max_retries=-1),
        lambda: callswitch.connect("vapi", on_unsupported="nope"),  # type: ignore[arg-type]
        lambda: callswitch.connect("vapi", api_key=ARG_KEY, timeout=-1),
        lambda: callswitch.connect("vapi", api_key=ARG_KEY + " x"),
        lambda: callswitch.connect("vapi", api_key=ARG_KEY, control_hosts=["*"]),
        lambda: callswitch.connect_async("retell", api_key=ARG_KEY, timeout=math.inf),
        lambda: callswitch.connect("nope", api_key=ARG_KEY),
        lambda: callswitch.connect_router(["retell", "vapi"], api_key=ARG_KEY, timeout=0),
        lambda: callswitch.connect_router_async(["vapi"], api_key=ARG_KEY, base_url="https://x?"),
    ]


@pytest.fixture
def _keys_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("UNRELATED_SETTING", CANARY)


@pytest.mark.usefixtures("_keys_in_env")
@pytest.mark.parametrize("index", range(len(_config_errors())))
def test_no_key_or_environment_in_traceback_locals(index: int) -> None:
    """A config error printed with every frame's locals (Sentry, rich) shows no key, no
    other provider's key and nothing of the environment."""
    with pytest.raises(CallswitchError) as info:
        _config_errors()[index]()
    text = _with_locals(info.value)
    assert "resolve" in text or "connect" in text  # the frames were really captured
    for secret in [*KEYS.values(), ARG_KEY, CANARY]:
        assert secret not in text
        assert secret[:20] not in text
    assert "environ(" not in text
    assert ARG_KEY not in repr(pickle.dumps(info.value))
