"""A hostile or broken vendor answer is never a success, never a raw exception, and never
puts the key in an error (issue 13). Every case runs sync and async."""

from __future__ import annotations

import gzip
import json
import pickle
from typing import Any

import httpx
import pytest

from callswitch import LiveControl
from callswitch.errors import (
    NotFoundError,
    OutcomeUnknownError,
    ProviderError,
    ServerError,
    TransportError,
)
from security.hostile_support import KEY, TALLY, assert_clean, outcome, run

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
CALL = {"call_id": "call_1", "call_status": "ended", "agent_id": "a"}


def _deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


# -- redirects ----------------------------------------------------------------------------
OPERATIONS: dict[str, Any] = {
    "get": lambda calls: calls.get("call_1"),
    "end": lambda calls: calls.end("call_1"),
    "delete": lambda calls: calls.delete("call_1"),
    "control": lambda calls: calls.control("call_1", LiveControl(inject_context="VIP")),
    "create": lambda calls: calls.create_phone(
        from_number="+14155550100", to_number="+14155550123"
    ),
}


@MODES
@pytest.mark.parametrize("status", [301, 302, 303, 304, 307, 308])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_a_redirect_is_an_error_that_names_where_without_credentials(
    mode: str, status: int, operation: str
) -> None:
    seen: list[httpx.Request] = []
    target = "https://user:pw@evil.example/steal?token=abc#frag"

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "evil.example":
            return httpx.Response(200, json=CALL)
        return httpx.Response(status, headers={"Location": target})

    # The caller's own httpx client follows redirects: callswitch must not let it.
    exc = outcome(
        mode,
        "retell",
        handler,
        OPERATIONS[operation],
        http_kwargs={"follow_redirects": True},
    )
    assert isinstance(exc, ProviderError), exc
    assert "redirect" in str(exc)
    assert "https://evil.example/steal" in str(exc)
    assert exc.status_code == status
    assert_clean(exc, "user:pw", "token=abc")
    assert all(r.url.host != "evil.example" for r in seen), "followed a redirect with the key"


# -- every httpx failure is mapped --------------------------------------------------------
def _corrupt_gzip(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"Content-Encoding": "gzip"},
        stream=httpx.ByteStream(b"\x1f\x8b\x08\x00not gzip at all"),
    )


@MODES
def test_a_corrupt_gzip_answer_to_a_read_is_a_clean_transport_error(mode: str) -> None:
    exc = outcome(mode, "retell", _corrupt_gzip, OPERATIONS["get"])
    assert isinstance(exc, TransportError)
    assert exc.sent is True
    assert_clean(exc)


@MODES
def test_a_corrupt_gzip_answer_to_a_keyed_create_hands_back_the_key(mode: str) -> None:
    exc = outcome(
        mode,
        "truedy",
        _corrupt_gzip,
        lambda calls: calls.create_phone(
            from_number="+14155550100",
            to_number="+14155550123",
            agent_id="agent_1",
            provider_options={"truedy": {"idempotency_key": "idem-123"}},
        ),
    )
    assert isinstance(exc, OutcomeUnknownError), exc
    assert exc.idempotency_key == "idem-123"
    assert_clean(exc)
    assert pickle.loads(pickle.dumps(exc)).idempotency_key  # noqa: S301 - our own bytes == "idem-123"


RAISERS: dict[str, Exception] = {
    "read-error": httpx.ReadError("connection reset"),
    "remote-protocol": httpx.RemoteProtocolError(f"peer said Bearer {KEY}"),
    "decoding": httpx.DecodingError("bad body"),
    "too-many-redirects": httpx.TooManyRedirects("loop"),
    "invalid-url": httpx.InvalidURL("bad url"),
    "stream-closed": httpx.StreamClosed(),
    "closed-client": RuntimeError("Cannot send a request, as the client has been closed."),
    "os-error": OSError("socket gone"),
}


@MODES
@pytest.mark.parametrize("name", sorted(RAISERS))
@pytest.mark.parametrize("operation", ["get", "end"])
def test_nothing_from_httpx_escapes(mode: str, name: str, operation: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        error = RAISERS[name]
        if isinstance(error, httpx.RequestError):
            error.request = request  # carries the headers, with the key
        raise error

    exc = outcome(mode, "retell", handler, OPERATIONS[operation])
    assert isinstance(exc, TransportError), exc
    assert exc.sent in (True, False)
    assert_clean(exc)


@MODES
def test_a_connect_error_says_nothing_was_sent(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    exc = outcome(mode, "retell", handler, OPERATIONS["end"])
    assert type(exc) is TransportError
    assert exc.sent is False
    assert_clean(exc)


# -- a vendor that echoes the key ---------------------------------------------------------
@MODES
@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 500])
def test_the_key_echoed_by_the_vendor_is_redacted(mode: str, status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"message": f"bad key Bearer {KEY}", "key": KEY})

    exc = outcome(mode, "retell", handler, OPERATIONS["get"])
    assert isinstance(exc, ProviderError)
    assert exc.status_code == status
    assert "[redacted]" in str(exc) + str(exc.body)
    assert_clean(exc)


