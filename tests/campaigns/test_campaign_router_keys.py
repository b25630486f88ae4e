"""A campaign through a router of several vendors: an idempotency key holds only at the
vendor that got it, so a create that may have reached one vendor is never sent again
through the router (which could place it at another)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from campaign_support import FROM, creates, max_in_window, targets

import callswitch
from callswitch import Router, emulators
from callswitch.campaigns import Campaign, SQLiteJournal


def _client(name: str, url: str, opened: list[httpx.Client]) -> Any:
    http = httpx.Client()
    opened.append(http)
    return callswitch.connect(name, api_key="k", base_url=url, http_client=http).with_options(
        sleep=lambda seconds: None
    )


def test_resumed_intent_through_a_router_is_not_sent_to_another_vendor(tmp_path: Path) -> None:
    """A run crashed after row-0's create reached Retell. On resume Retell answers 429:
    the router would fail over to Truedy, where Retell's key means nothing, and the
    number would be dialed twice. The row must not be sent through the router again."""
    retell, truedy = emulators.create("retell"), emulators.create("truedy")
    journal = SQLiteJournal(tmp_path / "j.db")
    rows = targets(1)
    opened: list[httpx.Client] = []
    with emulators.running(retell) as r_url, emulators.running(truedy) as t_url:
        router = Router([_client("retell", r_url, opened), _client("truedy", t_url, opened)])
        campaign = Campaign(
            router,
            name="routed",
            journal=journal,
            max_per_second=100.0,
            from_number=FROM,
            agent_id="agent_1",
            wait_timeout=0.2,
        )
        target = campaign._targets(rows)[0]
        # The crash: intent recorded, the create applied at Retell, the run gone.
        journal.intend("routed", target.row_key, target.idempotency_key, target.to_number)
        router.clients[0].calls.create_phone(
            to_number=target.to_number,
            from_number=FROM,
            agent_id="agent_1",
            provider_options={"retell": {"idempotency_key": target.idempotency_key}},
        )
        httpx.post(
            f"{r_url}/_emulator/faults",
            json={"method": "POST", "path": "/v2/create-phone-call", "status": 429, "count": 5},
        )
        report = campaign.run(rows)
        for http in opened:
            http.close()
    assert creates(truedy, "truedy") == []
    assert [row.status for row in report.rows] == ["unknown"]


def test_a_429_through_a_router_pauses_the_row_instead_of_stopping_the_run(
    tmp_path: Path,
) -> None:
    """Every vendor of the router answers one 429: the router raises
    AllProvidersFailedError (nothing created). That is a transient refusal, as a 429 from
    a client is: the row is tried again, the run does not stop."""
    retell = emulators.create("retell")
    opened: list[httpx.Client] = []
    with emulators.running(retell) as r_url:
        httpx.post(
            f"{r_url}/_emulator/faults",
            json={
                "method": "POST",
                "path": "/v2/create-phone-call",
                "status": 429,
                "retry_after": 0.05,
                "count": 9,
            },
        )
        router = Router([_client("retell", r_url, opened)], cooldown=0.05)
        campaign = Campaign(
            router,
            name="routed-429",
            journal=SQLiteJournal(tmp_path / "j.db"),
            max_per_second=100.0,
            from_number=FROM,
            agent_id="agent_1",
            wait_timeout=0.2,
        )
        report = campaign.run(targets(2))
        for http in opened:
            http.close()
    assert len(retell.calls) == 2
    assert [row.error for row in report.rows if row.status == "refused"] == []


def test_max_per_second_holds_through_a_router_whose_client_meets_429s(tmp_path: Path) -> None:
    """A router's clients retry a 429 on their own (full-jitter backoff, no Retry-After)
    unless the campaign turns that off: then creates reach the vendor faster than
    max_per_second. Every create, 429s included, must take its own turn."""
    retell = emulators.create("retell")
    opened: list[httpx.Client] = []
    with emulators.running(retell) as r_url:
        httpx.post(
            f"{r_url}/_emulator/faults",
            json={"method": "POST", "path": "/v2/create-phone-call", "status": 429, "count": 4},
        )
        http = httpx.Client()
        opened.append(http)
        client = callswitch.connect("retell", api_key="k", base_url=r_url, http_client=http)
        router = Router([client], cooldown=0.0)
        campaign = Campaign(
            router,
            name="routed-rate",
            journal=SQLiteJournal(tmp_path / "j.db"),
            max_concurrent=5,
            max_per_second=2.0,
            from_number=FROM,
            agent_id="agent_1",
            wait_timeout=0.1,
        )
        campaign.run(targets(4))
        for http in opened:
            http.close()
    sent = [r["time"] for r in creates(retell)]
    assert len(retell.calls) == 4
    assert max_in_window(sent, 1.0 - 0.02) <= 2
