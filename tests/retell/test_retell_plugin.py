"""The Retell plugin: registration, lazy loading, and the capability declarations."""

from __future__ import annotations

import subprocess
import sys

import pytest

import callswitch
from callswitch.capabilities import Capability
from callswitch.provider import Adapter
from callswitch.registry import default_registry
from callswitch_retell.adapter import RetellAdapter
from callswitch_retell.capabilities import CAPABILITIES

UNSUPPORTED = {
    "update.recording_enabled",
    "update.transcription_enabled",
    "update.greeting",
    "update.name",
    "control.say",
    "control.transfer",
    "control.mute",
}


def test_registered_through_the_entry_point() -> None:
    assert "retell" in callswitch.providers()
    spec = default_registry().get("retell")
    assert spec.adapter == "callswitch_retell.adapter:RetellAdapter"
    assert spec.default_base_url == "https://api.retellai.com"
    assert spec.api_key_env == "RETELL_API_KEY"
    assert spec.emulator == "callswitch_retell.emulator:create_app"
    assert spec.webhooks == "callswitch_retell.webhooks:RULES"
    assert spec.description
    assert spec.load_adapter() is RetellAdapter


def test_plugin_import_is_light() -> None:
    """Importing the plugin loads neither the adapter nor the mapping."""
    code = (
        "import sys, callswitch_retell.plugin as p; "
        "assert p.SPEC.name == 'retell'; "
        "heavy = [m for m in ('callswitch_retell.adapter', 'callswitch_retell._mapping') "
        "if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_one_row_per_capability_with_note_and_source() -> None:
    assert {row.capability for row in CAPABILITIES} == set(Capability)
    assert len(CAPABILITIES) == len(Capability)
    for row in CAPABILITIES:
        assert row.note.strip(), row.name
        assert row.source.strip(), row.name


def test_unsupported_set() -> None:
    assert {row.name for row in CAPABILITIES if not row.supported} == UNSUPPORTED


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("update.data_storage", "more restrictive"),
        ("update.metadata", "50 kB"),
        ("update.variables", "ongoing"),
        ("control.inject_context", "ongoing"),
        ("control.trigger_response", "ongoing"),
        ("control.variables", "ongoing"),
        ("control.end_call", "ongoing"),
        ("calls.control", "ongoing"),
        ("calls.end", "ongoing"),
        ("calls.create_phone", "from_number"),
    ],
)
def test_conditions(name: str, fragment: str) -> None:
    row = CAPABILITIES[name]
    assert row.supported
    assert row.condition is not None
    assert fragment in row.condition


def test_update_routing_is_explained_in_the_note() -> None:
    note = CAPABILITIES["calls.update"].note
    assert "update-live-call" in note
    assert "2026-08-31" in note


def test_client_answers_from_the_declarations() -> None:
    client = callswitch.connect("retell", api_key="k")
    try:
        for row in CAPABILITIES:
            assert client.supports(row.name) is row.supported
            assert client.supports(row.capability) is row.supported
        assert client.provider == "retell"
    finally:
        client.close()


@pytest.mark.parametrize(
    ("capability", "method"),
    [
        ("calls.get", "get"),
        ("calls.list", "list_page"),
        ("calls.create_phone", "create_phone"),
        ("calls.create_web", "create_web"),
        ("calls.update", "update"),
        ("calls.control", "control"),
        ("calls.end", "end"),
        ("calls.delete", "delete"),
    ],
)
def test_every_supported_operation_is_implemented(capability: str, method: str) -> None:
    assert CAPABILITIES[capability].supported
    assert getattr(RetellAdapter, method) is not getattr(Adapter, method)


def test_missing_key_names_the_variable() -> None:
    from callswitch.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="RETELL_API_KEY"):
        callswitch.connect("retell")
