"""Bad input, per provider: every CallUpdate and LiveControl field, every vendor limit in
vendors.md. Each case raises a specific callswitch error whose message says what to do,
and nothing is sent (the client's transport fails the test if it is reached).

Field validation lives in the neutral model, so it is the same for every provider; it is
still run once per provider, through that provider's client, so a provider-specific
path that skipped it would show here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from reliability_support import KEY, PROVIDERS, unreachable_client, vendor_requests

import callswitch
from callswitch import CallUpdate, LiveControl
from callswitch.capabilities import CONTROL_FIELDS, PRIVACY_CAPABILITIES, UPDATE_FIELDS
from callswitch.emulators import Emulator
from callswitch.errors import InvalidRequestError, UnsupportedCapabilityError
from callswitch.registry import default_registry


@attrs.frozen
class Case:
    name: str
    run: Callable[[callswitch.Client], object]
    error: type[Exception]
    hint: str  # a regex: the part of the message that says what to do
    providers: tuple[str, ...] = PROVIDERS


def _update(**fields: Any) -> Callable[[callswitch.Client], object]:
    return lambda c: c.calls.update("call_1", CallUpdate(**fields))


def _control(**fields: Any) -> Callable[[callswitch.Client], object]:
    return lambda c: c.calls.control("call_1", LiveControl(**fields))


BIG_METADATA = {"notes": "x" * 50_001}

# -------------------------------------------------------------- CallUpdate fields
UPDATE_CASES = [
    Case(
        "update.metadata not a dict",
        _update(metadata="vip"),
        InvalidRequestError,
        r"CallUpdate\.metadata: .*valid dictionary",
    ),
    Case(
        "update.metadata list",
        _update(metadata=["a"]),
        InvalidRequestError,
        r"CallUpdate\.metadata: .*dictionary",
    ),
    Case(
        "update.variables value not str",
        _update(variables={"plan": 3}),
        InvalidRequestError,
        r"CallUpdate\.variables\.plan: .*valid string",
    ),
    Case(
        "update.variables empty name",
        _update(variables={"": "x"}),
        InvalidRequestError,
        r"variable names must be non-empty",
    ),
    Case(
        "update.variables not a dict",
        _update(variables="plan=gold"),
        InvalidRequestError,
        r"CallUpdate\.variables: .*dictionary",
    ),
    Case(
        "update.data_storage unknown",
        _update(data_storage="forever"),
        InvalidRequestError,
        r"must be one of 'everything', 'everything_except_pii', 'basic_attributes_only'",
    ),
    Case(
        "update.data_storage wrong type",
        _update(data_storage=2),
        InvalidRequestError,
        r"CallUpdate\.data_storage",
    ),
    Case(
        "update.recording_enabled str",
        _update(recording_enabled="yes"),
        InvalidRequestError,
        r"CallUpdate\.recording_enabled: .*valid boolean",
    ),
    Case(
        "update.recording_enabled int",
        _update(recording_enabled=1),
        InvalidRequestError,
        r"CallUpdate\.recording_enabled: .*valid boolean",
    ),
    Case(
        "update.transcription_enabled str",
        _update(transcription_enabled="no"),
        InvalidRequestError,
        r"CallUpdate\.transcription_enabled: .*valid boolean",
    ),
    Case(
        "update.greeting empty",
        _update(greeting=""),
        InvalidRequestError,
        r"CallUpdate\.greeting: .*at least 1 character",
    ),
    Case(
        "update.greeting not str",
        _update(greeting=5),
        InvalidRequestError,
        r"CallUpdate\.greeting: .*valid string",
    ),
    Case(
        "update.name empty",
        _update(name=""),
        InvalidRequestError,
        r"CallUpdate\.name: .*at least 1 character",
    ),
    Case(
        "update.name not str",
        _update(name=["a"]),
        InvalidRequestError,
        r"CallUpdate\.name: .*valid string",
    ),
    Case(
        "update unknown field",
        _update(colour="red"),
        InvalidRequestError,
        r"unknown field; CallUpdate accepts metadata, variables",
    ),
    Case(
        "update nothing set",
        lambda c: c.calls.update("call_1", CallUpdate()),
        InvalidRequestError,
        r"sets no field; set at least one",
    ),
    Case(
        "update wrong type",
        lambda c: c.calls.update("call_1", {"name": "x"}),  # type: ignore[arg-type]
        InvalidRequestError,
        r"calls\.update takes a CallUpdate",
    ),
    # Vendor limits (vendors.md): Retell metadata <= 50 kB; JSON only.
    Case(
        "retell metadata over 50 kB",
        _update(metadata=BIG_METADATA),
        InvalidRequestError,
        r"at most 50 kB .*Store large data elsewhere",
        ("retell",),
    ),
    Case(
        "retell metadata not JSON",
        _update(metadata={"when": datetime(2026, 1, 1)}),
        InvalidRequestError,
        r"must be JSON-serializable",
        ("retell",),
    ),
    Case(
        "retell metadata NaN",
        _update(metadata={"score": math.nan}),
        InvalidRequestError,
        r"must be JSON-serializable",
        ("retell",),
    ),
]

# -------------------------------------------------------------- LiveControl fields
CONTROL_CASES = [
    Case(
        "control.inject_context empty",
        _control(inject_context=""),
        InvalidRequestError,
        r"LiveControl\.inject_context: .*at least 1 character",
    ),
    Case(
        "control.inject_context not str",
        _control(inject_context=7),
        InvalidRequestError,
        r"LiveControl\.inject_context: .*valid string",
    ),
    Case(
        "control.trigger_response str",
        _control(trigger_response="now"),
        InvalidRequestError,
        r"LiveControl\.trigger_response: .*valid boolean",
    ),
    Case(
        "control.trigger_response False alone",
        _control(trigger_response=False),
        InvalidRequestError,
        r"only applies together with inject_context",
    ),
    Case(
        "control.variables value not str",
        _control(variables={"a": True}),
        InvalidRequestError,
        r"LiveControl\.variables\.a: .*valid string",
    ),
    Case(
        "control.variables empty name",
        _control(variables={"": "x"}),
        InvalidRequestError,
        r"variable names must be non-empty",
    ),
    Case(
        "control.say empty",
        _control(say=""),
        InvalidRequestError,
        r"LiveControl\.say: .*at least 1 character",
    ),
    Case(
        "control.end_call False",
        _control(end_call=False),
        InvalidRequestError,
        r"end_call=False does nothing; leave it out",
    ),
    Case(
        "control.end_call str",
        _control(end_call="yes"),
        InvalidRequestError,
        r"LiveControl\.end_call: .*valid boolean",
    ),
    Case(
        "control.transfer_to no plus",
        _control(transfer_to="4155550123"),
        InvalidRequestError,
        r"E\.164 number like \+14155550123 or a SIP URI like sip:",
    ),
    Case(
        "control.transfer_to leading 0",
        _control(transfer_to="+04155550123"),
        InvalidRequestError,
        r"E\.164 number like \+14155550123",
    ),
    Case(
        "control.transfer_to spaces",
        _control(transfer_to="+1 415 555 0123"),
        InvalidRequestError,
        r"E\.164 number like \+14155550123",
    ),
    Case(
        "control.transfer_to too long",
        _control(transfer_to="+1234567890123456"),
        InvalidRequestError,
        r"E\.164 number like \+14155550123",
    ),
    Case(
        "control.transfer_to sip without host",
        _control(transfer_to="sip:desk"),
        InvalidRequestError,
        r"SIP URI like sip:desk@example\.com",
    ),
    Case(
        "control.transfer_to tel uri",
        _control(transfer_to="tel:+14155550123"),
        InvalidRequestError,
        r"E\.164 number like \+14155550123",
    ),
    Case(
        "control.transfer_to empty",
        _control(transfer_to=""),
        InvalidRequestError,
        r"LiveControl\.transfer_to: .*at least 1 character",
    ),
    Case(
        "control.mute_assistant str",
        _control(mute_assistant="on"),
        InvalidRequestError,
        r"LiveControl\.mute_assistant: .*valid boolean",
    ),
    Case("control nothing set", _control(), InvalidRequestError, r"must set at least one action"),
    Case(
        "control unknown field",
        _control(whisper="x"),
        InvalidRequestError,
        r"unknown field; LiveControl accepts inject_context",
    ),
    Case(
        "control wrong type",
        lambda c: c.calls.control("call_1", CallUpdate(name="x")),  # type: ignore[arg-type]
        InvalidRequestError,
        r"calls\.control takes a LiveControl",
    ),
    # Vendor rules.
    Case(
        "vapi trigger without context",
        _control(trigger_response=True),
        InvalidRequestError,
        r"add inject_context or leave trigger_response out",
        ("vapi",),
    ),
    Case(
        "vapi transfer and end together",
        _control(transfer_to="+14155550123", end_call=True),
        InvalidRequestError,
        r"send one of them",
        ("vapi",),
    ),
    Case(
        "vapi say, end and mute together",
        _control(say="bye", end_call=True, mute_assistant=True),
        InvalidRequestError,
        r"leave mute_assistant out",
        ("vapi",),
    ),
    Case(
        "vapi control provider_options",
        lambda c: c.calls.control(
            "call_1", LiveControl(say="hi"), provider_options={"vapi": {"x": 1}}
        ),
        InvalidRequestError,
        r"remove provider_options",
        ("vapi",),
    ),
    Case(
        "retell end-only control with provider_options",
        lambda c: c.calls.control(
            "call_1", LiveControl(end_call=True), provider_options={"retell": {"x": 1}}
        ),
        InvalidRequestError,
        r"leave provider_options out",
        ("retell",),
    ),
    Case(
        "retell control option clashes",
        lambda c: c.calls.control(
            "call_1",
            LiveControl(inject_context="x"),
            provider_options={"retell": {"call_control": {}}},
        ),
        InvalidRequestError,
        r"set it through the neutral field",
        ("retell",),
    ),
]


# ------------------------------------------------------------------ creating calls
def _phone(**kw: Any) -> Callable[[callswitch.Client], object]:
    args: dict[str, Any] = {
        "to_number": "+14155550123",
        "from_number": "+14155550100",
        "agent_id": "agent_1",
    }
    args.update(kw)
    return lambda c: c.calls.create_phone(**args)


CREATE_CASES = [
    Case(
        "to_number without plus",
        _phone(to_number="4155550123"),
        InvalidRequestError,
        r"E\.164 number like \+14155550123",
    ),
    Case(
        "to_number letters",
        _phone(to_number="+1415CALLME"),
        InvalidRequestError,
        r"E\.164 number like \+14155550123",
    ),
    Case(
        "to_number empty",
        _phone(to_number=""),
        InvalidRequestError,
        r"NewPhoneCall\.to_number: .*at least 1 character",
    ),
    Case(
        "to_number too short",
        _phone(to_number="+12345"),
        InvalidRequestError,
        r"E\.164 number like \+14155550123",
    ),
    Case(
        "create variables not str",
        _phone(variables={"n": 1}),
        InvalidRequestError,
        r"NewPhoneCall\.variables\.n: .*valid string",
    ),
    Case(
        "create agent_id empty",
        _phone(agent_id=""),
        InvalidRequestError,
        r"NewPhoneCall\.agent_id: .*at least 1 character",
    ),
    Case(
        "provider_options not a mapping",
        _phone(provider_options="fast"),
        InvalidRequestError,
        r"provider_options=\{'\w+': \{\.\.\.\}\}",
    ),
    Case(
        "retell from_number not E.164",
        _phone(from_number="415-555-0100"),
        InvalidRequestError,
        r"ignore_e164_validation",
        ("retell",),
    ),
    Case(
        "retell from_number missing",
        _phone(from_number=None),
        InvalidRequestError,
        r"pass from_number='\+1\d+', set RETELL_FROM_NUMBER, or from_number under "
        r"\[providers\.retell\]",
        ("retell",),
    ),
    Case(
        "retell idempotency_key empty",
        _phone(provider_options={"retell": {"idempotency_key": ""}}),
        InvalidRequestError,
        r"idempotency_key'\] must be a non-empty string",
        ("retell",),
    ),
    Case(
        "retell option clashes",
        _phone(provider_options={"retell": {"to_number": "+1"}}),
        InvalidRequestError,
        r"set it through the neutral field",
        ("retell",),
    ),
    Case(
        "retell create_web agent_id empty",
        lambda c: c.calls.create_web(agent_id=""),
        InvalidRequestError,
        r"NewWebCall\.agent_id",
        ("retell",),
    ),
    Case(
        "vapi agent missing",
        _phone(agent_id=None),
        InvalidRequestError,
        r"Vapi needs an assistant .*pass agent_id=.*, set VAPI_AGENT_ID, or agent_id under "
        r"\[providers\.vapi\]",
        ("vapi",),
    ),
    Case(
        "vapi from_number missing",
        _phone(from_number=None),
        InvalidRequestError,
        r"Vapi needs a number to call from .*set VAPI_FROM_NUMBER, or from_number under "
        r"\[providers\.vapi\]",
        ("vapi",),
    ),
    Case(
        "vapi option clashes",
        # A real clash: customer.number is to_number; an empty object would merge harmlessly.
        _phone(provider_options={"vapi": {"customer": {"number": "+14155550999"}}}),
        InvalidRequestError,
        r"set it through the neutral field",
        ("vapi",),
    ),
    Case(
        "vapi create_web",
        lambda c: c.calls.create_web(agent_id="a"),
        UnsupportedCapabilityError,
        r"Check client\.supports",
        ("vapi",),
    ),
    Case(
        "truedy agent missing",
        _phone(agent_id=None),
        InvalidRequestError,
        r"Truedy needs an agent .*pass agent_id=.*, set TRUEDY_AGENT_ID",
        ("truedy",),
    ),
    Case(
        "truedy from_number not E.164",
        _phone(from_number="0049 30 1234"),
        InvalidRequestError,
        r"E\.164 number like \+14155550123",
        ("truedy",),
    ),
    Case(
        "truedy metadata",
        _phone(metadata={"a": 1}),
        UnsupportedCapabilityError,
        r"create\.metadata.*pass variables= for data the agent should use",
        ("truedy",),
    ),
    Case(
        "truedy idempotency_key blank",
        _phone(provider_options={"truedy": {"idempotency_key": "  "}}),
        InvalidRequestError,
        r"leave it out and callswitch generates one",
        ("truedy",),
    ),
    Case(
        "truedy option clashes",
        _phone(provider_options={"truedy": {"phone_number": "+14155550100"}}),
        InvalidRequestError,
        r"set it through the neutral field",
        ("truedy",),
    ),
    Case(
        "truedy call_settings not a dict",
        _phone(provider_options={"truedy": {"call_settings": "long"}}),
        InvalidRequestError,
        r"must be a dict, e\.g\. \{'max_duration': '3600s'\}",
        ("truedy",),
    ),
    Case(
        "truedy create_web metadata",
        lambda c: c.calls.create_web(agent_id="a", metadata={"k": 1}),
        UnsupportedCapabilityError,
        r"create\.metadata.*pass variables= for data the agent should use",
        ("truedy",),
    ),
]

# --------------------------------------------------------------------- listing
LIST_CASES = [
    Case(
        "list limit negative",
        lambda c: c.calls.list(limit=-1),
        InvalidRequestError,
        r"limit must be a whole number >= 0 or None",
    ),
    Case(
        "list limit bool",
        lambda c: c.calls.list(limit=True),
        InvalidRequestError,
        r"limit must be a whole number",
    ),
    Case(
        "list limit str",
        lambda c: c.calls.list(limit="10"),
        InvalidRequestError,
        r"limit must be a whole number",
    ),
    Case(
        "list unknown filter",
        lambda c: c.calls.list(colour="red"),
        InvalidRequestError,
        r"calls\.list accepts agent_id, created_after",
    ),
    Case(
        "list status unknown",
        lambda c: c.calls.list(status="lost"),
        InvalidRequestError,
        r"(filter by|must be one of)",
    ),
    Case(
        "list direction unknown",
        lambda c: c.calls.list(direction="sideways"),
        InvalidRequestError,
        r"inbound",
    ),
    Case(
        "list naive datetime",
        lambda c: c.calls.list(created_after=datetime(2026, 1, 1)),
        InvalidRequestError,
        r"timezone-aware",
    ),
    Case(
        "list agent_id empty",
        lambda c: c.calls.list(agent_id=""),
        InvalidRequestError,
        r"agent_id .*non-empty string",
    ),
    Case(
        "retell created window reversed",
        lambda c: c.calls.list(
            created_after=datetime(2026, 2, 1, tzinfo=UTC),
            created_before=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        InvalidRequestError,
        r"created_after is later than created_before",
        ("retell",),
    ),
]

ALL_CASES = UPDATE_CASES + CONTROL_CASES + CREATE_CASES + LIST_CASES


def _params(cases: list[Case]) -> list[Any]:
    return [
        pytest.param(provider, case, id=f"{provider}-{case.name}")
        for case in cases
        for provider in case.providers
    ]


def _supports_route(provider: str, case: Case) -> bool:
    """Live control cases only apply where calls.control exists (Truedy: see below)."""
    caps = default_registry().get(provider).capabilities
    return not (case in CONTROL_CASES and not caps.supports("calls.control"))


@pytest.mark.parametrize(("provider", "case"), _params(ALL_CASES))
def test_bad_input_is_refused_before_sending(provider: str, case: Case) -> None:
    client, transport = unreachable_client(provider)
    with client:
        expected = case.error
        if not _supports_route(provider, case):
            # Truedy has no live control: if the LiveControl is valid, the refusal is
            # UnsupportedCapabilityError; if not, the model refuses it first. Both are
            # InvalidRequestError and both say what to do.
            expected = InvalidRequestError
        with pytest.raises(expected) as info:
            case.run(client)  # calls.list validates when called, not when iterated
        if _supports_route(provider, case):
            assert type(info.value) is case.error
            assert info.value.args, "the error needs a message"

            assert re.search(case.hint, str(info.value)), str(info.value)
    assert transport.sent == []


# ------------------------------------------------ unsupported fields, per provider

UPDATE_SAMPLES: dict[str, Any] = {
    "metadata": {"a": 1},
    "variables": {"k": "v"},
    "data_storage": "everything_except_pii",
    "recording_enabled": False,
    "transcription_enabled": False,
    "greeting": "Hello",
    "name": "label",
}
CONTROL_SAMPLES: dict[str, Any] = {
    "inject_context": "context",
    "trigger_response": True,
    "variables": {"k": "v"},
    "say": "Hello",
    "end_call": True,
    "transfer_to": "+14155550123",
    "mute_assistant": True,
}


def test_samples_cover_every_field() -> None:
    """A new CallUpdate/LiveControl field must get a case here."""
    assert set(UPDATE_SAMPLES) == set(UPDATE_FIELDS) == set(CallUpdate.model_fields)
    assert set(CONTROL_SAMPLES) == set(CONTROL_FIELDS) == set(LiveControl.model_fields)


def _unsupported_params() -> list[Any]:
    out = []
    for provider in PROVIDERS:
        caps = default_registry().get(provider).capabilities
        for field, cap in UPDATE_FIELDS.items():
            if not caps.supports(cap):
                out.append(pytest.param(provider, "update", field, id=f"{provider}-{cap}"))
        for field, cap in CONTROL_FIELDS.items():
            if not caps.supports(cap):
                out.append(pytest.param(provider, "control", field, id=f"{provider}-{cap}"))
    return out


@pytest.mark.parametrize(("provider", "kind", "field"), _unsupported_params())
def test_unsupported_field_is_refused_naming_the_capability(
    provider: str, kind: str, field: str
) -> None:
    client, transport = unreachable_client(provider)
    request: CallUpdate | LiveControl
    if kind == "update":
        request = CallUpdate(**{field: UPDATE_SAMPLES[field]})
        method: Callable[..., object] = client.calls.update
    else:
        extra = {"inject_context": "c"} if field == "trigger_response" else {}
        request = LiveControl(**{field: CONTROL_SAMPLES[field]}, **extra)
        method = client.calls.control
    with client, pytest.raises(UnsupportedCapabilityError) as info:
        method("call_1", request)
    fields = UPDATE_FIELDS if kind == "update" else CONTROL_FIELDS
    assert fields[field].value in info.value.capabilities
    assert info.value.provider == provider
    assert "Nothing was sent" in str(info.value)
    assert "client.supports" in str(info.value)
    assert transport.sent == []


def _privacy_params() -> list[Any]:
    out = []
    for provider in PROVIDERS:
        caps = default_registry().get(provider).capabilities
        for field, cap in UPDATE_FIELDS.items():
            if cap in PRIVACY_CAPABILITIES and not caps.supports(cap):
                out.append(pytest.param(provider, field, id=f"{provider}-{cap}"))
    return out


@pytest.mark.parametrize(("provider", "field"), _privacy_params())
def test_privacy_field_is_refused_even_with_drop(provider: str, field: str) -> None:
    """on_unsupported="drop" sends the rest, but never silently drops a privacy field."""
    client, transport = unreachable_client(provider, on_unsupported="drop")
    supported = next(
        f
        for f, cap in UPDATE_FIELDS.items()
        if client.supports(cap) and cap not in PRIVACY_CAPABILITIES
    )
    update = CallUpdate(**{field: UPDATE_SAMPLES[field], supported: UPDATE_SAMPLES[supported]})
    with client, pytest.raises(UnsupportedCapabilityError, match="never dropped"):
        client.calls.update("call_1", update)
    assert transport.sent == []


# ---------------------------------------------------------- path-unsafe call ids

BAD_IDS = ["../admin", "a/b", "a?b=1", "a#b", "a b", "..", ".", "%2e%2e", "call\n1", "a\\b", ""]
OPERATIONS: dict[str, Callable[[callswitch.Client, Any], object]] = {
    "calls.get": lambda c, i: c.calls.get(i),
    "calls.update": lambda c, i: c.calls.update(i, CallUpdate(name="x", variables={"a": "b"})),
    "calls.control": lambda c, i: c.calls.control(i, LiveControl(end_call=True)),
    "calls.end": lambda c, i: c.calls.end(i),
    "calls.delete": lambda c, i: c.calls.delete(i),
}


def _id_params() -> list[Any]:
    out = []
    for provider in PROVIDERS:
        caps = default_registry().get(provider).capabilities
        for op in OPERATIONS:
            if caps.supports(op):
                for bad in [*BAD_IDS, None, 42]:
                    out.append(pytest.param(provider, op, bad, id=f"{provider}-{op}-{bad!r}"))
    return out


@pytest.mark.parametrize(("provider", "operation", "call_id"), _id_params())
def test_path_unsafe_call_ids_are_refused(provider: str, operation: str, call_id: Any) -> None:
    client, transport = unreachable_client(provider, on_unsupported="drop")
    with client, pytest.raises(InvalidRequestError) as info:
        OPERATIONS[operation](client, call_id)
    assert type(info.value) is InvalidRequestError
    assert "pass the id exactly as the vendor gave it" in str(
        info.value
    ) or "must be a non-empty string" in str(info.value)
    assert transport.sent == []


# ------------------------------------------------ Retell: data storage only tightens


@pytest.mark.parametrize("state", ["ongoing", "ended"])
@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("basic_attributes_only", "everything"),
        ("basic_attributes_only", "everything_except_pii"),
        ("everything_except_pii", "everything"),
    ],
)
def test_retell_data_storage_downgrade_is_refused_before_changing_anything(
    callswitch_emulator: Callable[..., Emulator], state: str, current: str, wanted: str
) -> None:
    """The adapter must read the call to know its setting (one GET, safe); it sends no
    change. The emulator's record is untouched."""
    emu = callswitch_emulator("retell")
    call_id = emu.call_id(emu.add_call(state, data_storage_setting=current))
    with pytest.raises(InvalidRequestError) as info:
        emu.connect(api_key=KEY).calls.update(call_id, CallUpdate(data_storage=wanted))
    assert type(info.value) is InvalidRequestError
    assert "only allows more restrictive settings" in str(info.value)
    assert "Nothing was changed" in str(info.value)
    assert [r["method"] for r in emu.requests] == ["GET"]
    assert vendor_requests(emu, "PATCH") == []
    assert emu.get_call(call_id)["data_storage_setting"] == current


def test_retell_data_storage_tightening_is_sent(
    callswitch_emulator: Callable[..., Emulator],
) -> None:
    """The counterpart: moving towards more restrictive goes through."""
    emu = callswitch_emulator("retell")
    call_id = emu.call_id(emu.add_call("ended", data_storage_setting="everything_except_pii"))
    emu.connect(api_key=KEY).calls.update(call_id, CallUpdate(data_storage="basic_attributes_only"))
    assert emu.get_call(call_id)["data_storage_setting"] == "basic_attributes_only"
