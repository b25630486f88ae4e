"""Build the hand-made Vapi cassettes in cassettes/vapi/.

Run from the repository root: ``.venv/bin/python tests/vapi/build_vapi_cassettes.py``.
Call payloads are built and serialized with ``vapi.types.Call`` from vapi-server-sdk
3.0.0, so their field names and nesting are the SDK's. Error bodies follow the NestJS
shape in shared/vendors.md. The control URL host is illustrative: Vapi does not document
its form, only that it comes from the call's ``monitor.controlUrl``. Request bodies are
written exactly as httpx encodes them, because the cassette tests match on the body. No
credential header is written.

To record against the real API instead (needs a key, places real calls), delete a
cassette and run its test with ``--record-mode=once``; vcr_config filters auth headers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from vapi.phone_numbers.types import GetPhoneNumbersResponse_Vapi
from vapi.types import (
    Analysis,
    Artifact,
    AssistantOverrides,
    BotMessage,
    Call,
    CreateCustomerDto,
    Monitor,
    UserMessage,
)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "cassettes" / "vapi"
BASE = "https://api.vapi.ai"
CONTROL = "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/{id}/control"
T0 = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)


def call(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"org_id": "org-demo", "created_at": T0, "updated_at": T0}
    base.update(fields)
    dumped: dict[str, Any] = Call(**base).model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def ended_call(call_id: str) -> dict[str, Any]:
    return call(
        id=call_id,
        type="outboundPhoneCall",
        status="ended",
        ended_reason="assistant-ended-call",
        started_at=T0 + timedelta(seconds=2),
        ended_at=T0 + timedelta(seconds=95),
        cost=0.087,
        assistant_id="asst-demo",
        phone_number_id="pn-demo",
        customer=CreateCustomerDto(number="+14155550123"),
        assistant_overrides=AssistantOverrides(
            variable_values={"customer_name": "Ann"}, metadata={"ticket": "T-42"}
        ),
        analysis=Analysis(summary="Ann confirmed her appointment.", success_evaluation="true"),
        artifact=Artifact(
            messages=[
                BotMessage(
                    role="bot",
                    message="Hi Ann, calling about tomorrow.",
                    time=1714564802000,
                    end_time=1714564804000,
                    seconds_from_start=0.4,
                ),
                UserMessage(
                    role="user",
                    message="Yes, I'll be there.",
                    time=1714564805000,
                    end_time=1714564806500,
                    seconds_from_start=3.4,
                ),
            ],
            recording_url="https://storage.vapi.ai/demo-recording.wav",
        ),
    )


def phone_number() -> dict[str, Any]:
    number = GetPhoneNumbersResponse_Vapi(
        provider="vapi",
        id="pn-demo",
        org_id="org-demo",
        created_at=T0,
        updated_at=T0,
        number="+14155550100",
        name="demo line",
    )
    dumped: dict[str, Any] = number.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def live_call(call_id: str) -> dict[str, Any]:
    return call(
        id=call_id,
        type="outboundPhoneCall",
        status="in-progress",
        started_at=T0 + timedelta(seconds=2),
        assistant_id="asst-demo",
        phone_number_id="pn-demo",
        customer=CreateCustomerDto(number="+14155550123"),
        monitor=Monitor(
            listen_url=f"wss://phone-call-websocket.example.vapi.ai/{call_id}/listen",
            control_url=CONTROL.format(id=call_id),
        ),
    )


def interaction(
    method: str,
    url: str,
    request_json: Any,
    status: int,
    response_json: Any,
    params: dict[str, str] | None = None,
) -> dict[str, Any]:
    encoded = httpx.Request(method, url, params=params, json=request_json)
    body = encoded.content.decode() if request_json is not None else ""
    return {
        "request": {"body": body, "headers": {}, "method": method, "uri": str(encoded.url)},
        "response": {
            "status": {"code": status, "message": httpx.codes.get_reason_phrase(status)},
            "headers": {"content-type": ["application/json; charset=utf-8"]},
            "body": {"string": httpx.Response(status, json=response_json).text},
        },
    }


def write(name: str, interactions: list[dict[str, Any]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"interactions": interactions, "version": 1}, sort_keys=False)
    (OUT / name).write_text(text)


def main() -> None:
    write(
        "vapi_get_call.yaml",
        [
            interaction("GET", f"{BASE}/call/vc-ended-1", None, 200, ended_call("vc-ended-1")),
            # The call names its number by phoneNumberId only: one lookup gives the number.
            interaction("GET", f"{BASE}/phone-number/pn-demo", None, 200, phone_number()),
        ],
    )

    created = call(
        id="vc-new-1",
        type="outboundPhoneCall",
        status="queued",
        assistant_id="asst-demo",
        phone_number_id="pn-demo",
        customer=CreateCustomerDto(number="+14155550123"),
        assistant_overrides=AssistantOverrides(
            variable_values={"customer_name": "Ann"}, metadata={"ticket": "T-42"}
        ),
    )
    write(
        "vapi_create_phone_call.yaml",
        [
            interaction(
                "POST",
                f"{BASE}/call",
                {
                    "assistantId": "asst-demo",
                    "assistantOverrides": {
                        "variableValues": {"customer_name": "Ann"},
                        "metadata": {"ticket": "T-42"},
                    },
                    "customer": {"number": "+14155550123"},
                    "phoneNumberId": "pn-demo",
                },
                201,
                created,
            )
        ],
    )

    # 100 calls on the first page (the default page size), the last 2 of them sharing one
    # instant with 3 more calls that only the second page returns.
    stamps = [T0 - timedelta(seconds=i) for i in range(98)] + [T0 - timedelta(seconds=98)] * 5
    rows = [
        {
            "id": f"vc-list-{i:03d}",
            "createdAt": call(id="x", created_at=at)["createdAt"],
            "status": "ended",
            "type": "outboundPhoneCall",
        }
        for i, at in enumerate(stamps)
    ]
    boundary = rows[-1]["createdAt"]
    write(
        "vapi_list_two_pages.yaml",
        [
            interaction("GET", f"{BASE}/call", None, 200, rows[:100], params={"limit": "100"}),
            interaction(
                "GET",
                f"{BASE}/call",
                None,
                200,
                rows[98:],  # the 2 already seen at the boundary come back, plus 3 new
                params={"createdAtLe": boundary, "limit": "102"},
            ),
        ],
    )

    control = CONTROL.format(id="vc-live-1")
    write(
        "vapi_control_live_call.yaml",
        [
            interaction("GET", f"{BASE}/call/vc-live-1", None, 200, live_call("vc-live-1")),
            interaction(
                "POST",
                control,
                {
                    "type": "add-message",
                    "message": {"role": "system", "content": "The caller is a premium member."},
                    "triggerResponseEnabled": True,
                },
                200,
                {},
            ),
            interaction(
                "POST",
                control,
                {"type": "say", "content": "Thanks for waiting.", "endCallAfterSpoken": False},
                200,
                {},
            ),
            interaction("POST", control, {"type": "end-call"}, 200, {}),
        ],
    )

    renamed = ended_call("vc-ended-1")
    renamed["name"] = "Appointment reminder"
    write(
        "vapi_update_and_delete.yaml",
        [
            interaction(
                "PATCH",
                f"{BASE}/call/vc-ended-1",
                {"name": "Appointment reminder"},
                200,
                renamed,
            ),
            interaction("DELETE", f"{BASE}/call/vc-ended-1", {}, 200, renamed),
        ],
    )

    write(
        "vapi_errors.yaml",
        [
            interaction(
                "GET",
                f"{BASE}/call/vc-missing",
                None,
                404,
                {"message": "Call not found", "error": "Not Found", "statusCode": 404},
            ),
            interaction(
                "POST",
                f"{BASE}/call",
                {
                    "assistantId": "asst-demo",
                    "customer": {"number": "+14155550123"},
                    "phoneNumberId": "pn-unknown",
                },
                400,
                {
                    "message": ["phoneNumberId must be a UUID", "customer.number is invalid"],
                    "error": "Bad Request",
                    "statusCode": 400,
                },
            ),
        ],
    )


if __name__ == "__main__":
    main()
