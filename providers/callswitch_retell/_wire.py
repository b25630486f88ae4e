"""Retell wire facts that the adapter and the emulator both rely on, kept in one place.

Sources: ``retell-sdk`` 6.2.13 (``retell/resources/call.py``, ``retell/types/``) and
https://docs.retellai.com/api-references/update-call. It imports nothing of the
adapter: the capabilities module imports it, and listing providers must not load the adapter.
``json_bytes`` is the core's one measure of metadata (compact UTF-8 JSON).
"""

from __future__ import annotations

from callswitch.models import json_size as json_bytes

__all__ = ["MAX_PAGE_SIZE", "METADATA_LIMIT_BYTES", "json_bytes"]

#: update-call and update-live-call document metadata as "Size limited to 50kB max". We
#: read kB as 1000 bytes of compact UTF-8 JSON (the stricter reading) [INF].
METADATA_LIMIT_BYTES = 50_000

#: The largest ``limit`` list-calls accepts (SDK ``call_list_params.py`` docstring).
MAX_PAGE_SIZE = 1000
