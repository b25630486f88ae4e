"""Response bodies are read by pydantic-core's JSON parser with json.loads as the fallback:
the result must be exactly what json.loads gives, for every input."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callswitch.errors import ProviderError
from callswitch.http import Response, loads

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


def same(a: Any, b: Any) -> bool:
    """Equality that also holds for NaN in the same place, and checks types (1 vs 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def outcome(parse: Any, data: bytes) -> tuple[str, Any]:
    try:
        return "ok", parse(data)
    except ValueError:
        return "error", None


@given(json_values, st.booleans(), st.sampled_from([None, 2]))
def test_loads_equals_json_loads_on_json_text(
    value: Any, ascii_only: bool, indent: int | None
) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode()
    assert same(loads(data), json.loads(data))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-32"])
@given(value=json_values)
def test_encodings_json_loads_accepts_still_parse(encoding: str, value: Any) -> None:
    data = json.dumps(value, ensure_ascii=False).encode(encoding)
    assert same(loads(data), json.loads(data))


@given(st.binary(max_size=64) | st.text(max_size=32).map(str.encode))
def test_any_bytes_parse_or_fail_alike(data: bytes) -> None:
    ours, theirs = outcome(loads, data), outcome(json.loads, data)
    assert ours[0] == theirs[0]
    assert same(ours[1], theirs[1])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'"\\ud800"', "\ud800"),  # a lone surrogate escape
        (b'{"a": 1, "a": 2}', {"a": 2}),  # the last duplicate wins
        (b"123456789012345678901234567890", 123456789012345678901234567890),
        (b"1e400", math.inf),
    ],
)
def test_edge_cases_match_json_loads(body: bytes, expected: Any) -> None:
    assert loads(body) == expected == json.loads(body)


@pytest.mark.parametrize("body", [b"{", b"[1,]", b'{"a":1}x', b'"\xff"', b'"a\x01b"'])
def test_invalid_json_is_provider_error_with_text(body: bytes) -> None:
    with pytest.raises(ProviderError, match="not valid JSON") as info:
        Response(200, content=body, provider="p").json()
    assert info.value.body == body.decode("utf-8", errors="replace")
