"""The Vapi adapter: neutral operations as plans of Vapi HTTP requests (sans-IO).

Wire facts are those of ``vapi-server-sdk`` 3.0.0 (``vapi/calls/raw_client.py``).
Assumptions are marked ``[INF]``. Live control is in :mod:`callswitch_vapi._control`,
phone number lookups in :mod:`callswitch_vapi._numbers`, listing helpers in
:mod:`callswitch_vapi._wire`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callswitch.errors import InvalidRequestError, ProviderError
from callswitch.models import (
    Call,
    CallUpdate,
    NewPhoneCall,
    UpdateResult,
    is_e164,
)
from callswitch.plugin import (
    UPDATE_FIELDS,
    Adapter,
    ErrorDetails,
    LruCache,
    Page,
    Plan,
    Request,
    Response,
    Safety,
    applied_capabilities,
    format_utc,
    list_filters,
    merge_options,
)
from callswitch_vapi._control import CONTROL_URL_CACHE_SIZE, LiveControlMixin
from callswitch_vapi._mapping import PROVIDER, to_call, with_number
from callswitch_vapi._numbers import PHONE_ID_CACHE_SIZE, PhoneNumbersMixin
from callswitch_vapi._wire import CALL, CALLS, Window, call_payload, window_page

__all__ = ["CONTROL_URL_CACHE_SIZE", "PHONE_ID_CACHE_SIZE", "VapiAdapter"]

#: Keys of POST /call that choose what runs the call, besides assistantId.
_RUNNERS = ("assistant", "squadId", "squad", "workflowId", "workflow")
#: Keys of POST /call that choose the number we dial from, besides phoneNumberId.
_CALLERS = ("phoneNumber",)


def merge_nested(
    body: Mapping[str, Any], options: Mapping[str, Any], path: str = ""
) -> dict[str, Any]:
    """``body`` with ``provider_options`` laid in, nested objects merged key by key.

    So ``{"assistantOverrides": {"monitorPlan": {...}}}`` joins the ``variableValues`` and
    ``metadata`` callswitch sets there. Only a value set on both sides (not two objects)
    is a conflict: InvalidRequestError naming its key, before any request.
    """
    merged = dict(body)
    for key, value in options.items():
        name = f"{path}.{key}" if path else str(key)
        if key not in merged:
            merged[key] = value
        elif isinstance(merged[key], Mapping) and isinstance(value, Mapping):
            merged[key] = merge_nested(merged[key], value, name)
        else:
            raise InvalidRequestError(
                f"provider_options[{PROVIDER!r}] sets {name}, which callswitch already sets "
                "from the neutral fields (agent_id, from_number, to_number, variables, "
                "metadata); set it through the neutral field instead"
            )
    return merged


class VapiAdapter(LiveControlMixin, PhoneNumbersMixin, Adapter):
    """Translates callswitch operations to Vapi's HTTP API."""

    name = PROVIDER
    #: GET /call defaults to 100 items (SDK docstring).
    default_page_size = 100
    #: Control URLs are on vapi.ai (https://docs.vapi.ai/calls/call-dynamic-transfers shows
    #: ``https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/...``).
    trusted_hosts = ("vapi.ai",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Bounded: a long-lived client sees an unbounded number of calls and numbers.
        self._control_urls: LruCache[str, str] = LruCache(CONTROL_URL_CACHE_SIZE)
        self._phone_ids: LruCache[str, str] = LruCache(PHONE_ID_CACHE_SIZE)
        self._phone_numbers: LruCache[str, str] = LruCache(PHONE_ID_CACHE_SIZE)

    # -- reading ------------------------------------------------------------------------
    def get(self, call_id: str) -> Plan[Call]:
        response = yield Request("GET", CALL.format(call_id=call_id), operation="calls.get")
        payload = call_payload(response)
        self._remember_control_url(call_id, payload)
        numbers = yield from self._numbers_of([payload], "calls.get")
        return with_number(to_call(payload), numbers.get(payload.get("phoneNumberId", "")))

    def list_page(
        self, *, filters: Mapping[str, Any], page_size: int, cursor: Any
    ) -> Plan[Page[Call]]:
        checked = list_filters(filters)
        params: dict[str, str | int | float | bool] = {}
        if len(checked.agent_ids) == 1:
            params["assistantId"] = checked.agent_ids[0]
        if checked.created_after is not None:
            params["createdAtGt"] = format_utc(checked.created_after)
        if checked.created_before is not None:
            params["createdAtLt"] = format_utc(checked.created_before)
        # GET /call filters by one assistantId and not by status or type: the rest is
        # applied here, to each page.
        statuses, directions = checked.statuses, checked.directions
        agents = checked.agent_ids if len(checked.agent_ids) > 1 else ()
        if cursor is not None and not isinstance(cursor, Window):
            raise InvalidRequestError("this cursor did not come from the vapi adapter")

        window: Window | None = cursor
        while True:
            fresh, window = yield from window_page(CALLS, params, page_size, window, "calls.list")
            kept = [
                (row, c)
                for row, c in zip(fresh, map(to_call, fresh), strict=True)
                if (not statuses or c.status in statuses)
                and (not directions or c.direction in directions)
                and (not agents or c.agent_id in agents)
            ]
            numbers = yield from self._numbers_of([row for row, _ in kept], "calls.list")
            calls = [with_number(c, numbers.get(row.get("phoneNumberId", ""))) for row, c in kept]
            # A page filtered down to nothing would end the client's iteration early, so
            # keep fetching until something matches or the listing is exhausted.
            if calls or window is None:
                return Page(tuple(calls), window)

    # -- creating -----------------------------------------------------------------------
    def create_phone(self, new: NewPhoneCall, options: Mapping[str, Any]) -> Plan[Call]:
        if "idempotency_key" in options:
            raise InvalidRequestError(
                "vapi has no idempotency key: POST /call takes none (vapi-server-sdk 3.0.0, "
                "vapi/calls/raw_client.py), so it would be sent as an unknown field and "
                "ignored. Remove provider_options['vapi']['idempotency_key']; callswitch "
                "never repeats a Vapi create on its own"
            )
        if new.agent_id is None and not any(k in options for k in _RUNNERS):
            raise InvalidRequestError(
                "vapi needs agent_id: the id of the Vapi assistant that runs the call "
                '(or provider_options={"vapi": {"squadId": ...}} for a squad)'
            )
        if new.from_number is None and not any(k in options for k in _CALLERS):
            raise InvalidRequestError(
                "vapi needs from_number: the id of one of your Vapi phone numbers, or its "
                "E.164 number (callswitch looks up the id)"
            )
        body: dict[str, Any] = {}
        if new.agent_id is not None:
            body["assistantId"] = new.agent_id
        overrides: dict[str, Any] = {}
        if new.variables is not None:
            overrides["variableValues"] = dict(new.variables)
        if new.metadata is not None:
            overrides["metadata"] = dict(new.metadata)
        if overrides:
            body["assistantOverrides"] = overrides
        body["customer"] = {"number": new.to_number}
        if new.from_number is not None:
            # phoneNumberId needs Vapi's id for the number; a transient phoneNumber would
            # need the carrier's credentials (ImportTwilioPhoneNumberDto), so an E.164
            # from_number is resolved to its id with GET /v2/phone-number?search= instead.
            body["phoneNumberId"] = new.from_number
        body = merge_nested(body, options)  # refuses clashes before any request
        if new.from_number is not None and is_e164(new.from_number):
            body["phoneNumberId"] = yield from self._phone_number_id(new.from_number)
        response = yield Request(
            "POST", CALLS, json=body, safety=Safety.UNSAFE, operation="calls.create_phone"
        )
        payload = call_payload(response)
        # The control URL is not cached from a create answer: its id was not asked for, so
        # a wrong or hostile answer could plant a URL for another call. The first live
        # action reads it with GET /call/{id}.
        # No lookup after a create (it must not fail once the call exists): the number is
        # the E.164 from_number given, or one this client already resolved.
        return with_number(to_call(payload), self._known_number(payload))

    # -- changing -----------------------------------------------------------------------
    def update(
        self, call_id: str, update: CallUpdate, options: Mapping[str, Any]
    ) -> Plan[UpdateResult]:
        applied = applied_capabilities(
            PROVIDER, update.set_fields(), self.capabilities, UPDATE_FIELDS
        )
        body = merge_options(PROVIDER, {"name": update.name}, options)
        response = yield Request(
            "PATCH", CALL.format(call_id=call_id), json=body, operation="calls.update"
        )
        payload = call_payload(response)
        call = with_number(to_call(payload), self._known_number(payload))
        return UpdateResult(call=call, applied=applied)

    def delete(self, call_id: str) -> Plan[None]:
        # The SDK sends an empty JSON object (bulk "ids" omitted); so do we.
        yield Request("DELETE", CALL.format(call_id=call_id), json={}, operation="calls.delete")
        self._control_urls.pop(call_id)

    # -- errors -------------------------------------------------------------------------
    def error_details(self, response: Response) -> ErrorDetails:
        """NestJS bodies: ``{"message": str | [str], "error": "Bad Request", "statusCode"}``."""
        try:
            data = response.json()
        except ProviderError:
            data = None
        message: str | None = None
        if isinstance(data, dict):
            raw = data.get("message")
            if isinstance(raw, str) and raw:
                message = raw
            elif isinstance(raw, list) and raw:
                message = "; ".join(str(item) for item in raw)
            elif isinstance(data.get("error"), str) and data["error"]:
                message = data["error"]
        if message is None:
            message = response.text[:500].strip() or f"HTTP {response.status_code}"
        return ErrorDetails(message=message)
