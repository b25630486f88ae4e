"""Truedy adapter: neutral operations <-> Truedy's public API v1 (pure translation).

Wire facts (https://docs.truedy.ai, API reference and guides): bearer auth;
``GET /calls/{id}``; ``GET /calls`` with ``limit`` (1-100), ``offset`` and filters;
``POST /calls`` (201) honouring an ``X-Idempotency-Key`` header; ``PATCH /calls/{id}``
with ``variables`` and ``call_settings``; ``POST /webrtc/call`` for a browser call,
answered without an envelope. Other successes are wrapped in
``{data, meta: {request_id, ts}}``; errors come as ``{error: {code, message, details},
meta}`` or FastAPI's ``{detail: [...]}``.

Every operation validates its input when the plan is created, so bad input raises before
the client sends anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from callswitch.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    error_class_for_status,
)
from callswitch.models import (
    Call,
    CallUpdate,
    NewPhoneCall,
    NewWebCall,
    UpdateResult,
    is_e164,
)
from callswitch.plugin import (
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
    finite_number,
    format_utc,
    iso_to_datetime,
    list_filters,
    merge_options,
)
from callswitch_truedy import _wire
from callswitch_truedy._mapping import LIST_STATUS, request_id, to_call, unwrap, web_call
from callswitch_truedy._wire import IDEMPOTENCY_HEADER, MAX_PAGE_SIZE
from callswitch_truedy._wire import UPDATE_SETTINGS as _CALL_SETTINGS
from callswitch_truedy.capabilities import NAME

__all__ = ["IDEMPOTENCY_HEADER", "MAX_PAGE_SIZE", "TruedyAdapter", "reset_at_seconds"]

#: Truedy's documented error codes whose meaning is sharper than a bare 400/422 status.
_CODE_CLASSES: Mapping[str, type[ProviderError]] = {
    "not_found": NotFoundError,
    "unauthorized": AuthenticationError,
    "rate_limit_exceeded": RateLimitError,
}


def _now() -> datetime:
    """The current time (a seam for tests of ``reset_at``)."""
    return datetime.now(UTC)


class TruedyAdapter(Adapter):
    """Truedy's public API v1."""

    name = NAME
    default_page_size = MAX_PAGE_SIZE

    # -- read -------------------------------------------------------------------------
    def get(self, call_id: str) -> Plan[Call]:
        response = yield Request("GET", _wire.CALL.format(call_id=call_id), operation="calls.get")
        data, _ = unwrap(response.json_object())
        return to_call(data)

    def list_page(
        self, *, filters: Mapping[str, Any], page_size: int, cursor: Any
    ) -> Plan[Page[Call]]:
        offset = cursor if isinstance(cursor, int) and not isinstance(cursor, bool) else 0
        size = max(1, min(MAX_PAGE_SIZE, page_size))
        params: dict[str, str | int] = {"limit": size, "offset": offset, **_filters(filters)}
        request = Request("GET", _wire.CALLS, params=params, operation="calls.list")
        return self._list(request, offset, size)

    def _list(self, request: Request, offset: int, size: int) -> Plan[Page[Call]]:
        response = yield request
        body = response.json_object()
        data, _ = unwrap(body)
        if not isinstance(data, list):
            raise ProviderError(
                f"GET /calls returned {type(data).__name__} as data, expected a list",
                provider=NAME,
                status_code=response.status_code,
                body=response.text[:2000],
            )
        items = tuple(to_call(item) for item in data)
        pagination = body.get("pagination")
        has_more = pagination.get("has_more") if isinstance(pagination, dict) else None
        if not isinstance(has_more, bool):
            # No pagination block: a full page may have a successor [assumption].
            has_more = len(data) >= size
        next_offset = offset + len(data) if has_more and data else None
        return Page(items, next_offset)

    # -- create -----------------------------------------------------------------------
    def create_phone(self, new: NewPhoneCall, options: Mapping[str, Any]) -> Plan[Call]:
        """POST /calls. The idempotency key is fixed here, once per logical call, so every
        retry the client makes of this one request carries the same key."""
        opts = dict(options)
        key = opts.pop("idempotency_key", None)
        key = str(uuid.uuid4()) if key is None else check_idempotency_key(NAME, key)
        if new.agent_id is None:
            raise InvalidRequestError(
                "Truedy needs agent_id to place a call: pass agent_id='agt_...' "
                "(the Truedy agent that should make the call)"
            )
        if new.metadata is not None:
            raise InvalidRequestError(
                "Truedy's POST /calls does not document a metadata field, so callswitch will "
                "not send it: pass variables= for data the agent should use, or leave "
                "metadata out"
            )
        if new.from_number is not None and not is_e164(new.from_number):
            raise InvalidRequestError(
                f"from_number {new.from_number!r} must be an E.164 number like +14155550123"
            )
        body: dict[str, Any] = {"agent_id": new.agent_id, "phone_number": new.to_number}
        if new.from_number is not None:
            body["from_number"] = new.from_number
        if new.variables is not None:
            body["variables"] = dict(new.variables)
        request = Request(
            "POST",
            _wire.CALLS,
            json=_merge(body, opts),
            headers={IDEMPOTENCY_HEADER: key},
            # Truedy de-duplicates on the key, so repeating this request cannot dial twice.
            safety=Safety.IDEMPOTENT,
            operation="calls.create_phone",
            idempotency_key=key,
        )
        return self._create(request)

    def _create(self, request: Request) -> Plan[Call]:
        response = yield request
        data, _ = unwrap(response.json_object())
        return to_call(data)

    def create_web(self, new: NewWebCall, options: Mapping[str, Any]) -> Plan[Call]:
        """POST /webrtc/call ``{agent_id, variables?}``; ``Call.access_token`` is the
        join URL. Truedy documents no idempotency key here, so it is never repeated once
        it may have arrived."""
        if new.metadata is not None:
            raise InvalidRequestError(
                "Truedy's POST /webrtc/call takes only agent_id and variables, so callswitch "
                "will not send metadata: pass variables= for data the agent should use"
            )
        body: dict[str, Any] = {"agent_id": new.agent_id}
        if new.variables is not None:
            body["variables"] = dict(new.variables)
        request = Request(
            "POST",
            _wire.WEBRTC_CALL,
            json=merge_options(NAME, body, options),
            safety=Safety.UNSAFE,
            operation="calls.create_web",
        )
        return self._create_web(request, new)

    def _create_web(self, request: Request, new: NewWebCall) -> Plan[Call]:
        response = yield request
        return web_call(response.json_object(), agent_id=new.agent_id, variables=new.variables)

    # -- update -----------------------------------------------------------------------
    def update(
        self, call_id: str, update: CallUpdate, options: Mapping[str, Any]
    ) -> Plan[UpdateResult]:
        applied = applied_capabilities(NAME, update.set_fields(), self.capabilities, UPDATE_FIELDS)
        body: dict[str, Any] = {}
        if update.variables is not None:
            body["variables"] = dict(update.variables)
        settings = {
            key: getattr(update, key) for key in _CALL_SETTINGS if getattr(update, key) is not None
        }
        if settings:
            body["call_settings"] = settings
        request = Request(
            "PATCH",
            _wire.CALL.format(call_id=call_id),
            json=_merge(body, options),
            operation="calls.update",
        )
        return self._update(request, applied)

    def _update(self, request: Request, applied: tuple[str, ...]) -> Plan[UpdateResult]:
        response = yield request
        data, meta = unwrap(response.json_object())
        return UpdateResult(call=to_call(data), applied=applied, request_id=request_id(meta))

    # -- errors -----------------------------------------------------------------------
    def error_details(self, response: Response) -> ErrorDetails:
        """Both error shapes: ``{error: {code, message, details}, meta}`` and FastAPI's
        ``{detail: [{loc, msg, type}]}`` (or ``{detail: "..."}``)."""
        try:
            body = response.json()
        except ProviderError:
            body = None
        message: str | None = None
        code: str | None = None
        rid: str | None = None
        reset_at: Any = None
        if isinstance(body, dict):
            meta = body.get("meta")
            rid = request_id(meta) if isinstance(meta, dict) else None
            error = body.get("error")
            if isinstance(error, dict):
                message = _str(error.get("message"))
                code = _str(error.get("code"))
                details = error.get("details")
                if isinstance(details, dict):
                    reset_at = details.get("reset_at")
            elif isinstance(error, str):
                message = error or None
            if message is None and "detail" in body:
                message = _fastapi_message(body["detail"])
        if message is None:
            message = response.text[:500].strip() or f"HTTP {response.status_code}"
        # The body's hint; a Retry-After header wins over it (Adapter.error_for).
        retry_after = reset_at_seconds(reset_at, _now()) if reset_at is not None else None
        error_class = None
        if code is not None and error_class_for_status(response.status_code) is ProviderError:
            error_class = _CODE_CLASSES.get(code)
        return ErrorDetails(
            message=message,
            code=code,
            request_id=rid,
            retry_after=retry_after,
            error_class=error_class,
        )


