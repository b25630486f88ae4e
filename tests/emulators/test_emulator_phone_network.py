"""answer_after / end_after: every emulator answers created calls and hangs them up."""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import pytest

from callswitch import CallStatus, cli, emulators
from callswitch.errors import InvalidRequestError

CREATE = {
    "retell": {"from_number": "+14155550100"},
    "vapi": {"from_number": "+14155550100", "agent_id": "asst_1"},
    "truedy": {"agent_id": "agt_1"},
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _with_clock(emu: emulators.Emulator) -> Clock:
    clock = Clock()
    emu.now = clock  # type: ignore[method-assign]
    return clock


@pytest.mark.parametrize("provider", sorted(CREATE))
def test_created_call_is_answered_then_ends_by_itself(provider: str) -> None:
    emu = emulators.create(provider, answer_after=2, end_after=10)
    clock = _with_clock(emu)
    try:
        client = emu.connect()
        call = client.calls.create_phone(to_number="+14155550123", **CREATE[provider])
        assert call.status is CallStatus.QUEUED
        clock.now += 1.9
        assert client.calls.get(call.id).status is CallStatus.QUEUED
        clock.now += 0.1
        assert client.calls.get(call.id).status is CallStatus.ONGOING
        clock.now += 9.9
        assert client.calls.get(call.id).status is CallStatus.ONGOING
        clock.now += 0.1
        ended = client.calls.get(call.id)
        assert ended.status is CallStatus.ENDED
        assert [c.id for c in client.calls.list(status="ended")] == [call.id]
    finally:
        emu.close()


@pytest.mark.parametrize("provider", sorted(CREATE))
def test_both_transitions_due_at_one_look(provider: str) -> None:
    emu = emulators.create(provider, answer_after=1, end_after=1)
    clock = _with_clock(emu)
    try:
        record = emu.add_call("queued")
        clock.now += 5
        assert emu.get_call(emu.call_id(record)) != record
        assert emu.connect().calls.get(emu.call_id(record)).status is CallStatus.ENDED
    finally:
        emu.close()


def test_end_after_counts_from_when_the_call_became_ongoing() -> None:
    emu = emulators.create("retell", end_after=3)
    clock = _with_clock(emu)
    try:
        queued = emu.call_id(emu.add_call("queued"))
        clock.now += 100  # no answer_after: stays queued however long
        assert emu.connect().calls.get(queued).status is CallStatus.QUEUED
        emu.set_status(queued, "ongoing")  # the control API answers it
        clock.now += 2.5
        assert emu.connect().calls.get(queued).status is CallStatus.ONGOING
        clock.now += 0.5
        call = emu.connect().calls.get(queued)
        assert call.status is CallStatus.ENDED
        assert call.raw_end_reason == "user_hangup"  # the callee hung up
    finally:
        emu.close()


def test_without_timers_calls_stay_put() -> None:
    emu = emulators.create("vapi")
    clock = _with_clock(emu)
    try:
        assert emu.timers == (None, None)
        call_id = emu.call_id(emu.add_call("ongoing"))
        clock.now += 10_000
        assert emu.connect().calls.get(call_id).status is CallStatus.ONGOING
    finally:
        emu.close()


def test_control_api_still_wins_and_a_manual_end_is_final() -> None:
    emu = emulators.create("truedy", answer_after=1, end_after=1)
    clock = _with_clock(emu)
    try:
        call_id = emu.call_id(emu.add_call("queued"))
        emu.set_status(call_id, "failed")
        clock.now += 10
        assert emu.connect().calls.get(call_id).status is CallStatus.FAILED
    finally:
        emu.close()


def test_set_timers_on_a_live_emulator_and_the_fixture(
    callswitch_emulator: Callable[..., emulators.Emulator],
) -> None:
    emu = callswitch_emulator("retell", answer_after=0.5)
    assert emu.timers == (0.5, None)
    emu.set_timers(end_after=2)
    assert emu.timers == (None, 2.0)


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, "3", True])
def test_bad_delays_are_refused(bad: object) -> None:
    with pytest.raises(InvalidRequestError, match="answer_after"):
        emulators.create("vapi", answer_after=bad)  # type: ignore[arg-type]
    emu = emulators.create("vapi")
    try:
        with pytest.raises(InvalidRequestError, match="end_after"):
            emu.set_timers(end_after=bad)  # type: ignore[arg-type]
    finally:
        emu.close()


def test_emulate_passes_the_timers_to_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, object]] = []

    def serve(provider: str, **kwargs: object) -> None:
        seen.append(kwargs)

    monkeypatch.setattr(emulators, "serve", serve)
    out, err = io.StringIO(), io.StringIO()
    argv = ["emulate", "vapi", "--port", "0", "--answer-after", "2", "--end-after", "0.5"]
    assert cli.run(argv, stdout=out, stderr=err) == 0, err.getvalue()
    assert seen[0]["answer_after"] == 2.0
    assert seen[0]["end_after"] == 0.5
    assert cli.run(["emulate", "vapi", "--port", "0"], stdout=out, stderr=err) == 0
    assert "answer_after" not in seen[1]
    code = cli.run(["emulate", "vapi", "--end-after", "-1"], stdout=out, stderr=err)
    assert code == 2
    assert "--end-after must be a finite number of seconds >= 0" in err.getvalue()


def test_serve_and_running_accept_the_timers() -> None:
    import inspect

    for function in (emulators.serve, emulators.create):
        params = inspect.signature(function).parameters
        assert params["answer_after"].kind is inspect.Parameter.KEYWORD_ONLY
        assert params["end_after"].kind is inspect.Parameter.KEYWORD_ONLY
