"""Replays of the cassettes recorded by scripts/record_cassettes.py (cassettes/*/recorded/).

Each provider's cassettes are replayed together, in the order they were recorded, by
running the recording script's own steps through a default client (production base URL,
no network). Requests are matched on method, URL and JSON body (an idempotency key aside).
A second set of tests checks that the recorded payloads follow the vendors' documented
shapes: the official SDKs' response types (Retell, Vapi), the documented examples (Retell
seed 001), and Truedy's OpenAPI fragment (seed 002).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

import callswitch
from callswitch import CallStatus, LiveControl
from callswitch.errors import AuthenticationError, NotFoundError
from callswitch.registry import default_registry

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
RETELL_EXAMPLE = ROOT / "tests" / "retell" / "data" / "seed001_update_call_response.json"
TRUEDY_OPENAPI = ROOT / "providers" / "callswitch_truedy" / "openapi_fragment.yaml"
MATCH_ON = ["method", "scheme", "host", "port", "path", "query", "json_body"]


def _recorder() -> ModuleType:
    name = "callswitch_record_cassettes"  # the same module the conftest loads
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts/record_cassettes.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


REC = _recorder()
RECORDED = sorted(p.parent.name for p in CASSETTES.glob("*/recorded") if any(p.glob("*.yaml")))


def _replay_params() -> list[Any]:
    params = []
    for provider in RECORDED:
        paths = REC.cassette_paths(provider)
        params.append(
            pytest.param(
                provider,
                marks=[
                    pytest.mark.vcr(*paths, match_on=MATCH_ON),
                    pytest.mark.default_cassette(paths[0]),
                ],
                id=provider,
            )
        )
    return params


def test_every_emulated_provider_has_recorded_cassettes() -> None:
    """The recording command covered every provider that ships an emulator, and exactly
    the steps its declarations allow (nothing stale left behind)."""
    emulated = [n for n in callswitch.providers() if default_registry().get(n).emulator]
    assert sorted(emulated) == RECORDED
    for provider in RECORDED:
        on_disk = sorted(
            str(p.relative_to(CASSETTES)) for p in (CASSETTES / provider / "recorded").glob("*")
        )
        assert on_disk == sorted(REC.cassette_paths(provider))


@pytest.mark.parametrize("provider", _replay_params())
def test_recorded_flow_replays_through_callswitch(provider: str, vcr: Any) -> None:
    """Every recorded interaction is replayed, and callswitch reads the results right."""
    with (
        callswitch.connect(
            provider, api_key="replay-key", max_retries=0, on_unsupported="drop"
        ) as main,
        callswitch.connect(provider, api_key="another-key", max_retries=0) as wrong,
    ):
        results = REC.play(
            REC.Clients(main, wrong),
            cassette=lambda name: contextlib.nullcontext(),
            world=lambda event, state: None,
        )
        caps = main.capabilities
    assert vcr.all_played, "a recorded interaction was not replayed"
    call_id = results["call_id"]

    created = results["create_phone_call"]
    assert created.id == call_id
    assert created.status is CallStatus.QUEUED
    assert created.variables.items() >= REC.VARIABLES.items()
    assert results["get_live_call"].status is CallStatus.ONGOING

    if caps.supports("calls.control"):
        control = results["control_live_call"]
        assert control.applied == ("control.inject_context", "control.trigger_response")
    if "update_call" in results:
        update = REC._update_for(caps)
        expected = {f"update.{name}" for name in update.set_fields()}
        assert set(results["update_call"].applied) == expected
        assert results["update_call"].dropped == ()

    ended = results["get_ended_call"]
    assert ended.status is CallStatus.ENDED
    assert ended.transcript
    if caps.supports("control.inject_context"):
        assert REC.CONTEXT in [u.text for u in ended.transcript]
    assert call_id in [c.id for c in results["list_calls"]]

    if caps.supports("calls.delete"):
        assert isinstance(results["get_deleted_call"], NotFoundError)
    assert isinstance(results["get_unknown_call"], NotFoundError)
    assert isinstance(results["wrong_api_key"], AuthenticationError)
    # Nothing that identifies the recording host or a key survived.
    for path in (CASSETTES / provider / "recorded").glob("*.yaml"):
        text = path.read_text()
        assert "127.0.0.1" not in text
        assert REC.EMULATOR_KEY not in text


def test_a_changed_request_does_not_replay() -> None:
    """Body matching is real: a different live-control text finds no recorded answer."""
    import vcr as vcrpy
    from vcr.errors import CannotOverwriteExistingCassetteException

    from callswitch.errors import TransportError

    tape = vcrpy.VCR(
        record_mode="none",
        filter_headers=[(h, None) for h in REC.auth_headers()],
        match_on=["method", "scheme", "host", "port", "path", "query", "body"],
    )
    path = CASSETTES / "retell" / "recorded" / "control_live_call.yaml"
    data = yaml.safe_load(path.read_text())
    call_id = data["interactions"][0]["request"]["uri"].rsplit("/", 1)[1]
    with (
        tape.use_cassette(str(path)),
        callswitch.connect("retell", api_key="k", max_retries=0) as client,
        pytest.raises((CannotOverwriteExistingCassetteException, TransportError)),
    ):
        client.calls.control(call_id, LiveControl(inject_context="something else entirely"))


#: Ids the emulators mint (hex after "call_", or a UUID); fixed ids like
#: call_does_not_exist_0000 stay as they are.
_FRESH_ID = re.compile(
    r"/(?:call_[0-9a-f]{12,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"(?=/|$)"
)


def _shape(path: Path) -> list[tuple[str, str, int]]:
    """(method, URL with ids as {id}, status) of each interaction: what a re-recording
    must reproduce (ids, timestamps and idempotency keys are fresh on every run)."""
    out = []
    for item in yaml.safe_load(path.read_text())["interactions"]:
        uri = re.sub(_FRESH_ID, "/{id}", item["request"]["uri"])
        out.append((item["request"]["method"], uri, item["response"]["status"]["code"]))
    return out


def test_the_recording_command_reproduces_the_committed_cassettes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python scripts/record_cassettes.py` (emulators on 127.0.0.1) records the same
    interactions as the committed cassettes, with no credential header and no local host.
    When this fails after an adapter or emulator change, re-run the command."""
    assert REC.main(["--out", str(tmp_path)]) == 0
    written = json.loads(capsys.readouterr().out)
    assert sorted(written) == RECORDED
    for provider in RECORDED:
        assert written[provider] == sorted(REC.cassette_paths(provider))
        for relative in written[provider]:
            fresh, committed = tmp_path / relative, CASSETTES / relative
            assert _shape(fresh) == _shape(committed), relative
            text = fresh.read_text().lower()
            assert "127.0.0.1" not in text
            for header in REC.auth_headers():
                assert f"{header}:" not in text


