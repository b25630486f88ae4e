"""Configuration: arguments beat environment beat callswitch.toml; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import callswitch
from callswitch.config import Secret
from callswitch.errors import ConfigurationError


def test_missing_key_names_the_variable(fake_provider: str) -> None:
    with pytest.raises(
        ConfigurationError, match="no API key for fake: pass api_key= .* FAKE_API_KEY"
    ):
        callswitch.connect(fake_provider)


def test_blank_key_is_missing(fake_provider: str) -> None:
    with pytest.raises(ConfigurationError, match="FAKE_API_KEY"):
        callswitch.connect(fake_provider, api_key="   ")


@pytest.mark.parametrize(
    "key",
    ["k\u00e9y-secret-1", "\u200bkey-secret-2", "key\nsecret-3", "key secret-4", "key\x00secret-5"],
)
def test_key_that_cannot_travel_in_a_header_is_refused_without_showing_it(
    fake_provider: str, key: str
) -> None:
    """A non-ASCII, whitespace or control character (a stray copy) fails at connect(),
    not at the first request, where httpx or h11 would raise with the key in the error."""
    with pytest.raises(ConfigurationError, match="cannot travel in an HTTP header") as info:
        callswitch.connect(fake_provider, api_key=key)
    assert key not in str(info.value)
    assert "secret" not in str(info.value) + repr(info.value)  # no part of the key either
    assert info.value.__context__ is None
    assert info.value.__cause__ is None


def test_surrounding_whitespace_is_trimmed_not_refused(fake_provider: str) -> None:
    client = callswitch.connect(fake_provider, api_key="  k-secret\n")
    assert client._engine.settings.api_key.get_secret_value() == "k-secret"


def test_unknown_provider_lists_installed(fake_provider: str) -> None:
    with pytest.raises(ConfigurationError, match=r"unknown provider 'nope'.*fake"):
        callswitch.connect("nope", api_key="k")


def test_no_provider_anywhere() -> None:
    with pytest.raises(ConfigurationError, match="CALLSWITCH_PROVIDER"):
        callswitch.connect(api_key="k")


def test_env_provides_provider_key_and_url(
    fake_provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLSWITCH_PROVIDER", fake_provider)
    monkeypatch.setenv("FAKE_API_KEY", "env-key")
    monkeypatch.setenv("CALLSWITCH_BASE_URL", "http://127.0.0.1:9/")
    client = callswitch.connect()
    assert client.provider == "fake"
    assert client.base_url == "http://127.0.0.1:9"
    assert client._engine.settings.api_key.get_secret_value() == "env-key"


def test_arguments_beat_environment(fake_provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_API_KEY", "env-key")
    monkeypatch.setenv("CALLSWITCH_BASE_URL", "https://env.invalid")
    client = callswitch.connect(fake_provider, api_key="arg-key", base_url="https://arg.invalid")
    assert client.base_url == "https://arg.invalid"
    assert client._engine.settings.api_key.get_secret_value() == "arg-key"


def test_toml_file_is_read_and_env_beats_it(
    fake_provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "callswitch.toml").write_text(
        'provider = "fake"\nmax_retries = 5\non_unsupported = "drop"\ntimeout = 3\n'
        '[providers.fake]\nbase_url = "https://file.invalid"\napi_key_env = "OTHER_KEY"\n'
    )
    monkeypatch.setenv("OTHER_KEY", "k-from-other")
    client = callswitch.connect()
    s = client._engine.settings
    assert (client.provider, client.base_url, s.max_retries, s.on_unsupported) == (
        "fake",
        "https://file.invalid",
        5,
        "drop",
    )
    assert s.timeout.total == 3.0
    assert s.api_key.get_secret_value() == "k-from-other"
    monkeypatch.setenv("CALLSWITCH_BASE_URL", "https://env.invalid")
    assert callswitch.connect().base_url == "https://env.invalid"


def test_toml_must_not_hold_keys(fake_provider: str, tmp_path: Path) -> None:
    (tmp_path / "callswitch.toml").write_text(
        'provider = "fake"\n[providers.fake]\napi_key = "x"\n'
    )
    with pytest.raises(ConfigurationError, match="must not hold API keys"):
        callswitch.connect()


def test_named_config_file_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALLSWITCH_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigurationError, match="does not exist"):
        callswitch.connect("fake", api_key="k")


def test_bad_toml(tmp_path: Path) -> None:
    (tmp_path / "callswitch.toml").write_text("provider = ")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        callswitch.connect(api_key="k")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"on_unsupported": "ignore"}, "on_unsupported"),
        ({"timeout": 0}, "timeout"),
        ({"base_url": "ftp://x"}, "base_url"),
    ],
)
def test_bad_settings(fake_provider: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        callswitch.connect(fake_provider, api_key="k", **kwargs)  # type: ignore[arg-type]


def test_secret_hides_itself() -> None:
    secret = Secret("sk-live-abcdef")
    assert "abcdef" not in repr(secret)
    assert "abcdef" not in str(secret)
    assert "abcdef" not in f"{secret!r} {secret}"
    assert secret == Secret("sk-live-abcdef")
    assert secret.get_secret_value() == "sk-live-abcdef"
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_secret_accepted_as_api_key(fake_provider: str) -> None:
    client = callswitch.connect(fake_provider, api_key=Secret("k-1"))
    assert client._engine.settings.api_key.get_secret_value() == "k-1"
    assert "k-1" not in repr(client._engine.settings)
    assert "k-1" not in repr(client)


def test_wrong_http_client_kind(fake_provider: str) -> None:
    import httpx

    with pytest.raises(ConfigurationError, match="httpx.Client"):
        callswitch.connect(fake_provider, api_key="k", http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="httpx.AsyncClient"):
        callswitch.connect_async(fake_provider, api_key="k", http_client=httpx.Client())  # type: ignore[arg-type]


def test_base_url_with_credentials_refused(fake_provider: str) -> None:
    with pytest.raises(ConfigurationError, match="must not carry credentials"):
        callswitch.connect(fake_provider, api_key="k", base_url="https://user:pw@proxy.invalid")


# ------------------------------------------------------------------ the file's schema


def _write(tmp_path: Path, text: str) -> None:
    (tmp_path / "callswitch.toml").write_text(text)


def test_providers_that_is_not_a_table_is_a_configuration_error(
    fake_provider: str, tmp_path: Path
) -> None:
    """`providers = 1` was an AttributeError from inside connect()."""
    _write(tmp_path, 'provider = "fake"\nproviders = 1\n')
    with pytest.raises(ConfigurationError, match=r"providers .*must be a table") as info:
        callswitch.connect(api_key="k")
    assert "\n" not in str(info.value)


def test_provider_entry_that_is_not_a_table_is_refused(fake_provider: str, tmp_path: Path) -> None:
    _write(tmp_path, 'provider = "fake"\n[providers]\nvapi = "x"\n')
    with pytest.raises(ConfigurationError, match=r"\[providers\.vapi\].*must be a table"):
        callswitch.connect(api_key="k")


def test_misspelt_top_level_key_is_named_with_the_known_keys(
    fake_provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`provder = "vapi"` was silently ignored."""
    monkeypatch.setenv("CALLSWITCH_PROVIDER", "fake")
    _write(tmp_path, 'provder = "vapi"\n')
    with pytest.raises(ConfigurationError) as info:
        callswitch.connect(api_key="k")
    message = str(info.value)
    assert "'provder'" in message
    assert "did you mean 'provider'" in message
    for known in ("provider", "providers", "timeout", "max_retries", "on_unsupported"):
        assert known in message


