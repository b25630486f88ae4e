"""Bad ``now=`` and ``tolerance=`` arguments are InvalidRequestError, never a bare
ValueError/OverflowError from the clock arithmetic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest

from callswitch import webhooks
from callswitch.errors import InvalidRequestError

Signed = Callable[[str, dict[str, Any]], tuple[dict[str, str], bytes]]

BAD_NOW = [float("nan"), float("inf"), float("-inf"), 1e20, -1e20, "soon", True, [1.0]]


@pytest.mark.parametrize("provider", ["retell", "truedy", "vapi"])
@pytest.mark.parametrize("now", BAD_NOW, ids=repr)
def test_unusable_now_is_invalid_request(
    provider: str, now: Any, samples: ModuleType, signed: Signed
) -> None:
    """now=nan raised ValueError and now=1e20 OverflowError; both name the argument now."""
    payload = {"retell": samples.retell_payloads, "truedy": samples.truedy_payloads}.get(
        provider, samples.vapi_payloads
    )()
    headers, body = signed(provider, next(iter(payload.values())))
    for entry in (webhooks.parse, webhooks.verify):
        with pytest.raises(InvalidRequestError, match="now") as caught:
            entry(provider, headers=headers, body=body, secret=samples.KEY, now=now)
        assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    "tolerance",
    [float("nan"), float("inf"), -1.0, timedelta(seconds=-1), "long", timedelta(days=-1)],
    ids=repr,
)
def test_unusable_tolerance_is_invalid_request(
    tolerance: Any, samples: ModuleType, signed: Signed
) -> None:
    """tolerance must be a finite number of seconds, zero or more."""
    headers, body = signed("retell", samples.retell_payloads()["call_ended"])
    with pytest.raises(InvalidRequestError, match="tolerance"):
        webhooks.parse(
            "retell",
            headers=headers,
            body=body,
            secret=samples.KEY,
            now=samples.NOW,
            tolerance=tolerance,
        )


def test_usable_edges_still_verify(samples: ModuleType, signed: Signed) -> None:
    """Zero tolerance at the signed instant, and an integer now, are accepted."""
    headers, body = signed("retell", samples.retell_payloads()["call_ended"])
    event = webhooks.parse(
        "retell",
        headers=headers,
        body=body,
        secret=samples.KEY,
        now=int(samples.NOW),
        tolerance=0,
    )
    assert event.call is not None
