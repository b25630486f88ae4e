"""Bad input is refused with a callswitch error before anything is sent (sync and async).

Each case is an attack that got through before: a trailing newline or non-ASCII digits in
a number, an idempotency key with CR/LF/NUL or non-ASCII characters, metadata over
Retell's limit on create. The transport records every request; none may be made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import callswitch
from callswitch import LiveControl
from callswitch.errors import CallswitchError, InvalidRequestError

KEY = "sk_test_bad_input_0001"
BAD_NUMBERS = [
    "+14155550123\n",
    "+14155550123\r",
    "+1415555\u0660123",  # ARABIC-INDIC DIGIT ZERO
    "+\u0661\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0662\u0663",
    "+\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff10\uff11\uff12\uff13",  # FULLWIDTH
    "\n+14155550123",
    "+14155550123 ",
    "+14155550123\x00",
]
BAD_KEYS = [
    "key\r\nX-Injected: 1",
    "key\nnext",
    "key\x00nul",
    "cl\u00e9",
    "\u2603",
    "with space",
    "x" * 256,
    "",
    123,
]


class Recorder:
    """A mock transport that records what would have left the process."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(500, json={"message": "must not be reached"})


def _sync(provider: str, rec: Recorder) -> callswitch.Client:
    http = httpx.Client(transport=httpx.MockTransport(rec))
    return callswitch.connect(provider, api_key=KEY, http_client=http, max_retries=0)


def _async(provider: str, rec: Recorder) -> callswitch.AsyncClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    return callswitch.connect_async(provider, api_key=KEY, http_client=http, max_retries=0)


def _refused(action: Callable[[], Any], rec: Recorder) -> CallswitchError:
    with pytest.raises(CallswitchError) as info:
        action()
    assert rec.requests == [], "a request was sent for bad input"
    assert isinstance(info.value, InvalidRequestError), repr(info.value)
    return info.value


async def _refused_async(action: Callable[[], Any], rec: Recorder) -> CallswitchError:
    with pytest.raises(CallswitchError) as info:
        await action()
    assert rec.requests == [], "a request was sent for bad input"
    assert isinstance(info.value, InvalidRequestError), repr(info.value)
    return info.value


# ------------------------------------------------------------------------ phone numbers


@pytest.mark.parametrize("provider", ["retell", "vapi", "truedy"])
@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_to_number_must_be_whole_ascii_e164(provider: str, number: str) -> None:
    rec = Recorder()
    client = _sync(provider, rec)
    error = _refused(
        lambda: client.calls.create_phone(
            to_number=number, from_number="+14155550100", agent_id="agent_1"
        ),
        rec,
    )
    assert "E.164" in str(error)


@pytest.mark.parametrize("provider", ["retell", "vapi", "truedy"])
@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_from_number_must_be_whole_ascii_e164(provider: str, number: str) -> None:
    rec = Recorder()
    client = _sync(provider, rec)
    error = _refused(
        lambda: client.calls.create_phone(
            to_number="+14155550123", from_number=number, agent_id="agent_1"
        ),
        rec,
    )
    assert "E.164" in str(error)


@pytest.mark.parametrize("target", [*BAD_NUMBERS, "sip:desk@example.com\n", "sip:d\u00e9sk@x.com"])
def test_transfer_to_must_be_whole_ascii(target: str) -> None:
    rec = Recorder()
    client = _sync("vapi", rec)
    error = _refused(lambda: client.calls.control("c1", LiveControl(transfer_to=target)), rec)
    assert "E.164" in str(error)


@pytest.mark.anyio
@pytest.mark.parametrize("number", BAD_NUMBERS[:3])
async def test_numbers_refused_async(number: str) -> None:
    rec = Recorder()
    client = _async("retell", rec)
    await _refused_async(
        lambda: client.calls.create_phone(to_number=number, from_number="+14155550100"), rec
    )
    await _refused_async(
        lambda: client.calls.create_phone(to_number="+14155550100", from_number=number), rec
    )
    await _refused_async(
        lambda: _async("vapi", rec).calls.control("c1", LiveControl(transfer_to=number)), rec
    )