@MODES
def test_an_over_long_vendor_message_is_trimmed(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"message": "x" * 200_000})

    exc = outcome(mode, "retell", handler, OPERATIONS["get"])
    assert isinstance(exc, ProviderError)
    assert len(str(exc)) < 1500
    assert len(exc.body or "") <= 2100


# -- deep or odd JSON ---------------------------------------------------------------------
@MODES
@pytest.mark.parametrize("depth", [300, 5000, 100_000])
def test_deeply_nested_answers_are_provider_errors(mode: str, depth: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=_deep(depth))

    exc = outcome(mode, "retell", handler, OPERATIONS["get"])
    assert isinstance(exc, ProviderError), exc
    assert_clean(exc)


@MODES
def test_a_deep_500_body_is_still_a_server_error_and_retried(mode: str) -> None:
    answers = [httpx.Response(503, content=_deep(100_000)), httpx.Response(200, json=CALL)]
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return answers[min(len(calls), len(answers)) - 1]

    result = outcome(mode, "retell", handler, OPERATIONS["get"])
    assert getattr(result, "id", None) == "call_1"
    assert len(calls) == 2

    calls.clear()
    answers[1] = answers[0]
    exc = outcome(mode, "retell", handler, OPERATIONS["get"])
    assert isinstance(exc, ServerError)
    assert exc.status_code == 503


@MODES
def test_a_deep_listing_answer_is_a_provider_error(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"items": [' + _deep(100_000) + b"]}")

    exc = outcome(mode, "retell", handler, lambda calls: calls.list())
    if not isinstance(exc, BaseException):  # the sync list is lazy: iterate it
        exc = outcome(mode, "retell", handler, lambda calls: list(calls.list()))
    assert isinstance(exc, ProviderError), exc


@MODES
@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_an_out_of_range_timestamp_is_a_none_field(mode: str, stamp: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"id": "c1", "status": "ended", "createdAt": stamp, "startedAt": stamp}
        )

    result = outcome(mode, "vapi", handler, lambda calls: calls.get("c1"))
    assert not isinstance(result, BaseException), result
    assert result.created_at is None
    assert result.started_at is None


# -- faults -------------------------------------------------------------------------------
@MODES
def test_a_delete_whose_answer_was_lost_and_retry_gets_404_succeeded(mode: str) -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ReadError("answer lost", request=request)
        return httpx.Response(404, json={"message": "call not found"})

    assert outcome(mode, "retell", handler, OPERATIONS["delete"]) is None
    assert len(attempts) == 2


@MODES
def test_a_delete_404_without_a_lost_answer_is_still_not_found(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"message": "call not found"})

    assert isinstance(outcome(mode, "retell", handler, OPERATIONS["delete"]), NotFoundError)


# -- bounded answers ----------------------------------------------------------------------
@MODES
def test_an_answer_over_the_cap_is_refused(mode: str) -> None:
    body = json.dumps({**CALL, "transcript": "x" * 100_000}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, stream=httpx.ByteStream(gzip.compress(body)), headers={"Content-Encoding": "gzip"}
        )

    exc = outcome(mode, "retell", handler, OPERATIONS["get"], max_response_bytes=50_000)
    assert isinstance(exc, ProviderError)
    assert "50000 bytes" in str(exc)
    ok = outcome(mode, "retell", handler, OPERATIONS["get"], max_response_bytes=200_000)
    assert getattr(ok, "id", None) == "call_1"


def test_max_response_bytes_is_checked_at_connect() -> None:
    from callswitch.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="max_response_bytes"):
        run("sync", "retell", _corrupt_gzip, OPERATIONS["get"], max_response_bytes=-1)


# -- listings end -------------------------------------------------------------------------
@MODES
@pytest.mark.parametrize("repeat", ["cursor", "page"])
def test_a_listing_that_goes_round_in_circles_stops(mode: str, repeat: str) -> None:
    pages: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        pages.append(1)
        n = len(pages)
        if repeat == "cursor":  # new calls, the same cursor every time
            items = [{**CALL, "call_id": f"call_{n}_{i}"} for i in range(2)]
            return httpx.Response(
                200, json={"items": items, "has_more": True, "pagination_key": "same"}
            )
        items = [{**CALL, "call_id": f"call_{i}"} for i in range(2)]
        return httpx.Response(
            200, json={"items": items, "has_more": True, "pagination_key": f"k{n}"}
        )

    def collect(calls: Any) -> Any:
        listing = calls.list()
        return list(listing) if mode == "sync" else listing

    exc = outcome(mode, "retell", handler, collect)
    assert isinstance(exc, ProviderError), exc
    assert "already sent" in str(exc)
    assert len(pages) <= 3


def test_tally_has_no_raw_exception_and_no_wrong_success() -> None:
    """Runs last in this module: every hostile answer above was a clean callswitch error
    or the documented success."""
    assert TALLY, "the cases above ran"
    assert [name for name, raw in TALLY if raw] == []
