"""The plugin conformance suite, run against the three built-in providers.

The bodies below are minimal responses shaped as vendors.md describes them.
"""

from __future__ import annotations

from callswitch.testing import ProviderConformance

RETELL_PHONE = {
    "call_id": "call_r1",
    "call_type": "phone_call",
    "agent_id": "agent_1",
    "call_status": "ongoing",
    "from_number": "+14155550100",
    "to_number": "+14155550123",
    "start_timestamp": 1767225600000,
}
RETELL_WEB = {
    "call_id": "call_r2",
    "call_type": "web_call",
    "agent_id": "agent_1",
    "call_status": "registered",
}
VAPI_CALL = {
    "id": "call_v1",
    "orgId": "org_1",
    "type": "outboundPhoneCall",
    "status": "in-progress",
    "createdAt": "2026-01-01T00:00:00.000Z",
    "updatedAt": "2026-01-01T00:00:05.000Z",
}
TRUEDY_CALL = {"id": "call_t1", "status": "in_progress", "agent_id": "agent_1"}


class TestRetellConformance(ProviderConformance):
    provider = "retell"
    get_responses = (RETELL_PHONE, RETELL_WEB, {"call_id": "call_r3"})
    list_responses = (
        {"items": [RETELL_PHONE], "has_more": True, "pagination_key": "call_r1"},
        {"items": [], "has_more": False},
    )


class TestVapiConformance(ProviderConformance):
    provider = "vapi"
    get_responses = (VAPI_CALL, {"id": "call_v2"})
    list_responses = ([VAPI_CALL], [])


class TestTruedyConformance(ProviderConformance):
    provider = "truedy"
    get_responses = (
        {"data": TRUEDY_CALL, "meta": {"request_id": "req_1"}},
        {"data": {"id": "call_t2"}},
    )
    list_responses = (
        {
            "data": [TRUEDY_CALL],
            "pagination": {"total": 1, "limit": 10, "offset": 0, "has_more": False},
            "meta": {"request_id": "req_2"},
        },
    )
