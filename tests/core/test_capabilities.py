"""Capability declarations: complete, unique, queryable, comparable."""

from __future__ import annotations

import pytest

from callswitch.capabilities import (
    CONTROL_FIELDS,
    UPDATE_FIELDS,
    Capabilities,
    Capability,
    CapabilityMatrix,
    Support,
)
from callswitch.errors import ConfigurationError, InvalidRequestError
from callswitch.models import CallUpdate, LiveControl


def _all(provider: str, unsupported: set[Capability] = frozenset()) -> Capabilities:  # type: ignore[assignment]
    return Capabilities(
        provider, tuple(Support(c, c not in unsupported, "n", "s") for c in Capability)
    )


def test_contract_names() -> None:
    names = {c.value for c in Capability}
    assert {"calls.get", "webhooks.verify", "update.name", "control.mute"} <= names
    assert {
        "create.metadata",
        "create.variables",
        "list.status",
        "list.agent_id",
        "list.direction",
        "list.created_after",
        "list.created_before",
    } <= names
    assert len(names) == 30


def test_every_model_field_has_a_capability() -> None:
    assert set(UPDATE_FIELDS) == set(CallUpdate.model_fields)
    assert set(CONTROL_FIELDS) == set(LiveControl.model_fields)


def test_missing_declaration_is_a_configuration_error() -> None:
    rows = tuple(Support(c, True, "n", "s") for c in Capability if c is not Capability.CONTROL_SAY)
    with pytest.raises(ConfigurationError, match=r"'acme' does not declare control.say"):
        Capabilities("acme", rows)


def test_duplicate_declaration_refused() -> None:
    rows = tuple(Support(c, True, "n", "s") for c in Capability)
    with pytest.raises(ConfigurationError, match="twice"):
        Capabilities("acme", (*rows, Support("calls.get", True, "n", "s")))


def test_unknown_capability_name_lists_known() -> None:
    with pytest.raises(InvalidRequestError, match=r"unknown capability 'calls.fly'.*calls.get"):
        _all("a").supports("calls.fly")


def test_supports_by_name_and_enum() -> None:
    caps = _all("a", {Capability.CONTROL_SAY})
    assert caps.supports("calls.get") is True
    assert caps.supports(Capability.CONTROL_SAY) is False
    assert caps.unsupported_of(["control.say", "calls.get"]) == (Capability.CONTROL_SAY,)
    assert len(list(caps)) == len(Capability)


def test_matrix_compare_and_markdown() -> None:
    matrix = CapabilityMatrix(
        (_all("a", {Capability.CONTROL_SAY}), _all("b", {Capability.CALLS_END}))
    )
    gained, lost = matrix.compare("a", "b")
    assert gained == (Capability.CONTROL_SAY,)
    assert lost == (Capability.CALLS_END,)
    md = matrix.to_markdown()
    assert "| `control.say` | no | yes |" in md
    assert matrix.cell("b", "calls.end").supported is False


def test_support_mark_and_dict_are_what_the_cli_prints() -> None:
    """One rendering of a row, shared by the CLI grid and its JSON."""
    plain = Support(Capability.CALLS_GET, True, "n", "https://example.invalid/get")
    limited = Support(Capability.CALLS_END, True, "n", "s", condition="while ongoing")
    missing = Support(Capability.CALLS_DELETE, False, "n", "s")
    assert [plain.mark, limited.mark, missing.mark] == ["yes", "yes*", "no"]
    assert limited.to_dict() == {
        "capability": "calls.end",
        "supported": True,
        "condition": "while ongoing",
        "note": "n",
        "source": "s",
    }


def test_conditions_changed_lists_only_rows_both_support() -> None:
    def caps(provider: str, condition: str | None, end: bool = True) -> Capabilities:
        rows = [
            Support(c, True, "n", "s")
            for c in Capability
            if c not in (Capability.CALLS_CONTROL, Capability.CALLS_END)
        ]
        rows.append(Support(Capability.CALLS_CONTROL, True, "n", "s", condition=condition))
        rows.append(Support(Capability.CALLS_END, end, "n", "s", condition=provider))
        return Capabilities(provider, rows)

    matrix = CapabilityMatrix((caps("a", None), caps("b", "only while ongoing", end=False)))
    assert matrix.conditions_changed("a", "b") == (Capability.CALLS_CONTROL,)
    assert matrix.conditions_changed("a", "a") == ()
