"""Retell wire facts that the adapter and the emulator both rely on, kept in one place.

Sources: ``retell-sdk`` 6.2.13 (``retell/resources/call.py``, ``retell/types/``) and
https://docs.retellai.com/api-references/update-call. It imports nothing of the
adapter: the capabilities module imports it, and listing providers must not load the adapter.
``json_bytes`` is the core's one measure of metadata (compact UTF-8 JSON).
"""

from __future__ import annotations

from callswitch.models import json_size as json_bytes

__all__ = [
    "CALL_STATUSES",
    "CREATE_PHONE_CALL",
    "CREATE_WEB_CALL",
    "CREATE_WEB_CALL_V2",
    "DELETE_CALL",
    "DIAL_NO_ANSWER",
    "ENDED",
    "ERROR",
    "ERROR_UNKNOWN",
    "GET_CALL",
    "LISTEN_LIVE_CALL",
    "LIST_CALLS",
    "LIST_CALLS_V2",
    "MANUAL_STOPPED",
    "MAX_PAGE_SIZE",
    "METADATA_LIMIT_BYTES",
    "NOT_CONNECTED",
    "ONGOING",
    "OVER",
    "REGISTERED",
    "STOP_CALL",
    "TAKE_OVER_LIVE_CALL",
    "UPDATE_CALL",
    "UPDATE_LIVE_CALL",
    "USER_HANGUP",
    "json_bytes",
]

#: update-call and update-live-call document metadata as "Size limited to 50kB max". We
#: read kB as 1000 bytes of compact UTF-8 JSON (the stricter reading) [INF].
METADATA_LIMIT_BYTES = 50_000

#: The largest ``limit`` list-calls accepts (SDK ``call_list_params.py`` docstring).
MAX_PAGE_SIZE = 1000

# ------------------------------------------------------------------ call_status spellings
# ``call_status`` of a call object (SDK ``types/call_response.py``).
REGISTERED = "registered"
NOT_CONNECTED = "not_connected"
ONGOING = "ongoing"
ENDED = "ended"
ERROR = "error"
#: Every ``call_status`` Retell reports.
CALL_STATUSES = (REGISTERED, NOT_CONNECTED, ONGOING, ENDED, ERROR)
#: The ``call_status`` values of a call that is over.
OVER = frozenset({ENDED, NOT_CONNECTED, ERROR})

# --------------------------------------------------------- disconnection_reason spellings
# The ``disconnection_reason`` values the emulator writes (all in the SDK's Literal).
USER_HANGUP = "user_hangup"
MANUAL_STOPPED = "manual_stopped"
DIAL_NO_ANSWER = "dial_no_answer"
ERROR_UNKNOWN = "error_unknown"

# ------------------------------------------------------------------------- request paths
# Path templates of ``retell/resources/call.py``; ``{call_id}`` is filled with ``format``.
GET_CALL = "/v2/get-call/{call_id}"
LIST_CALLS = "/v3/list-calls"
LIST_CALLS_V2 = "/v2/list-calls"
CREATE_PHONE_CALL = "/v2/create-phone-call"
CREATE_WEB_CALL = "/v3/create-web-call"
CREATE_WEB_CALL_V2 = "/v2/create-web-call"
UPDATE_CALL = "/v2/update-call/{call_id}"
UPDATE_LIVE_CALL = "/v2/update-live-call/{call_id}"
STOP_CALL = "/v2/stop-call/{call_id}"
DELETE_CALL = "/v2/delete-call/{call_id}"
LISTEN_LIVE_CALL = "/v2/listen-live-call/{call_id}"
TAKE_OVER_LIVE_CALL = "/v2/take-over-live-call/{call_id}"
