"""The neutral input models refuse bad input with InvalidRequestError; outputs are lenient."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callswitch import Call, CallStatus, CallUpdate, DataStorage, LiveControl
from callswitch.errors import InvalidRequestError
from callswitch.models import EndReason, NewPhoneCall


def test_unknown_field_names_the_accepted_fields() -> None:
    with pytest.raises(InvalidRequestError, match=r"CallUpdate.colour: unknown field.*greeting"):
        CallUpdate(colour="red")  # type: ignore[call-arg]


def test_unknown_field_on_live_control() -> None:
    with pytest.raises(InvalidRequestError, match=r"LiveControl.whisper: unknown field"):
        LiveControl(whisper="hi")  # type: ignore[call-arg]


def test_invalid_request_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        CallUpdate(nope=1)  # type: ignore[call-arg]


@pytest.mark.parametrize("value", [1, 1.5, True, None, ["a"]])
def test_variable_values_must_be_strings(value: object) -> None:
    with pytest.raises(InvalidRequestError, match=r"variables\.k"):
        CallUpdate(variables={"k": value})  # type: ignore[dict-item]


def test_empty_variable_name_refused() -> None:
    with pytest.raises(InvalidRequestError, match="non-empty"):
        LiveControl(variables={"": "x"})


def test_data_storage_accepts_enum_and_string_and_refuses_others() -> None:
    assert CallUpdate(data_storage="everything_except_pii").data_storage is (
        DataStorage.EVERYTHING_EXCEPT_PII
    )
    assert CallUpdate(data_storage=DataStorage.EVERYTHING).data_storage is DataStorage.EVERYTHING
    with pytest.raises(InvalidRequestError, match="must be one of"):
        CallUpdate(data_storage="nothing")


def test_data_storage_rank_orders_most_to_least() -> None:
    ranks = [d.rank for d in DataStorage]
    assert ranks == [0, 1, 2]
    assert DataStorage.BASIC_ATTRIBUTES_ONLY.rank > DataStorage.EVERYTHING.rank


@pytest.mark.parametrize("field", ["inject_context", "say", "transfer_to"])
def test_empty_strings_refused(field: str) -> None:
    with pytest.raises(InvalidRequestError, match=field):
        LiveControl(**{field: ""})


def test_empty_live_control_refused() -> None:
    with pytest.raises(InvalidRequestError, match="at least one action"):
        LiveControl()


def test_end_call_false_refused() -> None:
    with pytest.raises(InvalidRequestError, match="end_call=False"):
        LiveControl(end_call=False)


def test_trigger_false_without_context_refused() -> None:
    with pytest.raises(InvalidRequestError, match="trigger_response=False"):
        LiveControl(trigger_response=False)


@pytest.mark.parametrize("dest", ["+14155550123", "sip:desk@example.com", "sips:a@b.c"])
def test_transfer_destination_accepted(dest: str) -> None:
    assert LiveControl(transfer_to=dest).transfer_to == dest


@pytest.mark.parametrize("dest", ["4155550123", "+0123456789", "desk", "sip:", "+1 415 555"])
def test_transfer_destination_refused(dest: str) -> None:
    with pytest.raises(InvalidRequestError, match="E.164"):
        LiveControl(transfer_to=dest)


def test_strict_booleans() -> None:
    with pytest.raises(InvalidRequestError, match="recording_enabled"):
        CallUpdate(recording_enabled="yes")  # type: ignore[arg-type]


def test_inputs_are_frozen() -> None:
    update = CallUpdate(name="x")
    with pytest.raises(Exception, match="frozen"):
        update.name = "y"  # type: ignore[misc]


def test_set_fields_in_declaration_order() -> None:
    assert CallUpdate(name="n", metadata={}).set_fields() == ("metadata", "name")


def test_model_validate_raises_our_error() -> None:
    with pytest.raises(InvalidRequestError):
        CallUpdate.model_validate({"bogus": 1})


def test_phone_number_must_be_e164() -> None:
    with pytest.raises(InvalidRequestError, match="E.164"):
        NewPhoneCall(to_number="555-1234")


def test_call_unknown_enum_values_map_to_unknown() -> None:
    call = Call(id="c", provider="p", status="teleporting", end_reason="alien")  # type: ignore[arg-type]
    assert call.status is CallStatus.UNKNOWN
    assert call.end_reason is EndReason.UNKNOWN


def test_call_timestamps_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Call(id="c", provider="p", created_at=datetime(2026, 1, 1))
    assert Call(id="c", provider="p", created_at=datetime(2026, 1, 1, tzinfo=UTC)).created_at


def test_call_repr_hides_access_token_and_raw() -> None:
    call = Call(id="c", provider="p", access_token="tok-SECRET", raw={"k": "tok-SECRET"})
    assert "tok-SECRET" not in repr(call)
    assert call.access_token == "tok-SECRET"


@pytest.mark.parametrize(
    "bad", [{"t": datetime(2026, 1, 1, tzinfo=UTC)}, {"x": float("nan")}, {"s": {1, 2}}]
)
def test_metadata_must_be_json(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError, match="JSON-serializable"):
        CallUpdate(metadata=bad)
    with pytest.raises(InvalidRequestError, match="JSON-serializable"):
        NewPhoneCall(to_number="+14155550123", metadata=bad)


@pytest.mark.parametrize("model", [CallUpdate, LiveControl])
def test_set_fields_names_the_non_none_fields_in_declaration_order(model: type) -> None:
    names = tuple(model.model_fields)
    values = {
        "metadata": {"a": 1},
        "variables": {"k": "v"},
        "data_storage": "everything",
        "recording_enabled": True,
        "transcription_enabled": False,
        "greeting": "hi",
        "name": "n",
        "inject_context": "ctx",
        "trigger_response": False,
        "say": "hello",
        "end_call": True,
        "transfer_to": "+14155550100",
        "mute_assistant": True,
    }
    assert set(names) <= set(values), "a new field needs a value here"
    full = model(**{n: values[n] for n in names})
    assert full.set_fields() == names
    # Every other field, given in reverse order: declaration order still wins.
    some = names[::2]
    assert model(**{n: values[n] for n in reversed(some)}).set_fields() == some
    assert model(**{some[0]: values[some[0]], names[1]: None}).set_fields() == (some[0],)


def test_call_ref_is_provider_qualified_and_not_a_field() -> None:
    """Call.ref is "<provider>:<id>", derived, and stays out of dumps and equality."""
    call = Call(id="call_1", provider="retell", status=CallStatus.ENDED)
    assert call.ref == "retell:call_1"
    assert "ref" not in call.model_dump()
    assert "ref" not in call.model_dump_json()
    assert Call.model_validate(call.model_dump()) == call
    assert Call(id="call_1", provider="vapi").ref != call.ref


def test_call_ref_survives_pickling() -> None:
    import pickle

    call = Call(id="c-9", provider="truedy")
    copy = pickle.loads(pickle.dumps(call))  # noqa: S301 - our own bytes
    assert copy == call
    assert copy.ref == "truedy:c-9"
