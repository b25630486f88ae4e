"""Sample inputs and the plan-driving helpers the conformance suite uses."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from callswitch.errors import (
    UnsupportedCapabilityError,
)
from callswitch.http import Plan, Request, Response
from callswitch.models import (
    CallUpdate,
    DataStorage,
    LiveControl,
)

__all__ = [
    "CALL_ID",
    "sample_control",
    "sample_update",
]

#: The call id the suite uses in every operation.
CALL_ID = "call_conformance_1"

#: A value per CallUpdate field, valid for the neutral model.
_UPDATE_SAMPLES: Mapping[str, Any] = {
    "metadata": {"conformance": "yes"},
    "variables": {"customer_name": "Ann"},
    # The most restrictive setting: a change every vendor with the setting accepts.
    "data_storage": DataStorage.BASIC_ATTRIBUTES_ONLY,
    "recording_enabled": False,
    "transcription_enabled": False,
    "greeting": "Hello from the conformance suite",
    "name": "conformance",
}

#: A value per LiveControl field, valid for the neutral model.
_CONTROL_SAMPLES: Mapping[str, Any] = {
    "inject_context": "The caller is a conformance test.",
    "trigger_response": True,
    "variables": {"customer_name": "Ann"},
    "say": "One moment please.",
    "end_call": True,
    "transfer_to": "+14155550123",
    "mute_assistant": True,
}

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_UNKNOWN_KEY = "callswitchConformanceUnknownField"
_UNKNOWN_VALUE = "callswitch-conformance-unknown-value"


def sample_update(field: str) -> CallUpdate:
    """A CallUpdate that sets only ``field``."""
    return CallUpdate(**{field: _UPDATE_SAMPLES[field]})


def sample_control(field: str) -> LiveControl:
    """A LiveControl that sets only ``field``."""
    return LiveControl(**{field: _CONTROL_SAMPLES[field]})


def _supported_control(field: str) -> LiveControl:
    # A response is triggered by something: vendors tie trigger_response to injected context.
    if field == "trigger_response":
        return LiveControl(inject_context=_CONTROL_SAMPLES["inject_context"], trigger_response=True)
    return sample_control(field)


def _refusal(what: str, action: Callable[..., object], *args: Any) -> UnsupportedCapabilityError:
    """The UnsupportedCapabilityError ``action(*args)`` raises; AssertionError if none."""
    try:
        action(*args)
    except UnsupportedCapabilityError as exc:
        return exc
    raise AssertionError(f"{what} was not refused")


def _response(body: Any, provider: str, status: int = 200) -> Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(
        status_code=status,
        headers={"content-type": "application/json"},
        content=content,
        provider=provider,
    )


def _drive(plan: Plan[Any], body: Any, provider: str, max_steps: int = 5) -> Any:
    """Run ``plan`` answering every request with ``body``; return what it returns."""
    request = next(plan)
    try:
        for _ in range(max_steps):
            assert isinstance(request, Request), f"the plan yielded {request!r}, not a Request"
            request = plan.send(_response(body, provider))
    except StopIteration as stop:
        return stop.value
    finally:
        plan.close()
    raise AssertionError(f"the plan still asks for requests after {max_steps} answers")


def _with_unknown_fields(data: Any) -> Any:
    """``data`` with an unknown key added to every JSON object in it."""
    if isinstance(data, dict):
        out = {k: _with_unknown_fields(v) for k, v in data.items()}
        out[_UNKNOWN_KEY] = {"nested": [1, "two", None]}
        return out
    if isinstance(data, list):
        return [_with_unknown_fields(v) for v in data]
    return data


def _string_paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(data, str):
        yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _string_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _string_paths(value, (*path, index))


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out
