"""Every Truedy capability cell, pinned to Truedy's public API reference (docs.truedy.ai)."""

from __future__ import annotations

import pytest

from callswitch.capabilities import Capability
from callswitch_truedy.capabilities import CAPABILITIES

SUPPORTED = {
    Capability.CREATE_VARIABLES,
    Capability.LIST_STATUS,
    Capability.LIST_AGENT_ID,
    Capability.LIST_DIRECTION,
    Capability.LIST_CREATED_AFTER,
    Capability.LIST_CREATED_BEFORE,
    Capability.CALLS_GET,
    Capability.CALLS_LIST,
    Capability.CALLS_CREATE_PHONE,
    Capability.CALLS_CREATE_WEB,
    Capability.CALLS_UPDATE,
    Capability.WEBHOOKS_VERIFY,
    Capability.UPDATE_VARIABLES,
    Capability.UPDATE_RECORDING_ENABLED,
    Capability.UPDATE_TRANSCRIPTION_ENABLED,
    Capability.UPDATE_GREETING,
}


@pytest.mark.parametrize("capability", list(Capability), ids=str)
def test_cell(capability: Capability) -> None:
    row = CAPABILITIES[capability]
    assert row.supported is (capability in SUPPORTED)
    assert row.note.strip()
    assert "truedy" in row.source.lower()


def test_every_control_is_unsupported() -> None:
    controls = [c for c in Capability if c.value.startswith("control.")]
    assert len(controls) == 7
    assert not any(CAPABILITIES.supports(c) for c in controls)


@pytest.mark.parametrize(
    "capability",
    [
        "update.variables",
        "update.recording_enabled",
        "update.transcription_enabled",
        "update.greeting",
    ],
)
def test_update_fields_say_the_live_effect_is_undocumented(capability: str) -> None:
    condition = CAPABILITIES[capability].condition
    assert condition is not None
    assert "in progress" in condition
    assert "undocumented" in condition


def test_patch_claims_cite_the_update_call_page() -> None:
    for name in ("calls.update", "update.variables", "update.greeting", "update.metadata"):
        assert "https://docs.truedy.ai/api-reference/calls/update-call" in CAPABILITIES[name].source


def test_one_row_per_capability() -> None:
    assert len(CAPABILITIES) == len(Capability)
    assert CAPABILITIES.provider == "truedy"
