"""A control URL in a vendor answer is input: sent to only if it is https on the vendor's
domain, on the client's own base_url origin, or on a host the caller named; never with
user info. Otherwise a ProviderError names the host and nothing is posted."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

import callswitch
from callswitch import LiveControl
from callswitch.errors import ProviderError

HOSTILE = [
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
    ("http://127.0.0.1:22/", "127.0.0.1"),
    ("https://ctl.vapi.ai@attacker.example/x", "attacker.example"),
    ("https://user:pw@ctl.vapi.ai/x", "ctl.vapi.ai"),
    ("http://ctl.vapi.ai/x", "ctl.vapi.ai"),
    ("https://vapi.ai.attacker.example/x", "vapi.ai.attacker.example"),
    ("https://evilvapi.ai/x", "evilvapi.ai"),
    ("https://ctl.vapi.ai./x", "ctl.vapi.ai."),
    ("https://ctl.v\u0430pi.ai/x", "xn--"),  # Cyrillic a: an IDNA look-alike
    ("https://[::1]/x", "::1"),
    ("https://ctl.vapi.ai\\@attacker.example/x", None),  # a backslash parser trick
    ("https://127.0.0.1/x", "127.0.0.1"),
]
ALLOWED = [
    "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c1/control",
    "https://CTL.Vapi.AI:443/c1/control",
    "https://vapi.ai/c1/control",
]


class Vendor:
    """GET /call/c1 answers a live call whose monitor.controlUrl is ``control_url``."""

    def __init__(self, control_url: str) -> None:
        self.control_url = control_url
        self.posts: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(
                200,
                json={
                    "id": "c1",
                    "status": "in-progress",
                    "type": "outboundPhoneCall",
                    "monitor": {"controlUrl": self.control_url},
                },
            )
        self.posts.append(request)
        return httpx.Response(200, json={})


def _client(vendor: Vendor, **options: Any) -> callswitch.Client:
    http = httpx.Client(transport=httpx.MockTransport(vendor))
    return callswitch.connect("vapi", api_key="k-ctl", http_client=http, **options)


def _aclient(vendor: Vendor, **options: Any) -> callswitch.AsyncClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(vendor))
    return callswitch.connect_async("vapi", api_key="k-ctl", http_client=http, **options)


@pytest.mark.parametrize(("url", "host"), HOSTILE, ids=[u for u, _ in HOSTILE])
def test_hostile_control_url_is_refused_and_nothing_posted(url: str, host: str | None) -> None:
    vendor = Vendor(url)
    client = _client(vendor)
    for action in (
        lambda: client.calls.end("c1"),
        lambda: client.calls.control("c1", LiveControl(say="hi")),
    ):
        with pytest.raises(ProviderError, match="refused") as info:
            action()
        assert vendor.posts == []
        if host is not None:
            assert host in str(info.value)
        assert "pw" not in str(info.value)
        assert "/x" not in str(info.value)  # no path: it may be the credential


@pytest.mark.anyio
@pytest.mark.parametrize(("url", "host"), HOSTILE[:4], ids=[u for u, _ in HOSTILE[:4]])
async def test_hostile_control_url_is_refused_async(url: str, host: str) -> None:
    vendor = Vendor(url)
    client = _aclient(vendor)
    with pytest.raises(ProviderError, match=host):
        await client.calls.end("c1")
    assert vendor.posts == []


@pytest.mark.parametrize("url", ALLOWED)
def test_control_url_on_the_vendor_domain_is_used(url: str) -> None:
    vendor = Vendor(url)
    _client(vendor).calls.end("c1")
    assert len(vendor.posts) == 1
    assert vendor.posts[0].url.host.endswith("vapi.ai")
    assert "authorization" not in vendor.posts[0].headers


def test_control_hosts_widens_the_list() -> None:
    vendor = Vendor("https://ctl.proxy.example/c1/control")
    with pytest.raises(ProviderError, match=r"ctl\.proxy\.example"):
        _client(vendor).calls.end("c1")
    _client(vendor, control_hosts=["proxy.example"]).calls.end("c1")
    assert len(vendor.posts) == 1
    # Widening does not let plain http or user info through.
    for url in ("http://ctl.proxy.example/c", "https://u:p@ctl.proxy.example/c"):
        with pytest.raises(ProviderError, match="refused"):
            _client(Vendor(url), control_hosts=["proxy.example"]).calls.end("c1")


def test_same_origin_as_base_url_is_allowed_even_over_http() -> None:
    """An emulator or proxy: scheme, host and port of the client's own base_url."""
    vendor = Vendor("http://127.0.0.1:8123/live/c1/control")
    client = _client(vendor, base_url="http://127.0.0.1:8123")
    client.calls.end("c1")
    assert len(vendor.posts) == 1
    other_port = Vendor("http://127.0.0.1:22/live/c1/control")
    with pytest.raises(ProviderError, match="127.0.0.1"):
        _client(other_port, base_url="http://127.0.0.1:8123").calls.end("c1")
    assert other_port.posts == []


@pytest.mark.anyio
async def test_allowed_control_url_async() -> None:
    vendor = Vendor(ALLOWED[0])
    await _aclient(vendor).calls.end("c1")
    assert len(vendor.posts) == 1


def test_served_emulator_control_still_works() -> None:
    from callswitch import emulators

    emu = emulators.create("vapi")
    try:
        call = emu.add_call("ongoing")
        emu.connect().calls.end(call["id"])
    finally:
        emu.close()


def test_normalised_control_url_is_redacted_from_httpx_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """httpx logs its normalised URL (lower-case host, no :443, its escaping); that is
    what is hidden, and user info never shows."""
    vendor = Vendor("https://CTL.Vapi.AI:443/c1/control-TOKEN%7eSECRET")
    with caplog.at_level(logging.INFO, logger="httpx"):
        _client(vendor).calls.end("c1")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request: POST" in text
    assert "TOKEN" not in text
    assert "https://ctl.vapi.ai/..." in text


def test_redact_url_never_shows_user_info() -> None:
    from callswitch._redact import _redact_url

    assert _redact_url("https://user:pw@ctl.vapi.ai:8443/x") == "https://ctl.vapi.ai:8443/..."
    assert "pw" not in _redact_url("https://user:pw@ctl.vapi.ai/x")


def test_a_record_of_another_call_does_not_plant_a_control_url() -> None:
    """GET /call/c1 answering c2's record, or a create answering with c1's id, names no
    control URL for c1: live control reads c1 itself."""
    gets: list[str] = []
    planted = "https://planted.vapi.ai/c1/control"
    real = "https://real.vapi.ai/c1/control"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            gets.append(request.url.path)
            record_id = "c2" if len(gets) == 1 else "c1"
            url = planted if record_id == "c2" else real
            return httpx.Response(
                200, json={"id": record_id, "status": "in-progress", "monitor": {"controlUrl": url}}
            )
        if request.url.path == "/call":
            return httpx.Response(
                201,
                json={"id": "c1", "status": "queued", "monitor": {"controlUrl": planted}},
            )
        posted.append(str(request.url))
        return httpx.Response(200, json={})

    posted: list[str] = []
    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = callswitch.connect("vapi", api_key="k", http_client=http)
    client.calls.create_phone(to_number="+14155550123", from_number="pn_1", agent_id="a1")
    client.calls.get("c1")  # answers c2's record
    client.calls.end("c1")
    assert posted == [real]
