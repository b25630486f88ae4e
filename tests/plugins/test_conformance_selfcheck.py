"""The conformance suite catches the defects it promises to catch (and passes a good plugin).

Each defective adapter differs from a good one (tests/fakeprovider.py) in one way; the
matching check of ``ProviderConformance`` must fail on it.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pytest

import fakeprovider
from callswitch.capabilities import Capabilities, Capability
from callswitch.hookspecs import hookimpl
from callswitch.http import Plan, Request, Safety
from callswitch.models import Call, CallStatus, ControlResult, LiveControl
from callswitch.provider import ProviderSpec
from callswitch.testing import ProviderConformance

MODULE = "callswitch_selfcheck_adapters"
GOOD_BODY = {"id": "c1", "status": "ongoing"}


class MissingDelete(fakeprovider.FakeAdapter):
    """Declares calls.delete (see CAPS_WITH_DELETE) but never implements it."""


class AbsolutePath(fakeprovider.FakeAdapter):
    def get(self, call_id: str) -> Plan[Call]:
        response = yield Request("GET", f"https://fake.invalid/api/calls/{call_id}")
        return fakeprovider.to_call(response.json_object())


_STATUS = {"ongoing": CallStatus.ONGOING, "ended": CallStatus.ENDED}


class StrictStatus(fakeprovider.FakeAdapter):
    def get(self, call_id: str) -> Plan[Call]:
        response = yield Request("GET", f"/calls/{call_id}")
        data = response.json_object()
        return Call(id=data["id"], provider="fake", status=_STATUS[data["status"]], raw=data)


class ForgetsRaw(fakeprovider.FakeAdapter):
    def get(self, call_id: str) -> Plan[Call]:
        response = yield Request("GET", f"/calls/{call_id}")
        data = response.json_object()
        return Call(id=data["id"], provider="fake", raw={"id": data["id"]})


class RepeatableControl(fakeprovider.FakeAdapter):
    def control(
        self, call_id: str, control: LiveControl, options: Mapping[str, Any]
    ) -> Plan[ControlResult]:
        yield Request("POST", f"/calls/{call_id}/control", json={"x": 1}, safety=Safety.IDEMPOTENT)
        return ControlResult(call_id=call_id)


def _changed(caps: Capabilities, capability: Capability, **changes: Any) -> Capabilities:
    return Capabilities(
        "fake",
        tuple(attrs.evolve(r, **changes) if r.capability is capability else r for r in caps),
    )


# The fake declares webhook verification without rules to load; a good plugin does not.
GOOD_CAPS = _changed(fakeprovider.CAPS, Capability.WEBHOOKS_VERIFY, supported=False)
CAPS_WITH_DELETE = _changed(GOOD_CAPS, Capability.CALLS_DELETE, supported=True)
CAPS_EMPTY_NOTE = _changed(GOOD_CAPS, Capability.CALLS_GET, note="")


def plugin_for(adapter: str, caps: Capabilities = GOOD_CAPS) -> types.ModuleType:
    plugin = types.ModuleType(f"selfcheck_plugin_{adapter}")

    @hookimpl
    def register_providers(register: Callable[[ProviderSpec], None]) -> None:
        register(
            ProviderSpec(
                name="fake",
                adapter=f"{MODULE}:{adapter}",
                capabilities=caps,
                default_base_url="https://fake.invalid/api",
                api_key_env="FAKE_API_KEY",
            )
        )

    plugin.register_providers = register_providers  # type: ignore[attr-defined]
    return plugin


@pytest.fixture(autouse=True)
def _adapters_module(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType(MODULE)
    for cls in (
        fakeprovider.FakeAdapter,
        MissingDelete,
        AbsolutePath,
        StrictStatus,
        ForgetsRaw,
        RepeatableControl,
    ):
        setattr(module, cls.__name__, cls)
    monkeypatch.setitem(sys.modules, MODULE, module)


def suite(adapter: str, caps: Capabilities = GOOD_CAPS) -> ProviderConformance:
    class Suite(ProviderConformance):
        provider = "fake"
        plugin = plugin_for(adapter, caps)
        get_responses = (GOOD_BODY,)
        list_responses = ({"data": [GOOD_BODY], "more": False},)

    return Suite()


def test_good_plugin_passes_every_check() -> None:
    good = suite("FakeAdapter")
    checks = [name for name in dir(good) if name.startswith("test_")]
    assert len(checks) >= 12
    for name in checks:
        getattr(good, name)()


@pytest.mark.parametrize(
    ("adapter", "caps", "check", "message"),
    [
        ("MissingDelete", CAPS_WITH_DELETE, "test_supported_operations_are_implemented", "delete"),
        (
            "AbsolutePath",
            GOOD_CAPS,
            "test_operations_are_plans_with_relative_paths",
            "relative",
        ),
        ("StrictStatus", GOOD_CAPS, "test_mapping_survives_unknown_values", "KeyError"),
        ("ForgetsRaw", GOOD_CAPS, "test_mapping_keeps_unknown_fields_in_raw", "raw"),
        (
            "RepeatableControl",
            GOOD_CAPS,
            "test_supported_control_fields_reach_the_plan",
            "UNSAFE",
        ),
        (
            "FakeAdapter",
            CAPS_EMPTY_NOTE,
            "test_every_capability_declared_with_note_and_source",
            "calls.get: empty note",
        ),
    ],
)
def test_suite_catches_defect(adapter: str, caps: Capabilities, check: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        getattr(suite(adapter, caps), check)()


def test_missing_sample_bodies_fail_loudly() -> None:
    """A subclass that gives no bodies fails instead of passing without checking."""

    class NoBodies(ProviderConformance):
        provider = "fake"
        plugin = plugin_for("FakeAdapter")

    with pytest.raises(AssertionError, match="get_responses is empty"):
        NoBodies().test_mapping_minimal_payloads()
    with pytest.raises(AssertionError, match="list_responses is empty"):
        NoBodies().test_list_pages_map()
