"""A campaign tells observer plugins which vendor took each of its calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from campaign_support import FROM, phone_network, targets

from callswitch import emulators
from callswitch.campaigns import Campaign, SQLiteJournal
from callswitch.hookspecs import hookimpl
from callswitch.registry import default_registry


class Routed:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    @hookimpl
    def call_routed(self, router: str, operation: str, provider: str | None, reason: str) -> None:
        self.seen.append(
            {"router": router, "operation": operation, "provider": provider, "reason": reason}
        )


def test_each_created_call_is_reported_once_with_its_campaign(tmp_path: Path) -> None:
    emu = emulators.create("retell")
    observer = Routed()
    default_registry().register_observer(observer)
    try:
        with phone_network(emu, 0.01, 0.02):
            campaign = Campaign(
                emu.connect(),
                name="observed",
                journal=SQLiteJournal(tmp_path / "j.db"),
                max_concurrent=2,
                max_per_second=50.0,
                from_number=FROM,
            )
            report = campaign.run(targets(3))
    finally:
        default_registry().unregister_observer(observer)
        emu.close()
    assert report.counts["ended"] == 3
    assert [s["router"] for s in observer.seen] == ["campaign:observed"] * 3
    assert {s["provider"] for s in observer.seen} == {"retell"}
    assert {s["operation"] for s in observer.seen} == {"calls.create_phone"}
    for entry in observer.seen:
        assert "+1415555" not in entry["reason"]  # no call content in what observers see
