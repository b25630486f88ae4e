"""Shared fixtures: no network, cassettes without secrets, a clean environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from callswitch.registry import default_registry

# Property tests assert correctness, not speed: on a loaded 2-core CI machine the
# too_slow health check and per-example deadlines only add noise.
settings.register_profile("callswitch", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("callswitch")

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"

#: Every header that can carry a credential, for any provider. vcrpy drops them on record.
AUTH_HEADERS = (
    "authorization",
    "x-api-key",
    "x-vapi-secret",
    "x-retell-signature",
    "x-truedy-signature",
    "cookie",
    "set-cookie",
)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": [(h, None) for h in AUTH_HEADERS],
        "record_mode": "none",
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in cassettes/<provider>/, the provider named by the test's folder."""
    return str(CASSETTES / Path(str(request.node.fspath)).parent.name)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the developer's keys or config file."""
    for var in (
        "CALLSWITCH_PROVIDER",
        "CALLSWITCH_BASE_URL",
        "CALLSWITCH_CONFIG",
        "RETELL_API_KEY",
        "VAPI_API_KEY",
        "TRUEDY_API_KEY",
        "FAKE_API_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake_provider() -> Iterator[str]:
    """Register the in-test provider 'fake' (tests/fakeprovider.py) for one test."""
    import fakeprovider

    registry = default_registry()
    registry.register_plugin(fakeprovider)
    try:
        yield fakeprovider.NAME
    finally:
        registry.unregister(fakeprovider.NAME)
