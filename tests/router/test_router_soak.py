"""500 creates through a router over two emulators with random faults on both."""

from __future__ import annotations

import random
import time
from collections import Counter

from tests.router.conftest import PHONE, Vendor

from callswitch import Router
from callswitch.errors import AllProvidersFailedError, OutcomeUnknownError


def test_soak_no_number_is_dialed_by_two_vendors(
    vendors: dict[str, Vendor], rng: random.Random
) -> None:
    """Refused connections, 429s, drops after applying and 5xx at random on both vendors:
    each create succeeded once on exactly one vendor, or raised; no number dialed twice."""
    pair = [vendors["retell"], vendors["vapi"]]
    clock = [0.0]
    refuse_rate = 0.1
    router = Router(
        # Few retries inside the clients, so that refusals reach the router often.
        [
            v.client(refuse=lambda: rng.random() < refuse_rate, max_retries=retries)
            for v, retries in zip(pair, (0, 1), strict=True)
        ],
        cooldown=3.0,
        clock=lambda: clock[0],
    )
    kinds = [
        {"status": 429, "retry_after": 5},
        {"status": 429},
        {"drop": "after"},
        {"status": 500},
        {"status": 503},
    ]
    outcomes: dict[str, str] = {}
    started = time.monotonic()
    for n in range(500):
        clock[0] += 1.0
        for vendor in pair:
            if rng.random() < 0.2:
                vendor.fault(method="POST", path=vendor.create_path, **rng.choice(kinds))
        number = f"+1415556{n:04d}"
        try:
            call = router.calls.create_phone(to_number=number, **PHONE)
        except OutcomeUnknownError:
            outcomes[number] = "unknown"
        except AllProvidersFailedError:
            outcomes[number] = "refused"
        else:
            outcomes[number] = call.provider
    elapsed = time.monotonic() - started

    dialed = {v.name: Counter(v.dialed()) for v in pair}
    for number, outcome in outcomes.items():
        holders = {name: counts[number] for name, counts in dialed.items() if counts[number]}
        assert len(holders) <= 1, f"{number} dialed by {holders}"
        if outcome in ("retell", "vapi"):
            assert holders == {outcome: 1}, (number, outcome, holders)
        elif outcome == "refused":
            assert holders == {}, (number, holders)
        else:  # unknown: at most one vendor, at most once
            assert sum(holders.values()) <= 1, (number, holders)
    tally = Counter(o if o in ("unknown", "refused") else "placed" for o in outcomes.values())
    # The faults really happened, in every kind of outcome.
    assert tally["placed"] > 300
    assert tally["unknown"] > 0
    assert {"retell", "vapi"} <= set(outcomes.values())
    assert elapsed < 30, elapsed
