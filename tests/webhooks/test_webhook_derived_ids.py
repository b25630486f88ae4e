"""Derived event ids (Retell and Vapi send none): stable for one event, distinct otherwise."""

from __future__ import annotations

import copy
import json
from types import ModuleType
from typing import Any

import pytest

from callswitch import webhooks


def _parse_body(samples: ModuleType, body: bytes) -> webhooks.CallEvent:
    header = {"x-retell-signature": samples.sign_retell(body)}
    return webhooks.parse("retell", headers=header, body=body, secret=samples.KEY, now=samples.NOW)


def test_parse_and_event_from_payload_give_one_event_the_same_id(samples: ModuleType) -> None:
    for payload in samples.retell_payloads().values():
        parsed = _parse_body(samples, samples.dumps(payload))
        replayed = webhooks.event_from_payload("retell", json.loads(samples.dumps(payload)))
        assert parsed.id == replayed.id
        assert parsed.id.startswith("derived_")
        assert len(parsed.id) == len("derived_") + 40


def test_the_id_does_not_depend_on_the_body_whitespace(samples: ModuleType) -> None:
    """A redelivery re-serialized with other spacing is still the same event."""
    payload = samples.retell_payloads()["call_ended"]
    compact = json.dumps(payload, separators=(",", ":")).encode()
    spaced = json.dumps(payload, indent=2).encode()
    assert _parse_body(samples, compact).id == _parse_body(samples, spaced).id


def test_one_changed_word_timing_gives_another_id(samples: ModuleType) -> None:
    """Two transcript updates of one call differing deep inside are different events."""
    payload = samples.retell_payloads()["call_ended"]
    moved = copy.deepcopy(payload)
    moved["call"]["transcript_object"][1]["words"][0]["end"] = 2.5
    nulled = copy.deepcopy(payload)
    nulled["call"]["transcript_object"][1]["words"][0]["end"] = None
    ids = {webhooks.event_from_payload("retell", p).id for p in (payload, moved, nulled)}
    assert len(ids) == 3


def test_the_id_depends_on_provider_event_name_and_call() -> None:
    derive = webhooks.derive_event_id
    body = {"a": 1}
    ids = {
        derive("retell", "call_ended", "c1", body),
        derive("vapi", "call_ended", "c1", body),
        derive("retell", "call_analyzed", "c1", body),
        derive("retell", "call_ended", "c2", body),
        derive("retell", "call_ended", None, body),
    }
    assert len(ids) == 5


def test_the_verified_body_is_read_by_callswitch_http_loads(
    samples: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """parse() reads bodies with the faster parser, and gets what json.loads gets."""
    from callswitch.webhooks import _api

    seen: list[bytes] = []
    real = _api.loads

    def spy(data: bytes) -> Any:
        seen.append(data)
        return real(data)

    monkeypatch.setattr(_api, "loads", spy)
    payload = samples.retell_payloads()["call_ended"]
    payload["call"]["transcript"] = 'Agent: café \u00e9t\u00e9 \U0001f600 "quoted" \\ slash\n'
    body = samples.dumps(payload)
    event = _parse_body(samples, body)
    assert seen == [body]
    assert event.raw == json.loads(body)
