"""Each concern of checking input and reading vendor hints has one home in the code."""

from __future__ import annotations

from pathlib import Path

import pytest

import callswitch
from callswitch._retry import parse_retry_after, requested_wait

SRC = Path(callswitch.__file__).parent
PROVIDERS = SRC.parent.parent / "providers"


def _sources_mentioning(text: str) -> list[str]:
    found = []
    for root in (SRC, PROVIDERS):
        for path in sorted(root.rglob("*.py")):
            if "emulator" in path.as_posix() or path.name == "_receiver.py":
                continue  # emulators and the webhook receiver write these headers; they do not read them
            if text in path.read_text(encoding="utf-8").lower():
                found.append(path.name)
    return found


def test_retry_after_headers_are_read_in_one_module() -> None:
    assert _sources_mentioning('"retry-after') == ["_retry.py"]


@pytest.mark.parametrize(
    ("headers", "hint", "expected"),
    [
        ({"retry-after": "3"}, 50.0, 3.0),  # the relative header wins over a body hint
        ({"retry-after-ms": "1500"}, None, 1.5),
        ({}, 7.0, 7.0),  # no header: the body's hint
        ({"retry-after": "soon"}, 7.0, 7.0),  # unreadable header: the hint
        ({}, None, None),
    ],
)
def test_requested_wait(
    headers: dict[str, str], hint: float | None, expected: float | None
) -> None:
    assert requested_wait(headers, hint) == expected


def test_parse_retry_after_keeps_its_old_import_path() -> None:
    from callswitch.provider import parse_retry_after as old

    assert old is parse_retry_after


def test_metadata_is_measured_as_the_wire_sends_it() -> None:
    """models.json_size is compact UTF-8 JSON: the bytes a size limit is about."""
    from callswitch.models import json_size

    assert json_size({"a": "é"}) == len('{"a":"é"}'.encode())


def test_metadata_json_cannot_carry_is_refused_by_the_model() -> None:
    """A lone surrogate passes json.dumps but cannot be sent as UTF-8: the model refuses
    it (it used to crash Retell's adapter with UnicodeEncodeError)."""
    from callswitch import CallUpdate
    from callswitch.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="JSON-serializable"):
        CallUpdate(metadata={"a": "\ud800"})


def test_list_filter_names_live_in_one_table() -> None:
    """The client's check and the adapters' kit read the same table of filter names."""
    from callswitch import _kit, _policy

    assert _policy.LIST_FILTERS is _kit.LIST_FILTERS
