"""``provider_options={"vapi": {...}}`` for live control: what Vapi's control messages
can say beyond the neutral :class:`~callswitch.models.LiveControl` (vapi-server-sdk 3.0.0
``types/client_inbound_message_say.py``, ``client_inbound_message_transfer.py``,
``client_inbound_message_control_control.py``, ``monitor_plan.py``).

* ``publicKey``: your Vapi public API key, sent as ``Authorization: Bearer <key>`` to the
  control URL. Needed when the assistant's ``monitorPlan.controlAuthenticationEnabled``
  is true; a str or :class:`callswitch.Secret`.
* ``muteCustomer``: ``True`` sends ``mute-customer``, ``False`` ``unmute-customer``.
* ``interruptionsEnabled``, ``interruptAssistantEnabled``: flags of the ``say`` message
  (needs ``say``).
* ``transferContent``: the ``content`` the ``transfer`` message speaks (needs
  ``transfer_to``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from callswitch.config import Secret
from callswitch.errors import InvalidRequestError
from callswitch.models import LiveControl
from callswitch.plugin import Capability

__all__ = ["CONTROL_OPTIONS", "ControlOptions", "Message", "control_options"]

#: One control message and the capabilities it applies.
Message = tuple[tuple[str, ...], dict[str, Any]]

CONTROL_OPTIONS = (
    "publicKey",
    "muteCustomer",
    "interruptionsEnabled",
    "interruptAssistantEnabled",
    "transferContent",
)
_SAY_FLAGS = ("interruptionsEnabled", "interruptAssistantEnabled")


@attrs.frozen
class ControlOptions:
    public_key: Secret | None = attrs.field(default=None, repr=False)
    mute_customer: bool | None = None
    say_flags: Mapping[str, bool] = attrs.field(factory=dict)
    transfer_content: str | None = None

    def headers(self) -> dict[str, str]:
        if self.public_key is None:
            return {}
        return {"Authorization": f"Bearer {self.public_key.get_secret_value()}"}

    def extend(self, messages: list[Message]) -> list[Message]:
        """``messages`` with these options laid in: the say flags on the say, the content
        on the transfer, and the customer (un)mute before the hang-up or transfer."""
        if not self.say_flags and self.transfer_content is None and self.mute_customer is None:
            return messages  # nothing to lay in
        out: list[Message] = []
        for caps, message in messages:
            if message["type"] == "say" and self.say_flags:
                message = {**message, **self.say_flags}
            elif message["type"] == "transfer" and self.transfer_content is not None:
                message = {**message, "content": self.transfer_content}
            out.append((caps, message))
        if self.mute_customer is not None:
            control = "mute-customer" if self.mute_customer else "unmute-customer"
            last = [m for m in out if _ends(m[1])]
            at = out.index(last[0]) if last else len(out)
            out.insert(
                at, ((Capability.CONTROL_MUTE.value,), {"type": "control", "control": control})
            )
        return out


def _ends(message: Mapping[str, Any]) -> bool:
    """Whether the call is over (or handed on) after this message."""
    kind = message["type"]
    return kind in ("transfer", "end-call") or (kind == "say" and message["endCallAfterSpoken"])


def _flag(options: Mapping[str, Any], name: str) -> bool | None:
    value = options.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidRequestError(
            f'provider_options["vapi"]["{name}"] must be true or false, not {value!r}'
        )
    return value


#: No provider_options: nothing to check or lay in (frozen, and never mutated).
_NO_OPTIONS = ControlOptions()


def control_options(options: Mapping[str, Any], control: LiveControl) -> ControlOptions:
    """The options checked against ``control``; InvalidRequestError before any request."""
    if not options:  # the usual call: every check below passes on an empty mapping
        return _NO_OPTIONS
    unknown = sorted(set(options) - set(CONTROL_OPTIONS))
    if unknown:
        keys = ", ".join(f'provider_options["vapi"][{k!r}]' for k in unknown)
        raise InvalidRequestError(
            f"provider_options for vapi live control does not take {', '.join(unknown)} (it "
            f"takes {', '.join(CONTROL_OPTIONS)}); remove {keys}"
        )
    key = options.get("publicKey")
    if key is not None and not isinstance(key, str | Secret):
        raise InvalidRequestError(
            'provider_options["vapi"]["publicKey"] must be your Vapi public API key as a str '
            f"or callswitch.Secret, not {type(key).__name__}"
        )
    secret = Secret(key) if isinstance(key, str) else key
    if secret is not None and not secret.get_secret_value().strip():
        raise InvalidRequestError('provider_options["vapi"]["publicKey"] is empty')
    flags = {name: flag for name in _SAY_FLAGS if (flag := _flag(options, name)) is not None}
    if flags and control.say is None:
        raise InvalidRequestError(
            f"{', '.join(flags)} only applies to a say message; set say, or leave it out"
        )
    content = options.get("transferContent")
    if content is not None and (not isinstance(content, str) or not content):
        raise InvalidRequestError('provider_options["vapi"]["transferContent"] must be text')
    if content is not None and control.transfer_to is None:
        raise InvalidRequestError(
            "transferContent only applies to a transfer; set transfer_to, or leave it out"
        )
    return ControlOptions(
        public_key=secret,
        mute_customer=_flag(options, "muteCustomer"),
        say_flags=flags,
        transfer_content=content,
    )
