"""Build the hand-made Retell cassettes in cassettes/retell/ from documented payloads.

Run from the repository root: ``python tests/retell/build_cassettes.py``. The payloads
come from tests/retell/data/ (copied from the Retell API pages: seed 001 update-call
example, seed 004 create-web-call schema examples, seed 000 update-live-call example)
and from the v3 shapes in retell-sdk 6.2.13 (types/create_web_call_response.py,
types/call_list_response.py). Request bodies are written exactly as httpx sends them
(compact JSON), because the cassette tests match on the body. No credential header is
written: the client's Authorization header is not part of any recorded request.

To record against the real API instead (needs a key, costs calls), run the cassette
tests with ``--record-mode=once`` after deleting the cassette; vcr_config filters the
auth headers (tests/conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "retell" / "data"
OUT = ROOT / "cassettes" / "retell"
BASE = "https://api.retellai.com"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def interaction(
    method: str, path: str, request_body: Any, status: int, response_body: Any
) -> dict[str, Any]:
    headers = {"content-type": ["application/json"]} if request_body is not None else {}
    body = _compact(response_body) if response_body is not None else ""
    return {
        "request": {
            "body": _compact(request_body) if request_body is not None else "",
            "headers": headers,
            "method": method,
            "uri": BASE + path,
        },
        "response": {
            "status": {"code": status, "message": _REASONS[status]},
            "headers": {"content-type": ["application/json"]} if body else {},
            "body": {"string": body},
        },
    }


_REASONS = {200: "OK", 201: "Created", 204: "No Content", 422: "Unprocessable Entity"}


def cassettes() -> dict[str, list[dict[str, Any]]]:
    seed001 = _load("seed001_update_call_response.json")
    seed000 = _load("seed000_update_live_call_request.json")
    call_id = seed001["call_id"]
    ended = {**seed001, "call_status": "ended"}
    # v3 list items omit transcript and recording fields (vendors.md).
    omitted = {"transcript", "transcript_object", "transcript_with_tool_calls", "recording_url"}
    item = {k: v for k, v in ended.items() if k not in omitted}
    second = {**item, "call_id": "call_second_page"}
    web_v3 = {
        "access_token": seed001["access_token"],
        "call_id": call_id,
        "expires_at": 1703302467333,
        "ice_servers": [{"urls": ["stun:stun.l.google.com:19302"]}],
        "transport": "gateway",
    }
    return {
        "retell_get_call.yaml": [
            interaction("GET", f"/v2/get-call/{call_id}", None, 200, ended),
        ],
        "retell_update_ended_call.yaml": [
            interaction("GET", f"/v2/get-call/{call_id}", None, 200, ended),
            interaction(
                "PATCH",
                f"/v2/update-call/{call_id}",
                {"metadata": {"customer_id": "cust_123", "notes": "Follow-up required"}},
                200,
                {**ended, "metadata": {"customer_id": "cust_123", "notes": "Follow-up required"}},
            ),
        ],
        "retell_control_live_call.yaml": [
            interaction(
                "PATCH",
                "/v2/update-live-call/call_a4441234567890777c4a4a123e6",
                seed000,
                200,
                {"success": True},
            ),
        ],
        "retell_list_two_pages.yaml": [
            interaction(
                "POST",
                "/v3/list-calls",
                {"limit": 100},
                200,
                {"items": [item], "has_more": True, "pagination_key": "opaque-cursor-1"},
            ),
            interaction(
                "POST",
                "/v3/list-calls",
                {"limit": 100, "pagination_key": "opaque-cursor-1"},
                200,
                {"items": [second], "has_more": False},
            ),
        ],
        "retell_create_web_call.yaml": [
            interaction(
                "POST",
                "/v3/create-web-call",
                {
                    "agent_id": seed001["agent_id"],
                    "retell_llm_dynamic_variables": {"customer_name": "John Doe"},
                },
                201,
                web_v3,
            ),
        ],
        "retell_create_phone_call.yaml": [
            interaction(
                "POST",
                "/v2/create-phone-call",
                {
                    "from_number": "+12137771234",
                    "to_number": "+12137771235",
                    "idempotency_key": "order-42",
                },
                201,
                {
                    "call_type": "phone_call",
                    "call_id": "call_phone_1",
                    "agent_id": seed001["agent_id"],
                    "agent_version": 1,
                    "call_status": "registered",
                    "direction": "outbound",
                    "from_number": "+12137771234",
                    "to_number": "+12137771235",
                },
            ),
        ],
        "retell_unknown_call.yaml": [
            interaction(
                "GET",
                "/v2/get-call/call_does_not_exist",
                None,
                422,
                {"status": "error", "message": "Cannot find requested asset under given api key."},
            ),
        ],
        "retell_end_and_delete.yaml": [
            interaction("POST", f"/v2/stop-call/{call_id}", None, 204, None),
            interaction("DELETE", f"/v2/delete-call/{call_id}", None, 204, None),
        ],
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, interactions in cassettes().items():
        text = yaml.safe_dump(
            {"interactions": interactions, "version": 1}, sort_keys=False, allow_unicode=True
        )
        (OUT / name).write_text(text)
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
