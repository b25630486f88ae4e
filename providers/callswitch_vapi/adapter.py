"""The Vapi adapter: neutral operations as plans of Vapi HTTP requests (sans-IO).

Wire facts are those of ``vapi-server-sdk`` 3.0.0 (``vapi/calls/raw_client.py``) and, for
live control, ``shared/vendors.md``. Assumptions are marked ``[INF]``.

Live control posts messages to the call's ``monitor.controlUrl``. That URL costs one
``GET /call/{id}`` to learn; it is cached per call id on the adapter, which lives as long
as its client, so each later action on the call costs one request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from callswitch.errors import (
    CallswitchError,
    InvalidCallStateError,
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    TransportError,
)
from callswitch.models import (
    Call,
    CallUpdate,
    ControlResult,
    LiveControl,
    NewPhoneCall,
    UpdateResult,
    is_e164,
)
from callswitch.plugin import (
    CONTROL_FIELDS,
    UPDATE_FIELDS,
    Adapter,
    Capability,
    ErrorDetails,
    LruCache,
    Page,
    Plan,
    Request,
    Response,
    Safety,
    applied_capabilities,
    format_utc,
    iso_to_datetime,
    list_filters,
    merge_options,
)
from callswitch_vapi._mapping import PROVIDER, to_call
from callswitch_vapi.capabilities import CONTROL_CONDITION

__all__ = ["CONTROL_URL_CACHE_SIZE", "PHONE_ID_CACHE_SIZE", "VapiAdapter"]

#: Control URLs remembered per adapter (most recently used calls); an evicted one costs
#: one GET /call/{id} again.
CONTROL_URL_CACHE_SIZE = 1024
#: E.164 number -> phone number id, remembered per adapter.
PHONE_ID_CACHE_SIZE = 256

#: LiveControl field -> the capability name a control message applies.
_CAP = {field: cap.value for field, cap in CONTROL_FIELDS.items()}

#: Keys of POST /call that choose what runs the call, besides assistantId.
_RUNNERS = ("assistant", "squadId", "squad", "workflowId", "workflow")
#: Keys of POST /call that choose the number we dial from, besides phoneNumberId.
_CALLERS = ("phoneNumber",)


@attrs.frozen
class _Window:
    """Listing cursor: the next page holds items created at or before ``before``, minus
    the ids already returned that were created exactly at ``before``."""

    before: str
    at: datetime
    seen: frozenset[str]


def _rows(response: Response) -> list[dict[str, Any]]:
    data = response.json()
    if not isinstance(data, list):
        raise ProviderError(
            f"expected a JSON array of calls, got {type(data).__name__}",
            provider=PROVIDER,
            status_code=response.status_code,
            body=response.text[:2000],
        )
    return [row for row in data if isinstance(row, dict)]


def _call_payload(response: Response) -> dict[str, Any]:
    data = response.json_object()
    if not data.get("id") and isinstance(data.get("results"), list) and data["results"]:
        # CreateCallsResponse may be a CallBatchResponse {results: [Call], errors: [...]}.
        first = data["results"][0]
        data = first if isinstance(first, dict) else data
    if not isinstance(data.get("id"), str) or not data["id"]:
        raise ProviderError(
            "the response has no call id",
            provider=PROVIDER,
            status_code=response.status_code,
            body=response.text[:2000],
        )
    return data


def _note_progress(
    exc: CallswitchError, applied: tuple[str, ...], pending: tuple[str, ...]
) -> None:
    """Add a note to ``exc`` saying which live actions were applied before it."""
    # After a vendor error the failed message was refused; after a transport failure it
    # may have arrived, so it is only "not confirmed".
    state = "not confirmed" if isinstance(exc, TransportError) else "not applied"
    exc.add_note(
        f"Applied before this failure: {', '.join(applied) or 'nothing'}; "
        f"{state}: {', '.join(pending)}."
    )


class VapiAdapter(Adapter):
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

    # -- reading ------------------------------------------------------------------------
    def get(self, call_id: str) -> Plan[Call]:
        response = yield Request("GET", f"/call/{call_id}", operation="calls.get")
        payload = _call_payload(response)
        self._remember_control_url(call_id, payload)
        return to_call(payload)

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
        if cursor is not None and not isinstance(cursor, _Window):
            raise InvalidRequestError("this cursor did not come from the vapi adapter")

        window: _Window | None = cursor
        while True:
            fresh, window = yield from self._window_page(
                "/call", params, page_size, window, "calls.list"
            )
            calls = [
                c
                for c in map(to_call, fresh)
                if (not statuses or c.status in statuses)
                and (not directions or c.direction in directions)
                and (not agents or c.agent_id in agents)
            ]
            # A page filtered down to nothing would end the client's iteration early, so
            # keep fetching until something matches or the listing is exhausted.
            if calls or window is None:
                return Page(tuple(calls), window)

    def _window_page(
        self,
        path: str,
        base: Mapping[str, str | int | float | bool],
        page_size: int,
        window: _Window | None,
        operation: str,
    ) -> Plan[tuple[list[dict[str, Any]], _Window | None]]:
        """One GET of a bare-array listing by a moving createdAt window.

        Vapi sends no cursor, so the next page asks for ``createdAtLe`` the oldest
        ``createdAt`` seen, with ``limit`` raised by the number of ids already returned at
        that instant; those ids are skipped. Calls sharing a timestamp across a page
        boundary are thus neither repeated nor lost. Assumes newest-first order and that
        Vapi honours ``limit`` as asked [INF, vendors.md].
        Returns (rows not returned before, next window or None at the end).
        """
        params = dict(base)
        seen: frozenset[str] = frozenset()
        if window is not None:
            params.pop("createdAtLt", None)
            params["createdAtLe"] = window.before
            seen = window.seen
        limit = page_size + len(seen)
        params["limit"] = limit
        response = yield Request("GET", path, params=params, operation=operation)
        rows = _rows(response)
        fresh = [row for row in rows if row.get("id") not in seen]
        if len(rows) < limit:
            return fresh, None
        stamped = [(iso_to_datetime(row.get("createdAt")), row) for row in rows]
        dated = [(at, row) for at, row in stamped if at is not None]
        if not dated:
            raise ProviderError(
                "cannot page further: the listed items have no createdAt",
                provider=PROVIDER,
                status_code=response.status_code,
                body=response.text[:2000],
            )
        oldest, oldest_row = min(dated, key=lambda pair: pair[0])
        at_oldest = {str(row.get("id")) for at, row in dated if at == oldest}
        if window is not None and window.at == oldest:
            at_oldest |= window.seen
        nxt = _Window(str(oldest_row["createdAt"]), oldest, frozenset(at_oldest))
        return fresh, nxt

    # -- creating -----------------------------------------------------------------------
    def create_phone(self, new: NewPhoneCall, options: Mapping[str, Any]) -> Plan[Call]:
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
            # from_number is resolved to its id with GET /phone-number instead.
            body["phoneNumberId"] = new.from_number
        body = merge_options(PROVIDER, body, options)  # refuses clashes before any request
        if new.from_number is not None and is_e164(new.from_number):
            body["phoneNumberId"] = yield from self._phone_number_id(new.from_number)
        response = yield Request(
            "POST", "/call", json=body, safety=Safety.UNSAFE, operation="calls.create_phone"
        )
        payload = _call_payload(response)
        self._remember_control_url(str(payload["id"]), payload)
        return to_call(payload)

    def _phone_number_id(self, number: str) -> Plan[str]:
        known = self._phone_ids.get(number)
        if known is not None:
            return known
        window: _Window | None = None
        while True:
            fresh, window = yield from self._window_page(
                "/phone-number", {}, 100, window, "calls.create_phone"
            )
            found: dict[str, str] = {}
            for row in fresh:
                if isinstance(row.get("number"), str) and isinstance(row.get("id"), str):
                    found[row["number"]] = row["id"]
            self._phone_ids.update(found)
            if number in found:
                return found[number]
            if window is None:
                raise InvalidRequestError(
                    f"vapi has no phone number {number} in this account (GET /phone-number); "
                    "import it in Vapi first, or pass its phone number id as from_number. "
                    "No call was created"
                )

    # -- changing -----------------------------------------------------------------------
    def update(
        self, call_id: str, update: CallUpdate, options: Mapping[str, Any]
    ) -> Plan[UpdateResult]:
        applied = applied_capabilities(
            PROVIDER, update.set_fields(), self.capabilities, UPDATE_FIELDS
        )
        body = merge_options(PROVIDER, {"name": update.name}, options)
        response = yield Request("PATCH", f"/call/{call_id}", json=body, operation="calls.update")
        payload = _call_payload(response)
        return UpdateResult(call=to_call(payload), applied=applied)

    def delete(self, call_id: str) -> Plan[None]:
        # The SDK sends an empty JSON object (bulk "ids" omitted); so do we.
        yield Request("DELETE", f"/call/{call_id}", json={}, operation="calls.delete")
        self._control_urls.pop(call_id)

    # -- live control -------------------------------------------------------------------
    def end(self, call_id: str) -> Plan[None]:
        yield from self._send_controls(
            call_id, [((Capability.CALLS_END.value,), {"type": "end-call"})]
        )

    def control(
        self, call_id: str, control: LiveControl, options: Mapping[str, Any]
    ) -> Plan[ControlResult]:
        applied_capabilities(PROVIDER, control.set_fields(), self.capabilities, CONTROL_FIELDS)
        messages = self._control_messages(control)
        if options:
            raise InvalidRequestError(
                "provider_options for vapi live control are not used: each action is its own "
                "control message; remove provider_options"
            )
        applied = yield from self._send_controls(call_id, messages)
        return ControlResult(call_id=call_id, applied=applied)

    @staticmethod
    def _control_messages(
        control: LiveControl,
    ) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
        """Control messages in the order they are sent: context first, then unmute, say,
        mute, transfer, and the hang-up last. Each with the capabilities it applies."""
        if control.trigger_response is not None and control.inject_context is None:
            raise InvalidRequestError(
                "vapi can only trigger a response together with inject_context (add-message "
                "with triggerResponseEnabled); add inject_context or leave trigger_response out"
            )
        if control.transfer_to is not None and control.end_call:
            raise InvalidRequestError(
                "transfer_to and end_call together would hang up on the transfer; send one of them"
            )
        if control.say is not None and control.end_call and control.mute_assistant is True:
            # say + end_call hangs up once spoken, so a mute (sent after the say) would
            # reach an ended call and fail after the call was already ended.
            raise InvalidRequestError(
                "say with end_call hangs up once the words are spoken, so mute_assistant=True "
                "would reach an ended call; leave mute_assistant out"
            )
        out: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        if control.inject_context is not None:
            caps = [_CAP["inject_context"]]
            if control.trigger_response is not None:
                caps.append(_CAP["trigger_response"])
            out.append(
                (
                    tuple(caps),
                    {
                        "type": "add-message",
                        "message": {"role": "system", "content": control.inject_context},
                        # None means "do not make the agent answer": insert silently.
                        "triggerResponseEnabled": bool(control.trigger_response),
                    },
                )
            )
        if control.mute_assistant is False:
            out.append(
                (
                    (_CAP["mute_assistant"],),
                    {"type": "control", "control": "unmute-assistant"},
                )
            )
        end_after_say = bool(control.end_call) and control.say is not None
        if control.say is not None:
            caps = [_CAP["say"]]
            if end_after_say:
                # An end-call sent right after a say could cut the words off; Vapi's say
                # message can hang up once spoken instead.
                caps.append(_CAP["end_call"])
            out.append(
                (
                    tuple(caps),
                    {"type": "say", "content": control.say, "endCallAfterSpoken": end_after_say},
                )
            )
        if control.mute_assistant is True:
            out.append(
                ((_CAP["mute_assistant"],), {"type": "control", "control": "mute-assistant"})
            )
        if control.transfer_to is not None:
            target = control.transfer_to
            destination = (
                {"type": "sip", "sipUri": target}
                if target.startswith("sip")
                else {"type": "number", "number": target}
            )
            out.append(
                (
                    (_CAP["transfer_to"],),
                    {"type": "transfer", "destination": destination},
                )
            )
        if control.end_call and not end_after_say:
            out.append(((_CAP["end_call"],), {"type": "end-call"}))
        return out

    def _send_controls(
        self, call_id: str, messages: list[tuple[tuple[str, ...], dict[str, Any]]]
    ) -> Plan[tuple[str, ...]]:
        url = yield from self._control_url(call_id)
        applied: tuple[str, ...] = ()
        for index, (caps, message) in enumerate(messages):
            try:
                yield Request(
                    "POST",
                    url,
                    json=message,
                    safety=Safety.UNSAFE,
                    # The control URL is its own credential; the API key is not sent to it
                    # (the doc examples send none) [INF, vendors.md].
                    authenticate=False,
                    operation=caps[0],
                )
            except (ProviderError, TransportError) as exc:
                error: CallswitchError = exc
                if isinstance(exc, NotFoundError):
                    # The control URL is gone: the call has ended [INF]. Forget it.
                    self._control_urls.pop(call_id)
                    error = InvalidCallStateError(
                        f"the call's control URL answered 404: call {call_id} has most likely "
                        "ended, so it cannot be controlled",
                        provider=PROVIDER,
                        status_code=exc.status_code,
                        body=exc.body,
                    )
                if len(messages) > 1:
                    pending = tuple(c for caps_, _ in messages[index:] for c in caps_)
                    _note_progress(error, applied, pending)
                if error is exc:
                    raise
                raise error from exc
            applied += caps
        return applied

    def _control_url(self, call_id: str) -> Plan[str]:
        url = self._control_urls.get(call_id)
        if url is not None:
            return url
        response = yield Request("GET", f"/call/{call_id}", operation="calls.control")
        payload = _call_payload(response)
        url = self._remember_control_url(call_id, payload)
        if url is not None:
            return url
        status = payload.get("status")
        if status == "ended":
            reason = payload.get("endedReason")
            why = f" ({reason})" if isinstance(reason, str) else ""
            message = (
                f"call {call_id} has ended{why}; live control and end only work while a "
                "call is in progress"
            )
        else:
            message = (
                f"call {call_id} (status {status!r}) has no monitor.controlUrl, so it cannot "
                "be controlled live. Enable it by setting monitorPlan.controlEnabled to true "
                "on the Vapi assistant (or in assistantOverrides.monitorPlan when creating the "
                f"call); it applies to calls created afterwards. Needs: {CONTROL_CONDITION}"
            )
        # No status code: the GET succeeded; it is the call's state that refuses.
        raise InvalidCallStateError(message, provider=PROVIDER)

    def _remember_control_url(self, call_id: str, payload: Mapping[str, Any]) -> str | None:
        monitor = payload.get("monitor")
        url = monitor.get("controlUrl") if isinstance(monitor, dict) else None
        if payload.get("status") == "ended":
            self._control_urls.pop(call_id)
            return None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return None
        self._control_urls.put(call_id, url)
        return url

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
