"""``Campaign.notify``: a webhook saying a call ended frees its slot at once, not at the
next poll; the journal still records what the vendor answers when asked."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from campaign_support import FROM, retell_live_intervals, targets, ticking

import callswitch
from callswitch import emulators
from callswitch.campaigns import Campaign, SQLiteJournal
from callswitch.errors import InvalidRequestError
from callswitch.models import CallStatus
from callswitch.webhooks import CallEvent, EventType, MemoryStore, Receiver

SECRET = "key_campaign_webhooks_7c1d"
#: Far longer than the calls: a slot freed before this went by was freed by a webhook.
POLL = 3.0


def _wire(campaign: Campaign, *emus: emulators.Emulator) -> list[CallEvent]:
    """Each emulator posts its vendor's signed webhooks to one Receiver (in process),
    whose ``call.ended`` handler is ``campaign.notify``. Returns the events handled."""
    receiver = Receiver(secrets={e.name: SECRET for e in emus}, store=MemoryStore())
    seen: list[CallEvent] = []
    receiver.on("call.ended")(seen.append)
    receiver.on("call.ended")(campaign.notify)
    for emu in emus:

        def answer(request: httpx.Request, name: str = emu.name) -> httpx.Response:
            status, body = receiver.handle(name, request.headers, request.content)
            return httpx.Response(status, content=body)

        emu.set_webhooks(
            "http://receiver.invalid/hook", SECRET, transport=httpx.MockTransport(answer)
        )
    return seen


def _campaign(client: Any, tmp_path: Path, **options: Any) -> Campaign:
    return Campaign(
        client,
        name="notified",
        journal=SQLiteJournal(tmp_path / "j.db"),
        max_concurrent=1,
        max_per_second=100.0,
        from_number=FROM,
        agent_id="agent_1",
        poll_interval=POLL,
        **options,
    )


def test_a_webhook_frees_the_slot_before_the_next_poll(tmp_path: Path) -> None:
    """Sync Client, one slot, polls 3 s apart, calls of 0.3 s: the second row's create
    follows the first call's end within a second (the poll would have come 2.7 s after
    it), and each call was read after its end, by one GET on waking."""
    emu = emulators.create("retell", answer_after=0.01, end_after=0.3)
    campaign = _campaign(emu.connect(), tmp_path)
    seen = _wire(campaign, emu)
    started = time.monotonic()
    with ticking(emu):
        report = campaign.run(targets(2))
    took = time.monotonic() - started
    emu.close()
    assert report.counts == {"ended": 2, "failed": 0, "unknown": 0, "refused": 0}
    assert [row.end_reason for row in report.rows] == ["user_hangup", "user_hangup"]
    first, second = sorted(retell_live_intervals(emu))
    assert second[0] - first[1] < 1.0, (first, second)
    assert second[0] - first[0] < POLL - 0.5  # before the first call's second poll
    assert took < 2 * POLL - 1.0
    assert len(seen) == 2
    gets = [r for r in emu.requests if r["method"] == "GET"]
    assert len(gets) == 4  # per call: one right after the create, one on waking


def test_async_client_is_woken_too(tmp_path: Path) -> None:
    """The same with an AsyncClient under ``arun`` (Vapi, whose end-of-call-report is
    the call.ended event): three rows one after another, well under one poll each."""
    emu = emulators.create("vapi", answer_after=0.01, end_after=0.2)

    async def main() -> Any:
        async with emu.connect_async() as client:
            campaign = _campaign(client, tmp_path)
            _wire(campaign, emu)
            with ticking(emu):
                return await campaign.arun(targets(3))

    started = time.monotonic()
    report = anyio.run(main)
    took = time.monotonic() - started
    emu.close()
    assert report.counts["ended"] == 3
    assert took < POLL  # polling alone takes at least 3 polls
    polls = [r for r in emu.requests if r["method"] == "GET" and r["path"].startswith("/call/")]
    assert len(polls) == 6


def test_a_router_is_woken_by_each_vendors_webhooks(tmp_path: Path) -> None:
    """Through a Router (refs "provider:id"), with calls on Truedy after Retell refuses
    creates with 429: each vendor's call.ended wakes the follower of its own call."""
    retell = emulators.create("retell", answer_after=0.01, end_after=0.2)
    truedy = emulators.create("truedy", answer_after=0.01, end_after=0.2)
    retell.add_fault(
        method="POST", path="/v2/create-phone-call", status=429, count=1, retry_after=0.05
    )
    router = callswitch.Router([retell.connect(), truedy.connect()], cooldown=0.05)
    campaign = _campaign(router, tmp_path)
    seen = _wire(campaign, retell, truedy)
    started = time.monotonic()
    with ticking(retell, truedy):
        report = campaign.run(targets(3))
    took = time.monotonic() - started
    retell.close()
    truedy.close()
    assert report.counts["ended"] == 3
    providers = {(row.ref or "").split(":", 1)[0] for row in report.rows}
    assert providers == {"retell", "truedy"}, report.rows
    assert {e.provider for e in seen} == {"retell", "truedy"}
    assert took < POLL


