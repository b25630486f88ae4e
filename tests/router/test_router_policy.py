"""The failover decision (pure), refs, and router construction errors."""

from __future__ import annotations

import pickle

import pytest

import callswitch
from callswitch.errors import (
    AllProvidersFailedError,
    AuthenticationError,
    CallswitchError,
    ConfigurationError,
    InvalidCallStateError,
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
    TransportError,
    UnsupportedCapabilityError,
)
from callswitch.router import Action, decide, parse_ref

P = {"provider": "retell"}


@pytest.mark.parametrize(
    ("error", "action"),
    [
        (TransportError("refused", sent=False), Action.FAIL_OVER),
        (TransportError("connect failed"), Action.FAIL_OVER),
        (TransportError("read failed", sent=True), Action.STOP),
        (OutcomeUnknownError("lost", method="POST", url="u"), Action.STOP),
        (RateLimitError("slow", status_code=429, **P), Action.FAIL_OVER),
        (AuthenticationError("key", status_code=401, **P), Action.FAIL_OVER),
        (PermissionDeniedError("no", status_code=403, **P), Action.FAIL_OVER),
        (NotFoundError("agent", status_code=404, **P), Action.FAIL_OVER),
        (ProviderError("bad", status_code=400, **P), Action.FAIL_OVER),
        (InvalidCallStateError("bad", status_code=422, **P), Action.FAIL_OVER),
        (ProviderError("timeout", status_code=408, **P), Action.STOP),
        (ProviderError("conflict", status_code=409, **P), Action.STOP),
        (ServerError("boom", status_code=500, **P), Action.STOP),
        (ServerError("busy", status_code=503, **P), Action.STOP),
        (InvalidRequestError("needs from_number"), Action.NEXT),
        (UnsupportedCapabilityError("truedy", ("create.metadata",)), Action.NEXT),
        (ConfigurationError("no default agent"), Action.NEXT),
        (CallswitchError("something else"), Action.STOP),
        (KeyError("mapping bug"), Action.STOP),
    ],
)
def test_decide(error: BaseException, action: Action) -> None:
    """Fail over only when nothing can have been created; anything unclear stops."""
    assert decide(error, 30.0).action is action


def test_retry_after_extends_the_cooldown_and_never_shortens_it() -> None:
    long = RateLimitError("x", retry_after=300.0, status_code=429, **P)
    short = RateLimitError("x", retry_after=2.0, status_code=429, **P)
    assert decide(long, 30.0).cool_for == 300.0
    assert decide(short, 30.0).cool_for == 30.0
    assert decide(InvalidRequestError("local"), 30.0).cool_for == 0.0


def test_transport_error_sent_survives_pickling() -> None:
    assert pickle.loads(pickle.dumps(TransportError("x", sent=False))).sent is False  # noqa: S301
    assert OutcomeUnknownError("x", method="POST", url="u").sent is True


def test_all_providers_failed_error_lists_and_pickles() -> None:
    error = AllProvidersFailedError(
        "calls.create_phone",
        {"retell": "cooling down", "vapi": "refused (RateLimitError: slow)"},
        {"vapi": RateLimitError("slow", status_code=429, provider="vapi")},
    )
    assert isinstance(error, CallswitchError)
    assert "retell: cooling down; vapi: refused" in str(error)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert copy.reasons == error.reasons
    assert isinstance(copy.errors["vapi"], RateLimitError)


def test_parse_ref() -> None:
    assert parse_ref("vapi:abc:1", ("retell", "vapi")) == ("vapi", "abc:1")
    with pytest.raises(InvalidRequestError, match="bare call id"):
        parse_ref("abc", ("vapi",))
    with pytest.raises(InvalidRequestError, match="ref"):
        parse_ref(12, ("vapi",))  # type: ignore[arg-type]


def test_router_construction_refuses_bad_arguments() -> None:
    retell = callswitch.connect("retell", api_key="k")
    with pytest.raises(ConfigurationError, match="at least one"):
        callswitch.Router([])
    with pytest.raises(ConfigurationError, match="more than once"):
        callswitch.Router([retell, callswitch.connect("retell", api_key="k2")])
    with pytest.raises(InvalidRequestError, match="unknown capability"):
        callswitch.Router([retell], requires=["control.sing"])
    with pytest.raises(InvalidRequestError, match="list of capability names"):
        callswitch.Router([retell], requires="control.say")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="cooldown"):
        callswitch.Router([retell], cooldown=-1)
    with pytest.raises(ConfigurationError, match="AsyncRouter"):
        callswitch.Router([callswitch.connect_async("vapi", api_key="k")])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="use Router"):
        callswitch.AsyncRouter([retell])  # type: ignore[list-item]