def test_unknown_key_in_a_provider_table_is_named_with_the_known_keys(
    fake_provider: str, tmp_path: Path
) -> None:
    _write(tmp_path, 'provider = "fake"\n[providers.fake]\nbase_ulr = "http://x.invalid"\n')
    with pytest.raises(ConfigurationError) as info:
        callswitch.connect(api_key="k")
    message = str(info.value)
    assert "'base_ulr'" in message
    assert "[providers.fake]" in message
    assert "base_url" in message
    assert "api_key_env" in message


def test_key_in_another_providers_table_is_refused_too(fake_provider: str, tmp_path: Path) -> None:
    """An API key in the file is refused even under a provider not in use."""
    _write(tmp_path, 'provider = "fake"\n[providers.vapi]\napi_key = "sk-in-the-file-42"\n')
    with pytest.raises(ConfigurationError, match="must not hold API keys") as info:
        callswitch.connect(api_key="k")
    assert "sk-in-the-file-42" not in str(info.value)


def test_file_schema_errors_are_one_line_in_the_cli(
    fake_provider: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from callswitch import cli

    _write(tmp_path, 'provider = "fake"\nproviders = 1\n')
    assert cli.main(["calls", "get", "c1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("callswitch: error: ")
    assert len(err.splitlines()) == 1