def test_call_id_with_a_final_newline_is_refused() -> None:
    rec = Recorder()
    _refused(lambda: _sync("vapi", rec).calls.get("c1\n"), rec)


def test_good_numbers_still_pass() -> None:
    """The stricter checks keep real numbers and SIP URIs."""
    from callswitch.models import LiveControl, NewPhoneCall, is_e164

    assert is_e164("+14155550123")
    assert NewPhoneCall(to_number="+442071838750", from_number="pn_1234-abcd").from_number
    assert LiveControl(transfer_to="sip:desk@example.com").transfer_to


# --------------------------------------------------------------------- idempotency keys


@pytest.mark.parametrize("provider", ["retell", "truedy"])
@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_bad_idempotency_key_is_refused_before_sending(provider: str, key: object) -> None:
    rec = Recorder()
    client = _sync(provider, rec)
    error = _refused(
        lambda: client.calls.create_phone(
            to_number="+14155550123",
            from_number="+14155550100",
            agent_id="agent_1",
            provider_options={provider: {"idempotency_key": key}},
        ),
        rec,
    )
    assert "idempotency_key" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["retell", "truedy"])
@pytest.mark.parametrize("key", ["key\r\nX: 1", "k\u00e9y", "nul\x00"], ids=repr)
async def test_bad_idempotency_key_is_refused_async(provider: str, key: str) -> None:
    rec = Recorder()
    client = _async(provider, rec)
    await _refused_async(
        lambda: client.calls.create_phone(
            to_number="+14155550123",
            from_number="+14155550100",
            agent_id="agent_1",
            provider_options={provider: {"idempotency_key": key}},
        ),
        rec,
    )


# ------------------------------------------------------------------- Retell metadata size


def _big() -> dict[str, str]:
    return {"blob": "x" * 50_001}


def test_retell_create_phone_refuses_metadata_over_the_limit() -> None:
    rec = Recorder()
    client = _sync("retell", rec)
    error = _refused(
        lambda: client.calls.create_phone(
            to_number="+14155550123", from_number="+14155550100", metadata=_big()
        ),
        rec,
    )
    assert "50 kB" in str(error)


def test_retell_create_web_refuses_metadata_over_the_limit() -> None:
    rec = Recorder()
    client = _sync("retell", rec)
    error = _refused(lambda: client.calls.create_web(agent_id="agent_1", metadata=_big()), rec)
    assert "50 kB" in str(error)


@pytest.mark.anyio
async def test_retell_create_refuses_big_metadata_async() -> None:
    rec = Recorder()
    client = _async("retell", rec)
    await _refused_async(
        lambda: client.calls.create_phone(
            to_number="+14155550123", from_number="+14155550100", metadata=_big()
        ),
        rec,
    )
    await _refused_async(lambda: client.calls.create_web(agent_id="a", metadata=_big()), rec)


# ------------------------------------------------------------------------ Vapi options


def test_vapi_refuses_an_idempotency_key() -> None:
    """Vapi's POST /call takes no idempotency key; sending one as a body field does nothing."""
    rec = Recorder()
    client = _sync("vapi", rec)
    error = _refused(
        lambda: client.calls.create_phone(
            to_number="+14155550123",
            from_number="pn_1",
            agent_id="asst_1",
            provider_options={"vapi": {"idempotency_key": "k-1"}},
        ),
        rec,
    )
    assert "no idempotency key" in str(error)


@pytest.mark.anyio
async def test_vapi_refuses_an_idempotency_key_async() -> None:
    rec = Recorder()
    client = _async("vapi", rec)
    error = await _refused_async(
        lambda: client.calls.create_phone(
            to_number="+14155550123",
            from_number="pn_1",
            agent_id="asst_1",
            provider_options={"vapi": {"idempotency_key": "k-1"}},
        ),
        rec,
    )
    assert "no idempotency key" in str(error)