# ---------------------------------------------------------------- documented shapes


def _interactions() -> list[Any]:
    found = []
    for path in sorted(CASSETTES.glob("*/recorded/*.yaml")):
        provider = path.parent.parent.name
        for index, item in enumerate(yaml.safe_load(path.read_text())["interactions"]):
            body = item["response"]["body"]["string"]
            found.append(
                pytest.param(
                    provider,
                    item["request"]["method"],
                    item["request"]["uri"],
                    item["response"]["status"]["code"],
                    json.loads(body) if body else None,
                    id=f"{provider}/{path.stem}/{index}",
                )
            )
    return found


def _json_type(value: Any) -> str:
    for kind, names in (
        (bool, "boolean"),
        (int, "integer"),
        (float, "number"),
        (str, "string"),
        (list, "array"),
        (dict, "object"),
    ):
        if isinstance(value, kind):
            return names
    return "null"


def _same_types_as_example(payload: dict[str, Any], example: dict[str, Any]) -> list[str]:
    """Keys both have whose JSON types differ (null and int-for-number are fine)."""
    wrong = []
    for key, documented in example.items():
        if key not in payload or payload[key] is None or documented is None:
            continue
        got, want = _json_type(payload[key]), _json_type(documented)
        if got != want and {got, want} != {"integer", "number"}:
            wrong.append(f"{key}: {got}, documented {want}")
    return wrong


def _check_retell(method: str, uri: str, status: int, body: Any) -> None:
    from retell.types import CallListResponse, PhoneCallResponse

    if status >= 400:
        assert body["status"] == "error"
        assert isinstance(body["message"], str)
        return
    if "/v3/list-calls" in uri:
        page = CallListResponse.model_validate(body)
        assert isinstance(body["has_more"], bool)
        assert page.items
        return
    if body is None:  # stop-call, delete-call: 204
        assert status == 204
        return
    if "update-live-call" in uri:
        return  # seed 000: the response body is not documented beyond success
    # retell-sdk 6.2.13 types transcript_object's roles as agent/user/transfer_target and
    # puts injected context in transcript_with_tool_calls only (InjectedUtterance): the
    # recorded body validates as it is.
    PhoneCallResponse.model_validate(body)
    for utterance in body.get("transcript_object") or []:
        assert utterance["role"] in ("agent", "user", "transfer_target")
    for key in ("call_id", "call_type", "agent_id", "call_status", "from_number", "to_number"):
        assert isinstance(body[key], str), key
    assert isinstance(body["metadata"], dict)
    assert isinstance(body["retell_llm_dynamic_variables"], dict)
    example = json.loads(RETELL_EXAMPLE.read_text())
    assert not _same_types_as_example(body, example)
    if body["call_status"] == "ended":
        for key in ("start_timestamp", "end_timestamp", "duration_ms"):
            assert isinstance(body[key], int), key
        for utterance in body["transcript_object"]:
            assert {"role", "content"} <= set(utterance)