# --------------------------------------------------------------------------- helpers


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _fastapi_message(detail: Any) -> str | None:
    if isinstance(detail, str):
        return detail or None
    if not isinstance(detail, list):
        return None
    parts = []
    for item in detail:
        if not isinstance(item, dict):
            continue
        loc = item.get("loc")
        where = ".".join(str(p) for p in loc) if isinstance(loc, list) else ""
        msg = _str(item.get("msg")) or _str(item.get("type")) or "invalid"
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts) or None


def reset_at_seconds(value: Any, now: datetime) -> float | None:
    """Seconds from ``now`` until ``details.reset_at``, never negative.

    Truedy names the field but not its format, so every plausible one is read: an ISO
    8601 string, epoch seconds, epoch milliseconds (above 1e12), or, for a number below
    1e9 (a date before 2001), a delay in seconds [assumption].
    """
    number = finite_number(value)
    if isinstance(value, str) and value.strip():
        try:
            number = finite_number(float(value))
        except ValueError:
            when = iso_to_datetime(value)
            return None if when is None else max(0.0, (when - now).total_seconds())
    if number is None:
        return None
    if number > 1e12:
        number /= 1000.0
    if number >= 1e9:
        return max(0.0, number - now.timestamp())
    return max(0.0, number)


def _merge(body: dict[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """``provider_options`` into a body. ``call_settings`` merges key by key (so
    ``max_duration`` can join a neutral ``greeting``); any clash is refused."""
    opts = dict(options)
    extra_settings = opts.pop("call_settings", None)
    if extra_settings is not None:
        if not isinstance(extra_settings, Mapping):
            raise InvalidRequestError(
                "provider_options['truedy']['call_settings'] must be a dict, e.g. "
                "{'max_duration': '3600s'}"
            )
        settings = dict(body.get("call_settings") or {})
        body = {**body, "call_settings": merge_options(NAME, settings, extra_settings)}
    return merge_options(NAME, body, opts)


def _filters(filters: Mapping[str, Any]) -> dict[str, str]:
    """Neutral list filters -> Truedy query parameters, or InvalidRequestError.

    Checked by :func:`callswitch._kit.list_filters`. Each query parameter takes one value
    (the list guide documents no list form), so a filter with several values is not sent:
    the client applies every filter to each call anyway.
    """
    checked = list_filters(filters)
    params: dict[str, str] = {}
    # Each query parameter takes one value: with several (or failed, which Truedy splits
    # into failed and cancelled) nothing is sent and the client filters the pages itself.
    if len(checked.statuses) == 1 and checked.statuses[0] in LIST_STATUS:
        params["status"] = LIST_STATUS[checked.statuses[0]]
    if len(checked.directions) == 1:
        params["direction"] = checked.directions[0].value
    if len(checked.agent_ids) == 1:
        params["agent_id"] = checked.agent_ids[0]
    # The query format is not documented; Truedy's timestamps are ISO 8601 UTC [assumption].
    if checked.created_after is not None:
        params["created_after"] = format_utc(checked.created_after)
    if checked.created_before is not None:
        params["created_before"] = format_utc(checked.created_before)
    return params
