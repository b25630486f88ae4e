"""Vapi live control: messages POSTed to the call's ``monitor.controlUrl`` (sans-IO).

That URL costs one ``GET /call/{id}`` to learn; it is cached per call id on the adapter,
which lives as long as its client, so each later action on the call costs one request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callswitch.errors import (
    AuthenticationError,
    CallswitchError,
    InvalidCallStateError,
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    TransportError,
)
from callswitch.models import ControlResult, LiveControl
from callswitch.plugin import (
    CONTROL_FIELDS,
    Capabilities,
    Capability,
    LruCache,
    Plan,
    Request,
    Safety,
    applied_capabilities,
)
from callswitch_vapi._control_options import control_options
from callswitch_vapi._mapping import PROVIDER
from callswitch_vapi._wire import CALL, call_payload
from callswitch_vapi.capabilities import CONTROL_CONDITION

__all__ = ["CONTROL_URL_CACHE_SIZE", "LiveControlMixin"]

#: Control URLs remembered per adapter (most recently used calls); an evicted one costs
#: one GET /call/{id} again.
CONTROL_URL_CACHE_SIZE = 1024

#: LiveControl field -> the capability name a control message applies.
_CAP = {field: cap.value for field, cap in CONTROL_FIELDS.items()}


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


def _refused(call_id: str, sent_key: bool) -> str:
    """What to do when a control URL answers 401."""
    if sent_key:
        return (
            f"the control URL of call {call_id} answered 401 to the publicKey given: pass the "
            "public API key of the Vapi org that owns the call (Dashboard, API Keys)"
        )
    return (
        f"the control URL of call {call_id} answered 401: its assistant has "
        "monitorPlan.controlAuthenticationEnabled, so live control needs your Vapi public API "
        'key: pass provider_options={"vapi": {"publicKey": "<public key>"}} to '
        "calls.control (to hang up, calls.control(call_id, LiveControl(end_call=True), "
        "provider_options=...))"
    )


class LiveControlMixin:
    """The adapter's live-control operations (``end``, ``control``)."""

    capabilities: Capabilities
    _control_urls: LruCache[str, str]

    # -- live control -------------------------------------------------------------------
    def end(self, call_id: str) -> Plan[None]:
        yield from self._send_controls(
            call_id, [((Capability.CALLS_END.value,), {"type": "end-call"})]
        )

    def control(
        self, call_id: str, control: LiveControl, options: Mapping[str, Any]
    ) -> Plan[ControlResult]:
        applied_capabilities(PROVIDER, control.set_fields(), self.capabilities, CONTROL_FIELDS)
        extra = control_options(options, control)
        messages = extra.extend(self._control_messages(control))
        applied = yield from self._send_controls(call_id, messages, extra.headers())
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
        self,
        call_id: str,
        messages: list[tuple[tuple[str, ...], dict[str, Any]]],
        headers: Mapping[str, str] | None = None,
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
                    # The control URL is its own credential; the API key is not sent to it.
                    # With monitorPlan.controlAuthenticationEnabled it also needs the public
                    # key (provider_options publicKey), carried in ``headers``.
                    authenticate=False,
                    headers=dict(headers or {}),
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
                elif isinstance(exc, AuthenticationError):
                    error = AuthenticationError(
                        _refused(call_id, bool(headers)),
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
            applied += tuple(c for c in caps if c not in applied)
        return applied

    def _control_url(self, call_id: str) -> Plan[str]:
        url = self._control_urls.get(call_id)
        if url is not None:
            return url
        response = yield Request("GET", CALL.format(call_id=call_id), operation="calls.control")
        payload = call_payload(response)
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
        if payload.get("id") != call_id:
            # Only a record of the call asked for may name its control URL.
            return None
        monitor = payload.get("monitor")
        url = monitor.get("controlUrl") if isinstance(monitor, dict) else None
        if payload.get("status") == "ended":
            self._control_urls.pop(call_id)
            return None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return None
        self._control_urls.put(call_id, url)
        return url
