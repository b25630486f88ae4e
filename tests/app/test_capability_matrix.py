"""Every cell of the provider x capability table, pinned to the vendor facts.

The expected table is written by hand from /work/shared/vendors.md (its operation tables
and "Live control at a glance"), not generated from the declarations: a wrong capability
flag is the most common bug in multi-vendor libraries, and this is where one shows up.
"""

from __future__ import annotations

import pytest

import callswitch
from callswitch import Capability

Y, N = True, False

#: capability: (retell, truedy, vapi), with the vendors.md fact behind each non-obvious cell.
EXPECTED: dict[str, tuple[bool, bool, bool]] = {
    "create.metadata": (Y, N, Y),  # Truedy POST /calls documents no metadata
    "create.variables": (Y, Y, Y),
    "list.status": (Y, Y, Y),  # filtered by callswitch where the vendor cannot
    "list.agent_id": (Y, Y, Y),
    "list.direction": (Y, Y, Y),
    "list.created_after": (Y, Y, Y),
    "list.created_before": (Y, Y, Y),
    "calls.get": (Y, Y, Y),
    "calls.list": (Y, Y, Y),
    "calls.create_phone": (Y, Y, Y),
    "calls.create_web": (Y, Y, N),  # Retell create-web-call, Truedy POST /webrtc/call
    "calls.update": (Y, Y, Y),
    "calls.control": (Y, N, Y),  # Truedy: "end / delete / live control: none documented"
    "calls.end": (Y, N, Y),  # Retell stop-call, Vapi end-call
    "calls.delete": (Y, N, Y),  # Retell delete-call, Vapi DELETE /call/{id}
    "webhooks.verify": (Y, Y, Y),
    "update.metadata": (Y, N, N),  # Truedy PATCH takes call_settings/variables; Vapi name only
    "update.variables": (Y, Y, N),  # Retell via update-live-call while ongoing; Truedy PATCH
    "update.data_storage": (Y, N, N),  # Retell data_storage_setting only
    "update.recording_enabled": (N, Y, N),  # Truedy call_settings
    "update.transcription_enabled": (N, Y, N),
    "update.greeting": (N, Y, N),
    "update.name": (N, N, Y),  # Vapi PATCH: only name
    "control.inject_context": (Y, N, Y),  # additional_context / add-message
    "control.trigger_response": (Y, N, Y),  # trigger_response / triggerResponseEnabled
    "control.variables": (Y, N, N),  # override_dynamic_variables; Vapi: none
    "control.say": (N, N, Y),
    "control.end_call": (Y, N, Y),
    "control.transfer": (N, N, Y),
    "control.mute": (N, N, Y),
}
PROVIDERS = ("retell", "truedy", "vapi")


def test_expected_table_covers_every_capability() -> None:
    assert set(EXPECTED) == {c.value for c in Capability}


@pytest.mark.parametrize("capability", sorted(EXPECTED))
def test_cell(capability: str) -> None:
    matrix = callswitch.capability_matrix()
    actual = tuple(matrix.cell(p, capability).supported for p in PROVIDERS)
    assert actual == EXPECTED[capability]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_row_has_note_and_source(provider: str) -> None:
    for row in callswitch.capability_matrix()[provider]:
        assert row.note.strip(), row.name
        assert row.source.strip(), row.name


def test_conditions_name_the_vendor_rules() -> None:
    """The rules adapters absorb are stated where users read them (capability conditions)."""
    retell = callswitch.capability_matrix()["retell"]
    assert retell["update.data_storage"].condition
    assert "restrictive" in (retell["update.data_storage"].condition or "").lower() + (
        retell["update.data_storage"].note.lower()
    )
    vapi = callswitch.capability_matrix()["vapi"]
    assert (
        "controlurl"
        in ((vapi["calls.control"].condition or "") + vapi["calls.control"].note).lower()
    )


def test_client_supports_agrees_with_the_matrix() -> None:
    matrix = callswitch.capability_matrix()
    for provider in PROVIDERS:
        client = callswitch.connect(provider, api_key="k")
        for capability in Capability:
            assert client.supports(capability) is matrix.cell(provider, capability).supported
        client.close()
