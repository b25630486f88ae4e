"""The names an app spells, as ``Literal`` types, so a type checker catches a typo.

``CapabilityName`` lists every capability name (one per :class:`callswitch.Capability`;
a test keeps the two equal). ``ProviderName`` lists the built-in providers; provider
plugins add names of their own, so APIs that take a provider still accept any ``str``.
``StatusName`` and ``DirectionName`` are the neutral values of
:class:`callswitch.CallStatus` and :class:`callswitch.CallDirection` an app can filter on.

Why capability parameters are typed ``CapabilityName | Capability`` and not ``| str``:
a union with ``str`` accepts every string literal, misspelt or not, so the ``Literal``
would only document. mypy treats ``LiteralString`` as ``str``, so an overload cannot tell
a literal from a variable either. Keeping ``str`` out of the annotation is what makes
``mypy --strict`` flag ``client.supports("control.sya")``. At run time any ``str`` is
still accepted (and an unknown name raises ``InvalidRequestError``); a name that arrives
as a ``str`` (configuration, CLI) is checked with ``Capability.parse(name)``, which
returns a ``Capability`` the annotation accepts.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = ["CapabilityName", "DirectionName", "ProviderName", "StatusName"]

CapabilityName: TypeAlias = Literal[
    "calls.get",
    "calls.list",
    "calls.create_phone",
    "calls.create_web",
    "calls.update",
    "calls.control",
    "calls.end",
    "calls.delete",
    "webhooks.verify",
    "create.metadata",
    "create.variables",
    "list.status",
    "list.agent_id",
    "list.direction",
    "list.created_after",
    "list.created_before",
    "update.metadata",
    "update.variables",
    "update.data_storage",
    "update.recording_enabled",
    "update.transcription_enabled",
    "update.greeting",
    "update.name",
    "control.inject_context",
    "control.trigger_response",
    "control.variables",
    "control.say",
    "control.end_call",
    "control.transfer",
    "control.mute",
]

ProviderName: TypeAlias = Literal["retell", "vapi", "truedy"]

StatusName: TypeAlias = Literal["queued", "ringing", "ongoing", "ended", "failed"]

DirectionName: TypeAlias = Literal["inbound", "outbound"]
