"""Validation of the control messages the Vapi emulator's control URL accepts
(``ClientInboundMessage*`` types of vapi-server-sdk 3.0.0)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["CONTROLS", "ControlMessageError", "check_control", "needs_control_auth"]

CONTROLS = (
    "mute-assistant",
    "unmute-assistant",
    "mute-customer",
    "unmute-customer",
    "say-first-message",
)
_SAY_FLAGS = ("interruptionsEnabled", "interruptAssistantEnabled", "endCallAfterSpoken")


def needs_control_auth(call: Mapping[str, Any]) -> bool:
    """Whether the call's control URL needs ``Authorization: Bearer <public key>``: its
    (transient or overridden) assistant's ``monitorPlan.controlAuthenticationEnabled``
    (vapi-server-sdk 3.0.0 ``types/monitor_plan.py``; default false)."""
    for holder in ("assistantOverrides", "assistant"):
        plan = call.get(holder)
        monitor = plan.get("monitorPlan") if isinstance(plan, dict) else None
        if isinstance(monitor, dict) and monitor.get("controlAuthenticationEnabled") is True:
            return True
    return False


class ControlMessageError(Exception):
    """A control message the emulator answers 400 for, with NestJS-style messages."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def check_control(message: Mapping[str, Any]) -> None:
    """Raise :class:`ControlMessageError` for a message the control URL refuses."""
    kind = message.get("type")
    if kind == "add-message":
        inner = message.get("message")
        if (
            not isinstance(inner, dict)
            or not isinstance(inner.get("role"), str)
            or not isinstance(inner.get("content"), str)
        ):
            raise ControlMessageError(["message must be an object with role and content"])
        flag = message.get("triggerResponseEnabled")
        if flag is not None and not isinstance(flag, bool):
            raise ControlMessageError(["triggerResponseEnabled must be a boolean"])
    elif kind == "say":
        if not isinstance(message.get("content"), str) or not message["content"]:
            raise ControlMessageError(["content must be a non-empty string"])
        for flag in _SAY_FLAGS:
            if flag in message and not isinstance(message[flag], bool):
                raise ControlMessageError([f"{flag} must be a boolean"])
    elif kind == "end-call":
        pass
    elif kind == "transfer":
        dest = message.get("destination")
        valid = isinstance(dest, dict) and (
            (dest.get("type") == "number" and isinstance(dest.get("number"), str))
            or (dest.get("type") == "sip" and isinstance(dest.get("sipUri"), str))
        )
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            raise ControlMessageError(["content must be a string"])
        if not valid:
            raise ControlMessageError(
                ["destination must be {type: number, number} or {type: sip, sipUri}"]
            )
    elif kind == "control":
        if message.get("control") not in CONTROLS:
            raise ControlMessageError([f"control must be one of {', '.join(CONTROLS)}"])
    else:
        raise ControlMessageError(
            ["type must be one of add-message, say, end-call, transfer, control"]
        )
