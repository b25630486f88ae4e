"""Contract: callswitch sends what the official vapi-server-sdk 3.0.0 sends.

Each test runs the same operation through the SDK and through callswitch, both over an
``httpx.MockTransport``, and compares method, URL, query, JSON body and auth header. The
control URL has no SDK method: those tests pin the message shapes listed in vendors.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import vapi
from vapi.types import AssistantOverrides, CreateCustomerDto

import callswitch
from callswitch import CallUpdate, LiveControl

AFTER = datetime(2024, 4, 1, 8, 30, tzinfo=UTC)
BEFORE = datetime(2024, 5, 2, 9, 15, 30, 250000, tzinfo=UTC)


def _shape(request: httpx.Request, body_of: Callable[[httpx.Request], Any]) -> dict[str, Any]:
    url = urlsplit(str(request.url))
    return {
        "method": request.method,
        "url": f"{url.scheme}://{url.netloc}{url.path}",
        "query": dict(parse_qsl(url.query)),
        "json": body_of(request),
        "auth": request.headers.get("authorization"),
    }


def _both(
    kit: SimpleNamespace,
    answer: Any,
    via_sdk: Callable[[vapi.Vapi], object],
    via_callswitch: Callable[[callswitch.Client], object],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run one operation through each library; the requests each sent, as shapes."""
    sdk_rec = kit.Recorder(lambda r: httpx.Response(200, json=answer))
    ours_rec = kit.Recorder(lambda r: httpx.Response(200, json=answer))
    with sdk_rec.client() as http:
        via_sdk(vapi.Vapi(token=kit.API_KEY, httpx_client=http))
    with ours_rec.client() as http:
        via_callswitch(callswitch.connect("vapi", api_key=kit.API_KEY, http_client=http))
    return (
        [_shape(r, kit.body_of) for r in sdk_rec.requests],
        [_shape(r, kit.body_of) for r in ours_rec.requests],
    )


def test_get_matches_sdk(kit: SimpleNamespace) -> None:
    """calls.get is GET /call/{id} with the bearer key, like the SDK's calls.get."""
    sdk, ours = _both(kit, kit.sdk_call(), lambda v: v.calls.get("c1"), lambda c: c.calls.get("c1"))
    assert ours == sdk
    assert ours[0]["url"] == "https://api.vapi.ai/call/c1"
    assert ours[0]["auth"] == f"Bearer {kit.API_KEY}"


def test_list_first_page_matches_sdk(kit: SimpleNamespace) -> None:
    """calls.list filters become the SDK's assistantId / createdAtGt / createdAtLt / limit."""
    sdk, ours = _both(
        kit,
        [],
        lambda v: v.calls.list(
            assistant_id="asst-1", limit=100, created_at_gt=AFTER, created_at_lt=BEFORE
        ),
        lambda c: list(c.calls.list(agent_id="asst-1", created_after=AFTER, created_before=BEFORE)),
    )
    assert ours == sdk
    assert ours[0]["query"]["createdAtLt"] == "2024-05-02T09:15:30.250000Z"


def test_list_next_page_uses_sdk_parameter_spelling(kit: SimpleNamespace) -> None:
    """The moving window's createdAtLe is spelled and formatted as the SDK sends it."""
    stamp = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    full_page = [kit.sdk_call(id=f"c{i}", created_at=stamp) for i in range(100)]
    pages = iter([full_page, []])
    ours_rec = kit.Recorder(lambda r: httpx.Response(200, json=next(pages)))
    with ours_rec.client() as http:
        client = callswitch.connect("vapi", api_key=kit.API_KEY, http_client=http)
        # The first page is full (100, the default size), so a second is asked for.
        assert len(list(client.calls.list())) == 100
    sdk_rec = kit.Recorder(lambda r: httpx.Response(200, json=[]))
    with sdk_rec.client() as http:
        vapi.Vapi(token=kit.API_KEY, httpx_client=http).calls.list(created_at_le=stamp, limit=200)
    ours_second = dict(parse_qsl(urlsplit(str(ours_rec.requests[1].url)).query))
    sdk_query = dict(parse_qsl(urlsplit(str(sdk_rec.requests[0].url)).query))
    # 100 ids already returned at the boundary raise the next limit from 100 to 200.
    assert ours_second == {"createdAtLe": sdk_query["createdAtLe"], "limit": "200"}
    assert sdk_query["createdAtLe"] == "2024-05-01T12:00:00.123000Z"


