"""The vapi plugin registers through the entry point, loads lazily, and declares every
capability truthfully (pinned here and cross-checked against the SDK's methods)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import vapi.calls.client as sdk_calls

import callswitch
from callswitch import Capability
from callswitch.registry import default_registry

EXPECTED = {
    "create.metadata": True,
    "create.variables": True,
    "list.status": True,
    "list.agent_id": True,
    "list.direction": True,
    "list.created_after": True,
    "list.created_before": True,
    "calls.get": True,
    "calls.list": True,
    "calls.create_phone": True,
    "calls.create_web": False,
    "calls.update": True,
    "calls.control": True,
    "calls.end": True,
    "calls.delete": True,
    "webhooks.verify": True,
    "update.metadata": False,
    "update.variables": False,
    "update.data_storage": False,
    "update.recording_enabled": False,
    "update.transcription_enabled": False,
    "update.greeting": False,
    "update.name": True,
    "control.inject_context": True,
    "control.trigger_response": True,
    "control.variables": False,
    "control.say": True,
    "control.end_call": True,
    "control.transfer": True,
    "control.mute": True,
}


def test_registered_through_the_entry_point() -> None:
    assert "vapi" in callswitch.providers()
    spec = default_registry().get("vapi")
    assert spec.default_base_url == "https://api.vapi.ai"
    assert spec.api_key_env == "VAPI_API_KEY"
    assert spec.adapter == "callswitch_vapi.adapter:VapiAdapter"
    assert spec.emulator == "callswitch_vapi.emulator:create_app"
    assert spec.webhooks == "callswitch_vapi.webhooks:RULES"
    assert spec.package == "callswitch"


def test_every_cell_pinned() -> None:
    caps = callswitch.capability_matrix()["vapi"]
    assert {row.name: row.supported for row in caps} == EXPECTED
    assert set(EXPECTED) == {c.value for c in Capability}


def test_rows_say_why_and_where_from() -> None:
    for row in callswitch.capability_matrix()["vapi"]:
        assert row.note.strip(), row.name
        assert row.source.strip(), row.name
        if row.name.startswith("control.") and row.supported:
            assert row.condition is not None
            assert "monitorPlan.controlEnabled" in row.condition, row.name


def test_update_claims_match_the_sdk() -> None:
    """The SDK's calls.update takes only ``name``: nothing else may be declared updatable."""
    params = set(inspect.signature(sdk_calls.CallsClient.update).parameters)
    assert params - {"self", "id", "request_options"} == {"name"}
    updatable = {n for n, ok in EXPECTED.items() if n.startswith("update.") and ok}
    assert updatable == {"update.name"}


def test_create_web_claim_matches_the_sdk() -> None:
    """No web-call method in the SDK's calls client, so create_web is declared unsupported."""
    methods = {n for n, _ in inspect.getmembers(sdk_calls.CallsClient, inspect.isfunction)}
    assert not any("web" in name for name in methods)
    assert not callswitch.capability_matrix()["vapi"].supports("calls.create_web")


def test_plugin_import_does_not_load_the_adapter() -> None:
    """Listing and registering vapi imports neither the adapter nor the SDK."""
    code = (
        "import sys, callswitch\n"
        "from callswitch.registry import default_registry\n"
        "default_registry().get('vapi')\n"
        "print('callswitch_vapi.adapter' in sys.modules, 'vapi' in sys.modules, "
        "'callswitch_vapi.plugin' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]
