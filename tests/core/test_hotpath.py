"""The per-request fast paths (issue 19) keep the behaviour of the slower code they replace."""

from __future__ import annotations

import httpx
import pytest

import callswitch
from callswitch import LiveControl
from callswitch._urls import origin_of, refuse_untrusted_url, trusted_url
from callswitch.errors import ProviderError

BASE = "https://api.vapi.ai"
TRUSTED = ("vapi.ai",)


@pytest.mark.parametrize(
    "url",
    [
        "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c1/control",
        "https://CTL.Vapi.AI:443/c1/control?x=1",
        "https://api.vapi.ai/call/c1/control",
    ],
)
def test_trusted_url_is_the_url_httpx_would_send(url: str) -> None:
    checked = trusted_url("vapi", url, origin_of(BASE), TRUSTED)
    assert isinstance(checked, httpx.URL)
    assert checked == httpx.URL(url)
    assert str(checked) == str(httpx.Request("POST", url).url)
    assert refuse_untrusted_url("vapi", url, BASE, TRUSTED) is None


@pytest.mark.parametrize(
    "url", ["http://ctl.vapi.ai/x", "https://u:p@ctl.vapi.ai/x", "https://evil.example/x"]
)
def test_trusted_url_refuses_as_refuse_untrusted_url_does(url: str) -> None:
    checked = trusted_url("vapi", url, origin_of(BASE), TRUSTED)
    refused = refuse_untrusted_url("vapi", url, BASE, iter(TRUSTED))  # any iterable
    assert isinstance(checked, ProviderError)
    assert isinstance(refused, ProviderError)
    assert str(checked) == str(refused)


def test_control_post_goes_to_the_control_url_as_given() -> None:
    control = "https://CTL.vapi.ai:443/c1/control?token=abc"
    posts: list[httpx.Request] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            body = {"id": "c1", "status": "in-progress", "monitor": {"controlUrl": control}}
            return httpx.Response(200, json=body)
        posts.append(request)
        return httpx.Response(200, json={})

    http = httpx.Client(transport=httpx.MockTransport(vendor))
    client = callswitch.connect("vapi", api_key="k-hot", http_client=http)
    client.calls.control("c1", LiveControl(say="hi"))
    client.calls.control("c1", LiveControl(say="again"))
    assert [str(p.url) for p in posts] == ["https://ctl.vapi.ai/c1/control?token=abc"] * 2
    assert all("authorization" not in p.headers for p in posts)
