"""Request checks of the Retell emulator: body field lists, value checks, list filters.

Field lists follow ``retell-sdk`` 6.2.13 (``retell/types/call_*_params.py``); an unknown
property is refused with a 400, as https://docs.retellai.com/api-references/update-live-call
documents.
"""

from __future__ import annotations

import re
from typing import Any

from callswitch_retell._wire import METADATA_LIMIT_BYTES, json_bytes

__all__ = [
    "CONTROL_FIELDS",
    "CREATE_PHONE_FIELDS",
    "CREATE_WEB_FIELDS",
    "E164",
    "LIST_FIELDS",
    "OVERRIDE_FIELDS",
    "STORAGE_ORDER",
    "UPDATE_FIELDS",
    "V3_LIST_OMITS",
    "BadRequest",
    "check_metadata_size",
    "check_object",
    "check_variables",
    "int_or",
]

STORAGE_ORDER = ("everything", "everything_except_pii", "basic_attributes_only")
E164 = re.compile(r"\+[1-9][0-9]{1,14}\Z")
CREATE_PHONE_FIELDS = frozenset(
    {
        "from_number",
        "to_number",
        "agent_override",
        "custom_sip_headers",
        "honor_internal_dnc",
        "idempotency_key",
        "ignore_e164_validation",
        "metadata",
        "override_agent_id",
        "override_agent_version",
        "retell_llm_dynamic_variables",
    }
)
CREATE_WEB_FIELDS = frozenset(
    {
        "agent_id",
        "agent_override",
        "agent_version",
        "current_node_id",
        "current_state",
        "metadata",
        "retell_llm_dynamic_variables",
    }
)
UPDATE_FIELDS = frozenset(
    {
        "metadata",
        "data_storage_setting",
        "custom_attributes",
        # Deprecated or legacy, still documented (the update-call page,
        # https://docs.retellai.com/api-references/update-call, shows the opt-out flag).
        "override_dynamic_variables",
        "opt_out_sensitive_data_storage",
    }
)
LIST_FIELDS = frozenset(
    {"filter_criteria", "include_total", "limit", "pagination_key", "skip", "sort_order"}
)
OVERRIDE_FIELDS = frozenset({"override_dynamic_variables", "metadata", "data_storage_setting"})
CONTROL_FIELDS = frozenset({"additional_context", "trigger_response"})
# v3 list items leave these out (fetch the call for them).
V3_LIST_OMITS = (
    "transcript",
    "transcript_object",
    "transcript_with_tool_calls",
    "recording_url",
    "recording_multi_channel_url",
    "scrubbed_recording_url",
)


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def int_or(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def check_variables(value: Any, name: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise BadRequest(f"{name} must be an object of string keys and string values.")


def check_object(value: Any, name: str) -> None:
    if value is not None and not isinstance(value, dict):
        raise BadRequest(f"{name} must be an object.")


def check_metadata_size(value: Any) -> None:
    """Refuse metadata over the documented 50 kB, measured as the adapter measures it."""
    if value is not None and json_bytes(value) > METADATA_LIMIT_BYTES:
        raise BadRequest("metadata is limited to 50kB.")