def _check_vapi(method: str, uri: str, status: int, body: Any) -> None:
    from pydantic import TypeAdapter
    from vapi.types import Call

    if status >= 400:
        assert isinstance(body["statusCode"], int)
        assert body["statusCode"] == status
        assert isinstance(body["message"], str | list)
        return
    if uri.endswith("/control"):
        assert body == {}  # ASSUMPTION in the emulator: Vapi does not document this body
        return
    if "/v2/phone-number" in uri:
        from vapi.types import PhoneNumberPaginatedResponse

        page = PhoneNumberPaginatedResponse.model_validate(body)
        assert all(
            isinstance(n["number"], str) and isinstance(n["id"], str) for n in body["results"]
        )
        assert page.metadata.total_items == len(body["results"])
        return
    if "/phone-number/" in uri:
        assert isinstance(body["number"], str)
        assert isinstance(body["id"], str)
        return
    calls = body if isinstance(body, list) else [body]
    for item in TypeAdapter(list[Call]).validate_python(calls):
        assert item.id
    for raw in calls:
        for key in ("id", "orgId", "type", "status", "createdAt", "updatedAt"):
            assert isinstance(raw[key], str), key
        assert isinstance(raw["customer"]["number"], str)
        if raw["status"] == "in-progress":
            assert raw["monitor"]["controlUrl"].startswith("https://api.vapi.ai/")


def _openapi() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(TRUEDY_OPENAPI.read_text())
    return data


def _schema_errors(value: Any, schema: dict[str, Any], spec: dict[str, Any], at: str) -> list[str]:
    """A small JSON-schema check (type, enum, required, properties, items, $ref)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _schema_errors(value, spec["components"]["schemas"][name], spec, at)
    errors = []
    kinds = schema.get("type")
    if kinds is not None:
        allowed = kinds if isinstance(kinds, list) else [kinds]
        got = _json_type(value)
        if got not in allowed and not (got == "integer" and "number" in allowed):
            errors.append(f"{at}: {got}, documented {allowed}")
    if "enum" in schema and value is not None and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        errors += [f"{at}.{k}: missing" for k in schema.get("required", []) if k not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += _schema_errors(value[key], sub, spec, f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += _schema_errors(item, schema["items"], spec, f"{at}[{i}]")
    return errors


def _check_truedy(method: str, uri: str, status: int, body: Any) -> None:
    spec = _openapi()
    schemas = spec["components"]["schemas"]
    if status >= 400:
        assert not _schema_errors(body, schemas["ErrorResponse"], spec, "body")
        return
    assert not _schema_errors(body["meta"], schemas["ResponseMeta"], spec, "meta")
    items = body["data"] if isinstance(body["data"], list) else [body["data"]]
    for item in items:
        assert not _schema_errors(item, schemas["CallResponse"], spec, "data")
    if isinstance(body["data"], list):
        page = body["pagination"]
        assert {k: _json_type(page[k]) for k in ("total", "limit", "offset", "has_more")} == {
            "total": "integer",
            "limit": "integer",
            "offset": "integer",
            "has_more": "boolean",
        }


CHECKS = {"retell": _check_retell, "vapi": _check_vapi, "truedy": _check_truedy}


@pytest.mark.parametrize(("provider", "method", "uri", "status", "body"), _interactions())
def test_recorded_payload_follows_the_documented_shape(
    provider: str, method: str, uri: str, status: int, body: Any
) -> None:
    production = default_registry().get(provider).default_base_url
    if not uri.endswith("/control"):
        assert uri.startswith(production)
    CHECKS[provider](method, uri, status, body)


def test_vapi_costs_items_carry_the_sdk_subtype() -> None:
    from pydantic import TypeAdapter
    from vapi.types import Call

    path = CASSETTES / "vapi" / "recorded" / "get_ended_call.yaml"
    body = yaml.safe_load(path.read_text())["interactions"][0]["response"]["body"]["string"]
    TypeAdapter(Call).validate_python(json.loads(body))