def test_create_phone_matches_sdk(kit: SimpleNamespace) -> None:
    """create_phone sends the body the SDK's calls.create sends for the same call."""
    sdk, ours = _both(
        kit,
        kit.sdk_call(type="outboundPhoneCall", status="queued"),
        lambda v: v.calls.create(
            assistant_id="asst-1",
            phone_number_id="pn-1",
            customer=CreateCustomerDto(number="+14155550123"),
            assistant_overrides=AssistantOverrides(
                variable_values={"name": "Ann"}, metadata={"crm_id": 7}
            ),
        ),
        lambda c: c.calls.create_phone(
            from_number="pn-1",
            to_number="+14155550123",
            agent_id="asst-1",
            variables={"name": "Ann"},
            metadata={"crm_id": 7},
        ),
    )
    assert ours == sdk
    assert ours[0]["json"]["assistantOverrides"] == {
        "variableValues": {"name": "Ann"},
        "metadata": {"crm_id": 7},
    }


def test_create_phone_without_overrides_matches_sdk(kit: SimpleNamespace) -> None:
    """Without variables or metadata no assistantOverrides key is sent, as with the SDK."""
    sdk, ours = _both(
        kit,
        kit.sdk_call(),
        lambda v: v.calls.create(
            assistant_id="asst-1",
            phone_number_id="pn-1",
            customer=CreateCustomerDto(number="+14155550123"),
        ),
        lambda c: c.calls.create_phone(
            from_number="pn-1", to_number="+14155550123", agent_id="asst-1"
        ),
    )
    assert ours == sdk


def test_update_matches_sdk(kit: SimpleNamespace) -> None:
    """CallUpdate(name=...) is the SDK's PATCH /call/{id} {name}."""
    sdk, ours = _both(
        kit,
        kit.sdk_call(name="renamed"),
        lambda v: v.calls.update("c1", name="renamed"),
        lambda c: c.calls.update("c1", CallUpdate(name="renamed")),
    )
    assert ours == sdk
    assert ours[0]["method"] == "PATCH"


def test_delete_matches_sdk(kit: SimpleNamespace) -> None:
    """calls.delete is the SDK's DELETE /call/{id}, body and all."""
    sdk, ours = _both(
        kit, kit.sdk_call(), lambda v: v.calls.delete("c1"), lambda c: c.calls.delete("c1")
    )
    assert ours == sdk
    assert ours[0]["method"] == "DELETE"


# -- control URL shapes (no SDK method; vendors.md "Live control messages") ----------------

CASES: list[tuple[LiveControl, list[dict[str, Any]]]] = [
    (
        LiveControl(inject_context="VIP caller", trigger_response=True),
        [
            {
                "type": "add-message",
                "message": {"role": "system", "content": "VIP caller"},
                "triggerResponseEnabled": True,
            }
        ],
    ),
    (
        LiveControl(inject_context="note silently"),
        [
            {
                "type": "add-message",
                "message": {"role": "system", "content": "note silently"},
                "triggerResponseEnabled": False,
            }
        ],
    ),
    (
        LiveControl(say="One moment please"),
        [{"type": "say", "content": "One moment please", "endCallAfterSpoken": False}],
    ),
    (LiveControl(end_call=True), [{"type": "end-call"}]),
    (
        LiveControl(transfer_to="+14155550100"),
        [{"type": "transfer", "destination": {"type": "number", "number": "+14155550100"}}],
    ),
    (
        LiveControl(transfer_to="sip:desk@example.com"),
        [{"type": "transfer", "destination": {"type": "sip", "sipUri": "sip:desk@example.com"}}],
    ),
    (LiveControl(mute_assistant=True), [{"type": "control", "control": "mute-assistant"}]),
    (LiveControl(mute_assistant=False), [{"type": "control", "control": "unmute-assistant"}]),
]


@pytest.mark.parametrize(("control", "expected"), CASES)
def test_control_message_shapes(
    kit: SimpleNamespace, control: LiveControl, expected: list[dict[str, Any]]
) -> None:
    """Each action is POSTed as the documented JSON to the absolute control URL, without
    the API key (the URL is its own credential)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=kit.ongoing_call())
        return httpx.Response(200, json={})

    rec = kit.Recorder(handler)
    with rec.client() as http:
        client = callswitch.connect("vapi", api_key=kit.API_KEY, http_client=http)
        client.calls.control("c1", control)
    posts = rec.requests[1:]
    assert [kit.body_of(r) for r in posts] == expected
    for r in posts:
        assert r.method == "POST"
        assert str(r.url) == kit.CONTROL_URL
        assert "authorization" not in r.headers
        assert kit.API_KEY not in str(r.headers)
