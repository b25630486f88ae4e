"""calls.wait: polls through the retry rules, returns on an awaited status, raises on an
unawaited final status or on timeout, and refuses bad arguments before sending."""

from __future__ import annotations

import math
import pickle
from collections.abc import Iterator

import anyio
import pytest

from callswitch import CallStatus, emulators
from callswitch.errors import (
    CallswitchError,
    InvalidCallStateError,
    InvalidRequestError,
    RateLimitError,
    WaitTimeoutError,
)


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def emu() -> Iterator[emulators.Emulator]:
    app = emulators.create("vapi")
    try:
        yield app
    finally:
        app.close()


def _polls(emu: emulators.Emulator) -> list[dict[str, object]]:
    """The call reads wait() made; Vapi's get may also look a phone number up once."""
    return [r for r in emu.requests if str(r["path"]).startswith("/call/")]


def test_returns_the_call_once_its_status_is_awaited(emu: emulators.Emulator) -> None:
    time = FakeTime()
    call_id = emu.call_id(emu.add_call("queued"))
    gets = 0

    def sleep(seconds: float) -> None:
        nonlocal gets
        time.sleep(seconds)
        gets += 1
        if gets == 3:
            emu.set_status(call_id, "ongoing")

    client = emu.connect().with_options(sleep=sleep, clock=time.clock)
    call = client.calls.wait(call_id, "ongoing")
    assert call.status is CallStatus.ONGOING
    assert call.id == call_id
    assert time.sleeps == [0.5, 0.75, 1.125]  # backoff between polls
    assert [r["method"] for r in _polls(emu)] == ["GET"] * 4


def test_already_there_returns_after_one_poll(emu: emulators.Emulator) -> None:
    time = FakeTime()
    call_id = emu.call_id(emu.add_call("ended"))
    client = emu.connect().with_options(sleep=time.sleep, clock=time.clock)
    call = client.calls.wait(call_id, {"ended", CallStatus.FAILED})
    assert call.status is CallStatus.ENDED
    assert time.sleeps == []
    assert len(_polls(emu)) == 1


def test_backoff_is_capped_and_a_fixed_interval_is_kept(emu: emulators.Emulator) -> None:
    time = FakeTime()
    call_id = emu.call_id(emu.add_call("queued"))
    client = emu.connect().with_options(sleep=time.sleep, clock=time.clock)
    with pytest.raises(WaitTimeoutError):
        client.calls.wait(call_id, "ongoing", timeout=60)
    assert max(time.sleeps) == 5.0
    assert math.isclose(sum(time.sleeps), 60.0)
    time.sleeps.clear()
    with pytest.raises(WaitTimeoutError):
        client.calls.wait(call_id, "ongoing", timeout=1, poll_interval=0.25)
    assert time.sleeps == [0.25, 0.25, 0.25, 0.25]


def test_timeout_raises_wait_timeout_error_with_the_last_call(emu: emulators.Emulator) -> None:
    time = FakeTime()
    call_id = emu.call_id(emu.add_call("queued"))
    client = emu.connect().with_options(sleep=time.sleep, clock=time.clock)
    with pytest.raises(WaitTimeoutError) as info:
        client.calls.wait(call_id, ["ongoing", "ended"], timeout=2)
    error = info.value
    assert isinstance(error, CallswitchError)
    assert isinstance(error, TimeoutError)
    assert error.call is not None
    assert error.call.status is CallStatus.QUEUED
    assert error.until == ("ongoing", "ended")
    assert error.timeout == 2.0
    assert "still queued after 2 s" in str(error)
    assert "timeout=" in str(error)
    assert time.now - 1000.0 == pytest.approx(2.0)  # never sleeps past the deadline
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert vars(copy) == vars(error)
    assert str(copy) == str(error)


def test_timeout_zero_polls_once(emu: emulators.Emulator) -> None:
    time = FakeTime()
    call_id = emu.call_id(emu.add_call("queued"))
    client = emu.connect().with_options(sleep=time.sleep, clock=time.clock)
    with pytest.raises(WaitTimeoutError):
        client.calls.wait(call_id, "ongoing", timeout=0)
    assert len(_polls(emu)) == 1
    assert time.sleeps == []


@pytest.mark.parametrize(
    ("provider", "final", "until"),
    [
        ("vapi", "ended", "ongoing"),
        ("retell", "failed", {"ended"}),
        ("truedy", "failed", "ongoing"),
    ],
)
def test_unawaited_final_status_raises_invalid_call_state(
    provider: str, final: str, until: object
) -> None:
    time = FakeTime()
    emu = emulators.create(provider)
    try:
        call_id = emu.call_id(emu.add_call(final))
        client = emu.connect().with_options(sleep=time.sleep, clock=time.clock)
        with pytest.raises(InvalidCallStateError) as info:
            client.calls.wait(call_id, until)  # type: ignore[arg-type]
    finally:
        emu.close()
    assert info.value.call is not None
    assert info.value.call.id == call_id
    assert info.value.call.status.value == final
    assert info.value.provider == provider
    assert f"is {final}" in str(info.value)
    assert "will never be" in str(info.value)
    assert time.sleeps == []