def _gets(emu: emulators.Emulator) -> int:
    return len([r for r in emu.requests if r["method"] == "GET"])


def _following(emu: emulators.Emulator, gets: int, timeout: float = 10.0) -> str:
    """The one call's id, once the emulator has seen ``gets`` GETs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gets(emu) >= gets:
            return str(next(iter(emu.calls)))
        time.sleep(0.01)
    raise AssertionError("the campaign never followed its call")


def test_the_follower_trusts_the_vendor_not_the_notice(tmp_path: Path) -> None:
    """A notice that a still-live call ended wakes the follower for one GET; the call
    is live, so it goes back to waiting (no journal change). A later notice, once the
    call has ended, finishes the row with the vendor's status, well before the next poll."""
    emu = emulators.create("retell")  # calls stay where the test puts them
    client = emu.connect()
    campaign = _campaign(client, tmp_path)
    box: dict[str, Any] = {}
    runner = threading.Thread(target=lambda: box.update(report=campaign.run(targets(1))))
    runner.start()
    try:
        call_id = _following(emu, gets=1)
        emu.set_status(call_id, "ongoing")
        claimed = client.calls.get(call_id).model_copy(update={"status": CallStatus.ENDED})
        assert _gets(emu) == 2  # the follower's first poll, and ours just now
        assert campaign.notify(claimed) is True
        _following(emu, gets=3)
        time.sleep(0.2)
        assert runner.is_alive()
        assert _gets(emu) == 3
        assert campaign.journal.load("notified")["row-0"].state == "created"
        emu.set_status(call_id, "ended")
        woke_at = time.monotonic()
        assert campaign.notify(claimed) is True
        runner.join(POLL)
        assert time.monotonic() - woke_at < POLL - 1.0
    finally:
        if runner.is_alive():  # a failed assertion above: let the run end
            emu.set_status(next(iter(emu.calls)), "ended")
            campaign.notify(claimed)
        runner.join()
    assert box["report"].counts["ended"] == 1
    assert campaign.journal.load("notified")["row-0"].state == "ended"
    assert _gets(emu) == 4


def test_notices_about_other_calls_are_ignored_without_a_request(tmp_path: Path) -> None:
    """Calls the run does not follow, calls not over, and events about no call: no wake,
    no GET. Anything that is not an event or a call is refused, saying what it takes."""
    emu = emulators.create("retell")
    client = emu.connect()
    campaign = _campaign(client, tmp_path)
    other = client.calls.create_phone(to_number="+14155550999", from_number=FROM)
    before = len(emu.requests)
    assert campaign.notify(other) is False  # queued: not over
    assert campaign.notify(other.model_copy(update={"status": CallStatus.ENDED})) is False
    batch = CallEvent(
        id="e1",
        provider="retell",
        type=EventType.CALL_ENDED,
        raw_type="x",
        occurred_at="2024-01-01T00:00:00Z",  # type: ignore[arg-type]
    )
    assert campaign.notify(batch) is False
    assert len(emu.requests) == before
    with pytest.raises(InvalidRequestError, match="CallEvent"):
        campaign.notify("retell:call_1")  # type: ignore[arg-type]


def test_a_wake_from_another_thread_never_waits_for_the_campaign_loop() -> None:
    """A webhook handler's thread only queues the wake-up: it returns at once while the
    campaign's loop is busy, and at once (False) once the loop has closed."""
    import asyncio

    from callswitch.campaigns._wakeups import Wakeups

    wakeups = Wakeups()
    seen: dict[str, Any] = {}

    def wake_in_thread() -> threading.Thread:
        thread = threading.Thread(target=lambda: seen.update(woke=wakeups.wake("retell", "c1")))
        thread.start()
        thread.join(2)
        return thread

    async def follower() -> None:
        with wakeups.watch("retell", "c1") as watch:
            seen["watch"] = watch
            thread = wake_in_thread()  # the loop is blocked right here, in join()
            seen["blocked"] = thread.is_alive()
            seen["delivered"] = await watch.wait(1.0)

    loop = asyncio.new_event_loop()
    loop.run_until_complete(follower())
    assert seen["blocked"] is False
    assert seen["woke"] is True
    assert seen["delivered"] is True
    loop.close()
    late = threading.Thread(target=lambda: seen.update(late=seen["watch"].wake()))
    late.start()
    late.join(2)
    assert not late.is_alive()
    assert seen["late"] is False
