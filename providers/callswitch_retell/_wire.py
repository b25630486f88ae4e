"""Retell wire facts that the adapter and the emulator both rely on, kept in one place.

Sources: ``retell-sdk`` 6.2.13 (``retell/resources/call.py``, ``retell/types/``) and
https://docs.retellai.com/api-references/update-call. Standard library only: the
capabilities module imports it, and listing providers must not load the adapter.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_PAGE_SIZE", "METADATA_LIMIT_BYTES", "json_bytes"]

#: update-call and update-live-call document metadata as "Size limited to 50kB max". We
#: read kB as 1000 bytes of compact UTF-8 JSON (the stricter reading) [INF].
METADATA_LIMIT_BYTES = 50_000

#: The largest ``limit`` list-calls accepts (SDK ``call_list_params.py`` docstring).
MAX_PAGE_SIZE = 1000


def json_bytes(value: Any) -> int:
    """The size of ``value`` as compact UTF-8 JSON, the measure METADATA_LIMIT_BYTES uses.

    Raises TypeError or ValueError when ``value`` is not JSON (NaN and infinities
    included).
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return len(text.encode("utf-8"))