def test_polls_through_the_retry_rules_and_honour_rate_limits(
    emu: emulators.Emulator,
) -> None:
    time = FakeTime()
    call_id = emu.call_id(emu.add_call("ongoing"))
    emu.add_fault(path="/call/*", status=429, retry_after=3)
    client = emu.connect().with_options(sleep=time.sleep, clock=time.clock)
    assert client.calls.wait(call_id, "ongoing").status is CallStatus.ONGOING
    assert time.sleeps == [3.0]
    emu.add_fault(path="/call/*", status=429, retry_after=1, count=10)
    with pytest.raises(RateLimitError):
        client.with_options(max_retries=1).calls.wait(call_id, "ongoing")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"until": "answered"}, "cannot wait until 'answered': a status is one of queued"),
        ({"until": "unknown"}, "cannot wait until 'unknown'"),
        ({"until": []}, "until names no status"),
        ({"until": 3}, "until must be a status"),
        ({"until": "ongoing", "timeout": -1}, "timeout must be a finite number"),
        ({"until": "ongoing", "timeout": math.nan}, "timeout must be a finite number"),
        ({"until": "ongoing", "timeout": math.inf}, "timeout must be a finite number"),
        ({"until": "ongoing", "timeout": "5"}, "timeout must be a number"),
        ({"until": "ongoing", "poll_interval": 0}, "poll_interval must be a finite number"),
        ({"until": "ongoing", "poll_interval": -0.5}, "poll_interval must be a finite"),
        ({"until": "ongoing", "poll_interval": math.nan}, "poll_interval must be a finite"),
        ({"until": "ongoing", "poll_interval": math.inf}, "poll_interval must be a finite"),
        ({"until": "ongoing", "timeout": True}, "timeout must be a number"),
    ],
)
def test_bad_arguments_refused_before_sending(
    emu: emulators.Emulator, kwargs: dict[str, object], expected: str
) -> None:
    client = emu.connect()
    with pytest.raises(InvalidRequestError, match=expected):
        client.calls.wait("call-1", **kwargs)  # type: ignore[arg-type]
    assert emu.requests == []


def test_bad_call_id_refused_before_sending(emu: emulators.Emulator) -> None:
    with pytest.raises(InvalidRequestError):
        emu.connect().calls.wait("", "ongoing")
    assert emu.requests == []


def test_async_wait_shares_the_logic(emu: emulators.Emulator) -> None:
    time = FakeTime()
    call_id = emu.call_id(emu.add_call("queued"))
    ended = emu.call_id(emu.add_call("ended"))

    async def sleep(seconds: float) -> None:
        time.sleep(seconds)
        if len(time.sleeps) == 2:
            emu.set_status(call_id, "ongoing")

    async def main() -> None:
        client = emu.connect_async().with_options(sleep=sleep, clock=time.clock)
        try:
            call = await client.calls.wait(call_id, CallStatus.ONGOING)
            assert call.status is CallStatus.ONGOING
            with pytest.raises(InvalidCallStateError) as info:
                await client.calls.wait(ended, "ongoing")
            assert info.value.call is not None
            with pytest.raises(WaitTimeoutError) as timeout:
                await client.calls.wait(call_id, "ended", timeout=1)
            assert timeout.value.call is not None
            with pytest.raises(InvalidRequestError, match="timeout"):
                await client.calls.wait(call_id, "ended", timeout=math.nan)
        finally:
            await client.aclose()
            await client._http.aclose()

    anyio.run(main)
    assert time.sleeps[:2] == [0.5, 0.75]


def test_wait_against_an_emulator_with_real_short_timers() -> None:
    """With answer_after/end_after the emulator answers and hangs up by itself."""
    emu = emulators.create("vapi", answer_after=0.05, end_after=0.05)
    try:
        client = emu.connect()
        call = client.calls.create_phone(
            from_number="+14155550100", to_number="+14155550123", agent_id="asst_1"
        )
        assert client.calls.wait(call.id, "ongoing", timeout=5, poll_interval=0.02).status == (
            CallStatus.ONGOING
        )
        done = client.calls.wait(call.id, "ended", timeout=5, poll_interval=0.02)
        assert done.status is CallStatus.ENDED
        assert done.raw_end_reason == "customer-ended-call"
    finally:
        emu.close()
