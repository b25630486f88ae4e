"""provider_options on create: nested objects merge key by key with what callswitch sets."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from callswitch.errors import InvalidRequestError


def _recorder(kit: SimpleNamespace) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json=kit.sdk_call(type="outboundPhoneCall", status="queued"))

    return kit.Recorder(handler)


def test_assistant_overrides_merge_with_variables_and_metadata(
    kit: SimpleNamespace, connect: Any
) -> None:
    """monitorPlan through assistantOverrides joins variableValues and metadata, as the
    capability notes advise for enabling live control per call."""
    rec = _recorder(kit)
    connect(rec).calls.create_phone(
        from_number="pn-1",
        to_number="+14155550123",
        agent_id="asst-1",
        variables={"name": "Ann"},
        metadata={"crm_id": 7},
        provider_options={
            "vapi": {
                "assistantOverrides": {
                    "monitorPlan": {"controlEnabled": True},
                    "metadata": {"team": "sales"},
                },
                "name": "follow-up",
            }
        },
    )
    body = kit.body_of(rec.requests[0])
    assert body["assistantOverrides"] == {
        "variableValues": {"name": "Ann"},
        "metadata": {"crm_id": 7, "team": "sales"},
        "monitorPlan": {"controlEnabled": True},
    }
    assert body["name"] == "follow-up"
    assert body["phoneNumberId"] == "pn-1"


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"assistantOverrides": {"variableValues": {"name": "Bob"}}}, "variableValues.name"),
        ({"assistantOverrides": {"metadata": "flat"}}, "assistantOverrides.metadata"),
        ({"assistantId": "asst-2"}, "assistantId"),
        ({"customer": {"number": "+14155550199"}}, "customer.number"),
    ],
)
def test_a_real_conflict_is_refused_naming_the_key(
    kit: SimpleNamespace, connect: Any, options: dict[str, Any], key: str
) -> None:
    """A value set both by a neutral field and by provider_options is refused before
    anything is sent, and the error names the key."""
    rec = _recorder(kit)
    with pytest.raises(InvalidRequestError, match=key.replace(".", r"\.")):
        connect(rec).calls.create_phone(
            from_number="pn-1",
            to_number="+14155550123",
            agent_id="asst-1",
            variables={"name": "Ann"},
            metadata={"crm_id": 7},
            provider_options={"vapi": options},
        )
    assert rec.requests == []
