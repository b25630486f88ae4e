"""Per-provider create defaults, the create policy and client-side list checks."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest

import callswitch
from callswitch._kit import list_filters
from callswitch._listing import matches
from callswitch.errors import (
    ConfigurationError,
    InvalidRequestError,
    UnsupportedCapabilityError,
    UnsupportedCapabilityWarning,
)
from callswitch.models import Call, CallStatus
from callswitch_retell import _mapping as retell
from callswitch_vapi import _mapping as vapi


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("VAPI", "RETELL", "TRUEDY"):
        monkeypatch.setenv(f"{name}_API_KEY", "k-test")
        monkeypatch.delenv(f"{name}_AGENT_ID", raising=False)
        monkeypatch.delenv(f"{name}_FROM_NUMBER", raising=False)
    monkeypatch.delenv("CALLSWITCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_precedence_connect_over_env_over_file(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "callswitch.toml").write_text(
        '[providers.vapi]\nagent_id = "asst_file"\nfrom_number = "+14155550100"\n'
    )
    client = callswitch.connect("vapi")
    assert client._engine.settings.agent_id == "asst_file"
    monkeypatch.setenv("VAPI_AGENT_ID", "asst_env")
    assert callswitch.connect("vapi")._engine.settings.agent_id == "asst_env"
    assert callswitch.connect("vapi", agent_id="asst_arg")._engine.settings.agent_id == "asst_arg"
    aclient = callswitch.connect_async("vapi", from_number="+14155550199")
    assert aclient._engine.settings.from_number == "+14155550199"


def test_unknown_provider_key_names_the_known_ones(isolated: Path) -> None:
    (isolated / "callswitch.toml").write_text('[providers.vapi]\nagent = "x"\n')
    with pytest.raises(ConfigurationError, match="agent_id, from_number"):
        callswitch.connect("vapi")


@pytest.mark.parametrize(
    ("provider", "pattern"),
    [
        ("vapi", r"Vapi needs an assistant .*VAPI_AGENT_ID, or agent_id under \[providers\.vapi\]"),
        ("retell", r"Retell needs a number to call from .*RETELL_FROM_NUMBER"),
        ("truedy", r"Truedy needs an agent .*TRUEDY_AGENT_ID"),
    ],
)
def test_missing_required_value_names_its_settings(
    isolated: Path, provider: str, pattern: str
) -> None:
    client = callswitch.connect(provider, base_url="http://127.0.0.1:9")
    with pytest.raises(InvalidRequestError, match=pattern):
        client.calls.create_phone(to_number="+14155550123")


def test_missing_required_value_async(isolated: Path) -> None:
    import asyncio

    async def main() -> None:
        client = callswitch.connect_async("vapi", base_url="http://127.0.0.1:9")
        with pytest.raises(InvalidRequestError, match="VAPI_AGENT_ID"):
            await client.calls.create_phone(to_number="+14155550123")

    asyncio.run(main())


def test_create_metadata_refused_or_dropped(isolated: Path) -> None:
    strict = callswitch.connect("truedy", base_url="http://127.0.0.1:9")
    with pytest.raises(UnsupportedCapabilityError, match="create.metadata"):
        strict.calls.create_phone(to_number="+14155550123", agent_id="a", metadata={"k": 1})
    lax = callswitch.connect("truedy", base_url="http://127.0.0.1:9", on_unsupported="drop")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        kept = lax.calls._p.create_fields(
            callswitch.Capability.CALLS_CREATE_PHONE,
            {"metadata": {"k": 1}, "variables": {"a": "b"}},
        )
    assert kept == {"metadata": None, "variables": {"a": "b"}}
    assert [w.category for w in seen] == [UnsupportedCapabilityWarning]
    assert "create.metadata" in str(seen[0].message)


def _call(**fields: object) -> Call:
    return Call.model_validate({"id": "c", "provider": "p", "status": "ended", **fields})


def test_client_side_check_is_strict_on_created_at() -> None:
    after = datetime(2024, 1, 1, tzinfo=UTC)
    check = list_filters({"status": "ended", "created_after": after})
    assert matches(_call(created_at=datetime(2024, 1, 2, tzinfo=UTC)), check)
    assert not matches(_call(created_at=after), check)
    assert not matches(_call(), check)  # no created_at: no time filter passes
    assert not matches(_call(status="failed", created_at=datetime(2024, 2, 1, tzinfo=UTC)), check)


def test_status_means_the_same_on_retell_and_vapi() -> None:
    """Nobody answered: failed + no_answer on both; a mid-call error: ended + error."""
    assert retell.end_outcome("dial_no_answer") == vapi.end_outcome("customer-did-not-answer")
    assert retell.end_outcome("dial_no_answer")[0] is CallStatus.FAILED
    assert vapi.end_outcome("call.start.error-get-org")[0] is CallStatus.FAILED
    assert retell.end_outcome("error_llm_websocket_runtime")[0] is CallStatus.ENDED
    assert retell.outcome("not_connected", "user_hangup") is CallStatus.FAILED
    created = retell.to_call({"call_id": "c", "call_status": "not_connected", "end_timestamp": 1})
    assert created.created_at is not None
