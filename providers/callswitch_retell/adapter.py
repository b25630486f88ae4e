"""The Retell adapter: neutral operations -> Retell HTTP requests, and back.

Pure translation (sans-IO): every operation is a plan that yields
:class:`~callswitch.http.Request` descriptions; the client sends them, retries them and
throws mapped :class:`~callswitch.errors.ProviderError` s back in.

How updates are routed (the Retell rule this adapter absorbs)
--------------------------------------------------------------
Since 2026-08-31 ``PATCH /v2/update-call`` accepts only calls that have ended, and
``PATCH /v2/update-live-call`` only calls that are ongoing. ``calls.update`` therefore
reads the call first (``GET /v2/get-call``, safe to repeat) and routes on its
``call_status``:

* ``ongoing``: one ``update-live-call`` with ``fields_to_override`` (metadata,
  data_storage_setting, override_dynamic_variables);
* ``registered`` (not yet connected): refused with ``InvalidCallStateError``; neither
  endpoint takes it;
* anything else (``ended``, ``not_connected``, ``error``, or a status this module does
  not know): ``update-call``. Dynamic variables only act on a live call and
  update-call no longer takes them, so they are refused with ``InvalidCallStateError``.

We chose the read over "try one endpoint and fall back on the vendor's error" because
the read uses documented fields only (Retell's wording for "wrong state" is not
documented), and because it also yields the call's current ``data_storage_setting``,
so a downgrade to a less restrictive setting is refused before anything is changed. If
the call ends between the read and an ``update-live-call`` (a 400/409/422 answer), the
call is read once more and, when it has ended, the update goes to ``update-call``.
Both paths are safe to repeat (they set values), so the client may retry them.

``provider_options`` on ``calls.update`` are added to the ``update-call`` body only
(``custom_attributes``, say). ``update-live-call``'s ``fields_to_override`` allows no
other keys than the three the neutral fields set (the update-live-call page:
additionalProperties false),
so a record-only key would make it answer 400: when the call is ongoing and
``provider_options`` are given, the update is refused with ``InvalidCallStateError``
before anything is changed, rather than sending them where they fail or dropping them.

``calls.control`` sends exactly one ``update-live-call`` (``call_control`` and
``fields_to_override.override_dynamic_variables`` together) with no read first, and
is never retried once it may have reached Retell. ``end_call`` is a separate
``POST /v2/stop-call`` sent after it. When Retell refuses a live request with a
400/409/422, the call is read to tell the caller whether the call is simply not
ongoing (``InvalidCallStateError``) or something else is wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from callswitch.errors import (
    InvalidCallStateError,
    InvalidRequestError,
    NotFoundError,
    ProviderError,
)
from callswitch.models import (
    Call,
    CallUpdate,
    ControlResult,
    LiveControl,
    NewPhoneCall,
    NewWebCall,
    UpdateResult,
    is_e164,
)
from callswitch.plugin import (
    CONTROL_FIELDS,
    UPDATE_FIELDS,
    Adapter,
    ErrorDetails,
    Page,
    Plan,
    Request,
    Response,
    Safety,
    applied_capabilities,
    check_idempotency_key,
    merge_options,
)
from callswitch_retell import _mapping, _wire
from callswitch_retell._wire import MAX_PAGE_SIZE
from callswitch_retell.capabilities import NAME

__all__ = ["MAX_PAGE_SIZE", "RetellAdapter"]


#: Statuses of an answer to a live request that may mean "the call is not ongoing".
_STATE_STATUSES = frozenset({400, 409, 422})


def _request_id(response: Response) -> str | None:
    # Retell's docs and SDK name no request-id header; x-request-id is read when present [INF].
    return response.headers.get("x-request-id")


class RetellAdapter(Adapter):
    """Retell (api.retellai.com). See the module docstring for how updates are routed."""

    name: ClassVar[str] = NAME
    default_page_size: ClassVar[int] = 100
    #: retell-sdk 6.2.13's own timeouts, used when the user sets none: 60 s for every
    #: request (``retell/_constants.py`` DEFAULT_TIMEOUT), 300 s to list calls and 120 s to
    #: create a phone call (``retell/resources/call.py``, ``list`` and ``create_phone_call``).
    default_timeouts: ClassVar[Mapping[str, float]] = MappingProxyType(
        {"*": 60.0, "calls.list": 300.0, "calls.create_phone": 120.0}
    )

    # ------------------------------------------------------------------------ reads
    def _get_request(self, call_id: str, operation: str) -> Request:
        return Request("GET", _wire.GET_CALL.format(call_id=call_id), operation=operation)

    def get(self, call_id: str) -> Plan[Call]:
        response = yield self._get_request(call_id, "calls.get")
        return _mapping.to_call(response.json_object())

    def list_page(
        self, *, filters: Mapping[str, Any], page_size: int, cursor: Any
    ) -> Plan[Page[Call]]:
        body: dict[str, Any] = {"limit": max(1, min(page_size, MAX_PAGE_SIZE))}
        criteria = _mapping.list_filter_criteria(filters)
        if criteria:
            body["filter_criteria"] = criteria
        if cursor is not None:
            body["pagination_key"] = cursor
        response = yield Request("POST", _wire.LIST_CALLS, json=body, operation="calls.list")
        data = response.json_object()
        raw_items = data.get("items")
        if not isinstance(raw_items, list):
            raise ProviderError(
                "list-calls answered without an items list",
                provider=NAME,
                status_code=response.status_code,
                body=response.text[:2000],
            )
        items = tuple(_mapping.to_call(item) for item in raw_items)
        next_key = data.get("pagination_key")
        if data.get("has_more") is not True:
            return Page(items, None)
        if not isinstance(next_key, str) or not next_key:
            raise ProviderError(
                "list-calls said has_more but sent no pagination_key; the listing cannot continue",
                provider=NAME,
                status_code=response.status_code,
                body=response.text[:2000],
            )
        return Page(items, next_key)

    # ---------------------------------------------------------------------- creates
    def create_phone(self, new: NewPhoneCall, options: Mapping[str, Any]) -> Plan[Call]:
        extra = dict(options)
        key = extra.pop("idempotency_key", None)
        key = uuid.uuid4().hex if key is None else check_idempotency_key(NAME, key)
        if new.from_number is None:
            raise InvalidRequestError(
                "Retell needs from_number for a phone call: pass from_number='+1...', a "
                "number you bought from or imported into Retell"
            )
        if not is_e164(new.from_number) and extra.get("ignore_e164_validation") is not True:
            raise InvalidRequestError(
                f"from_number {new.from_number!r} is not an E.164 number like +14155550123; "
                "for custom telephony pseudo numbers pass "
                "provider_options={'retell': {'ignore_e164_validation': True}}"
            )
        body: dict[str, Any] = {"from_number": new.from_number, "to_number": new.to_number}
        if new.agent_id is not None:
            body["override_agent_id"] = new.agent_id
        if new.metadata is not None:  # the model has checked it is JSON
            _mapping.check_metadata(new.metadata)  # Retell's 50 kB limit, as on update
            body["metadata"] = new.metadata
        if new.variables is not None:
            body["retell_llm_dynamic_variables"] = dict(new.variables)
        body = merge_options(NAME, body, extra)
        # The key is part of the body, so every retry of this Request carries the same key
        # and Retell creates at most one call for it: safe to repeat.
        body["idempotency_key"] = key
        response = yield Request(
            "POST",
            _wire.CREATE_PHONE_CALL,
            json=body,
            safety=Safety.IDEMPOTENT,
            operation="calls.create_phone",
            idempotency_key=key,
        )
        return _mapping.to_call(response.json_object())

    def create_web(self, new: NewWebCall, options: Mapping[str, Any]) -> Plan[Call]:
        body: dict[str, Any] = {"agent_id": new.agent_id}
        if new.metadata is not None:  # the model has checked it is JSON
            _mapping.check_metadata(new.metadata)  # Retell's 50 kB limit, as on update
            body["metadata"] = new.metadata
        if new.variables is not None:
            body["retell_llm_dynamic_variables"] = dict(new.variables)
        body = merge_options(NAME, body, options)
        # /v3/create-web-call is what retell-sdk 6.2.13 sends; it takes no idempotency key.
        response = yield Request(
            "POST",
            _wire.CREATE_WEB_CALL,
            json=body,
            safety=Safety.UNSAFE,
            operation="calls.create_web",
        )
        return _mapping.call_from_web_create(
            response.json_object(), agent_id=new.agent_id, body=body
        )

    # ----------------------------------------------------------------------- update
    def update(
        self, call_id: str, update: CallUpdate, options: Mapping[str, Any]
    ) -> Plan[UpdateResult]:
        # Everything that can be checked without the call's state is checked first.
        applied = applied_capabilities(NAME, update.set_fields(), self.capabilities, UPDATE_FIELDS)
        if update.metadata is not None:
            _mapping.check_metadata(update.metadata)
        record: dict[str, Any] = {}
        live: dict[str, Any] = {}
        if update.metadata is not None:
            record["metadata"] = live["metadata"] = update.metadata
        if update.data_storage is not None:
            record["data_storage_setting"] = live["data_storage_setting"] = (
                update.data_storage.value
            )
        if update.variables is not None:
            live["override_dynamic_variables"] = dict(update.variables)
        # provider_options belong to update-call only (see the module docstring).
        record = merge_options(NAME, record, options)

        response = yield self._get_request(call_id, "calls.update")
        current = response.json_object()
        status = current.get("call_status")
        self._check_update_state(call_id, status, update)
        if update.data_storage is not None:
            _mapping.check_storage_change(current.get("data_storage_setting"), update.data_storage)

        if status == _wire.ONGOING and options:
            raise InvalidCallStateError(
                f"call {call_id} is ongoing, and provider_options for retell "
                f"({', '.join(sorted(options))}) apply to update-call, which Retell only "
                "accepts once the call has ended (update-live-call takes no other fields). "
                "Send them after the call ends, or leave provider_options out. Nothing was "
                "changed",
                provider=NAME,
            )
        if status == _wire.ONGOING:
            try:
                response = yield Request(
                    "PATCH",
                    _wire.UPDATE_LIVE_CALL.format(call_id=call_id),
                    json={"fields_to_override": live},
                    operation="calls.update",
                )
            except ProviderError as exc:
                if not self._maybe_state(exc):
                    raise
                # The call may have ended since we read it: read it again.
                try:
                    response = yield self._get_request(call_id, "calls.update")
                    status = response.json_object().get("call_status")
                except ProviderError:
                    raise exc from None
                if status in (_wire.ONGOING, _wire.REGISTERED):
                    raise
                self._check_update_state(call_id, status, update)
            else:
                return UpdateResult(call=None, applied=applied, request_id=_request_id(response))

        response = yield Request(
            "PATCH",
            _wire.UPDATE_CALL.format(call_id=call_id),
            json=record,
            operation="calls.update",
        )
        data = response.json()
        call = _mapping.to_call(data) if isinstance(data, Mapping) and data else None
        return UpdateResult(call=call, applied=applied, request_id=_request_id(response))

    def _check_update_state(self, call_id: str, status: Any, update: CallUpdate) -> None:
        shown = call_id
        if status == _wire.REGISTERED:
            raise InvalidCallStateError(
                f"call {shown} is registered (not yet connected). Retell updates a call "
                "through update-live-call while it is ongoing and through update-call after "
                "it ended; update it then. Nothing was changed",
                provider=NAME,
            )
        if status != _wire.ONGOING and update.variables is not None:
            raise InvalidCallStateError(
                f"call {shown} is {status or 'not ongoing'}; dynamic variables can only be "
                "changed while the call is ongoing (update-call no longer takes them). "
                "Nothing was changed",
                provider=NAME,
            )

    # ---------------------------------------------------------------------- control
    def control(
        self, call_id: str, control: LiveControl, options: Mapping[str, Any]
    ) -> Plan[ControlResult]:
        wanted = applied_capabilities(NAME, control.set_fields(), self.capabilities, CONTROL_FIELDS)
        end_call = CONTROL_FIELDS["end_call"].value
        # end_call is applied only once stop-call succeeded: appended then.
        applied = [cap for cap in wanted if cap != end_call]
        call_control: dict[str, Any] = {}
        overrides: dict[str, Any] = {}
        if control.inject_context is not None:
            call_control["additional_context"] = control.inject_context
        if control.trigger_response is not None:
            call_control["trigger_response"] = control.trigger_response
        if control.variables is not None:
            overrides["override_dynamic_variables"] = dict(control.variables)
        body: dict[str, Any] = {}
        if call_control:
            body["call_control"] = call_control
        if overrides:
            body["fields_to_override"] = overrides
        if options and not body:
            raise InvalidRequestError(
                "provider_options for retell apply to the update-live-call request, and this "
                "LiveControl only hangs up; leave provider_options out"
            )
        body = merge_options(NAME, body, options)
        request_id: str | None = None
        if body:
            try:
                response = yield Request(
                    "PATCH",
                    _wire.UPDATE_LIVE_CALL.format(call_id=call_id),
                    json=body,
                    safety=Safety.UNSAFE,
                    operation="calls.control",
                )
            except ProviderError as exc:
                better = yield from self._state_error(call_id, exc, "live control")
                raise better from exc
            request_id = _request_id(response)
        if control.end_call:
            try:
                response = yield self._stop_request(call_id, "calls.control")
            except ProviderError as exc:
                better = yield from self._state_error(call_id, exc, "ending the call")
                if applied:
                    better.add_note(
                        f"{', '.join(applied)} reached Retell before the hang-up failed"
                    )
                raise better from exc
            request_id = _request_id(response) or request_id
            applied.append(end_call)
        return ControlResult(call_id=call_id, applied=tuple(applied), request_id=request_id)

    # ------------------------------------------------------------------ end, delete
    def _stop_request(self, call_id: str, operation: str) -> Request:
        return Request(
            "POST",
            _wire.STOP_CALL.format(call_id=call_id),
            headers={"Accept": "*/*"},
            safety=Safety.UNSAFE,
            operation=operation,
        )

    def end(self, call_id: str) -> Plan[None]:
        try:
            yield self._stop_request(call_id, "calls.end")
        except ProviderError as exc:
            better = yield from self._state_error(call_id, exc, "ending the call")
            raise better from exc

    def delete(self, call_id: str) -> Plan[None]:
        yield Request(
            "DELETE",
            _wire.DELETE_CALL.format(call_id=call_id),
            headers={"Accept": "*/*"},
            operation="calls.delete",
        )

    # ----------------------------------------------------------------------- errors
    @staticmethod
    def _maybe_state(exc: ProviderError) -> bool:
        """Could this answer mean "the call is not in the right state"?"""
        return (
            type(exc) in (ProviderError, InvalidCallStateError)
            and exc.status_code in _STATE_STATUSES
        )

    def _state_error(self, call_id: str, exc: ProviderError, action: str) -> Plan[ProviderError]:
        """``exc``, or an InvalidCallStateError when a read shows the call is not ongoing."""
        if not self._maybe_state(exc):
            return exc
        try:
            response = yield self._get_request(call_id, "calls.get")
            status = response.json_object().get("call_status")
        except ProviderError:
            return exc
        if not isinstance(status, str) or status == _wire.ONGOING:
            return exc
        return InvalidCallStateError(
            f"{action} needs an ongoing call, and call {call_id} is {status}. "
            f"Retell answered: {exc.message}",
            provider=NAME,
            status_code=exc.status_code,
            code=exc.code,
            request_id=exc.request_id,
            body=exc.body,
        )

    def error_details(self, response: Response) -> ErrorDetails:
        """Retell errors are ``{"status": "error", "message": "..."}``.

        An unknown call id may come back as 422 "Cannot find requested asset under given
        api key" rather than 404: that is a NotFoundError too.
        """
        message = response.text[:500] or f"HTTP {response.status_code}"
        try:
            data = response.json()
        except ProviderError:
            data = None
        if isinstance(data, Mapping) and isinstance(data.get("message"), str):
            message = data["message"]
        error_class: type[ProviderError] | None = None
        if response.status_code == 422 and "cannot find" in message.lower():
            error_class = NotFoundError
        return ErrorDetails(
            message=message, request_id=_request_id(response), error_class=error_class
        )
