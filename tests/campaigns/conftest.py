from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from campaign_support import redis_server


@pytest.fixture(scope="session")
def campaign_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server for this session."""
    with redis_server(tmp_path_factory.mktemp("campaign-redis")) as url:
        yield url
