"""Capabilities: what a provider can do, declared as data.

Each provider declares one :class:`Support` row for every :class:`Capability`. The client
enforces the declarations (an unsupported field is refused before anything is sent), and
the capability table in the docs is generated from the same rows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping

import attrs

from callswitch.errors import ConfigurationError, InvalidRequestError

__all__ = [
    "CONTROL_FIELDS",
    "CREATE_FIELDS",
    "LIST_FILTER_FIELDS",
    "UPDATE_FIELDS",
    "Capabilities",
    "Capability",
    "CapabilityMatrix",
    "Support",
]


class Capability(enum.StrEnum):
    """Every capability name of the public contract."""

    # operations
    CALLS_GET = "calls.get"
    CALLS_LIST = "calls.list"
    CALLS_CREATE_PHONE = "calls.create_phone"
    CALLS_CREATE_WEB = "calls.create_web"
    CALLS_UPDATE = "calls.update"
    CALLS_CONTROL = "calls.control"
    CALLS_END = "calls.end"
    CALLS_DELETE = "calls.delete"
    WEBHOOKS_VERIFY = "webhooks.verify"
    # create fields (calls.create_phone / calls.create_web)
    CREATE_METADATA = "create.metadata"
    CREATE_VARIABLES = "create.variables"
    # calls.list filters
    LIST_STATUS = "list.status"
    LIST_AGENT_ID = "list.agent_id"
    LIST_DIRECTION = "list.direction"
    LIST_CREATED_AFTER = "list.created_after"
    LIST_CREATED_BEFORE = "list.created_before"
    # CallUpdate fields
    UPDATE_METADATA = "update.metadata"
    UPDATE_VARIABLES = "update.variables"
    UPDATE_DATA_STORAGE = "update.data_storage"
    UPDATE_RECORDING_ENABLED = "update.recording_enabled"
    UPDATE_TRANSCRIPTION_ENABLED = "update.transcription_enabled"
    UPDATE_GREETING = "update.greeting"
    UPDATE_NAME = "update.name"
    # LiveControl fields
    CONTROL_INJECT_CONTEXT = "control.inject_context"
    CONTROL_TRIGGER_RESPONSE = "control.trigger_response"
    CONTROL_VARIABLES = "control.variables"
    CONTROL_SAY = "control.say"
    CONTROL_END_CALL = "control.end_call"
    CONTROL_TRANSFER = "control.transfer"
    CONTROL_MUTE = "control.mute"

    @classmethod
    def parse(cls, name: str | Capability) -> Capability:
        """The capability for ``name``; a clear error for a name that does not exist."""
        if isinstance(name, Capability):
            return name
        try:
            return cls(name)
        except ValueError:
            known = ", ".join(c.value for c in cls)
            raise InvalidRequestError(
                f"unknown capability {name!r}; capability names are: {known}"
            ) from None


#: CallUpdate field -> the capability that field needs.
UPDATE_FIELDS: Mapping[str, Capability] = {
    "metadata": Capability.UPDATE_METADATA,
    "variables": Capability.UPDATE_VARIABLES,
    "data_storage": Capability.UPDATE_DATA_STORAGE,
    "recording_enabled": Capability.UPDATE_RECORDING_ENABLED,
    "transcription_enabled": Capability.UPDATE_TRANSCRIPTION_ENABLED,
    "greeting": Capability.UPDATE_GREETING,
    "name": Capability.UPDATE_NAME,
}

#: LiveControl field -> the capability that field needs.
CONTROL_FIELDS: Mapping[str, Capability] = {
    "inject_context": Capability.CONTROL_INJECT_CONTEXT,
    "trigger_response": Capability.CONTROL_TRIGGER_RESPONSE,
    "variables": Capability.CONTROL_VARIABLES,
    "say": Capability.CONTROL_SAY,
    "end_call": Capability.CONTROL_END_CALL,
    "transfer_to": Capability.CONTROL_TRANSFER,
    "mute_assistant": Capability.CONTROL_MUTE,
}

#: Create argument -> the capability that argument needs.
CREATE_FIELDS: Mapping[str, Capability] = {
    "metadata": Capability.CREATE_METADATA,
    "variables": Capability.CREATE_VARIABLES,
}

#: ``calls.list`` filter -> its capability. A row with ``client_side=True`` means the
#: vendor cannot apply the filter as callswitch defines it, so callswitch fetches the
#: pages unfiltered and applies it to each call itself.
LIST_FILTER_FIELDS: Mapping[str, Capability] = {
    "status": Capability.LIST_STATUS,
    "agent_id": Capability.LIST_AGENT_ID,
    "direction": Capability.LIST_DIRECTION,
    "created_after": Capability.LIST_CREATED_AFTER,
    "created_before": Capability.LIST_CREATED_BEFORE,
}

#: Field -> the field it qualifies. When ``on_unsupported="drop"`` drops the qualified
#: field, the qualifier goes with it (recorded in ``dropped``): ``trigger_response`` beside
#: ``inject_context`` asks for an answer *to that context*, and sent alone it would make
#: the agent answer something else. ``trigger_response`` on its own is a request of its
#: own where the vendor allows it (Retell's call_control takes it alone:
#: https://docs.retellai.com/api-references/update-live-call).
QUALIFIES: Mapping[str, str] = {"trigger_response": "inject_context"}

#: Fields that change what is kept about a caller: never dropped, even with "drop".
PRIVACY_CAPABILITIES: frozenset[Capability] = frozenset(
    {Capability.UPDATE_DATA_STORAGE, Capability.UPDATE_RECORDING_ENABLED}
)


def _to_capability(value: str | Capability) -> Capability:
    return Capability.parse(value)


@attrs.frozen
class Support:
    """One provider's answer for one capability.

    ``condition`` says when a supported capability applies ("only while the call is
    ongoing"); ``note`` explains in one line; ``source`` names the vendor doc page or
    SDK version the claim rests on, so a stale claim can be found and re-checked.
    ``client_side`` (list filters only) says callswitch applies it to each call itself,
    because the vendor cannot filter that way.
    """

    capability: Capability = attrs.field(converter=_to_capability)
    supported: bool
    note: str
    source: str
    condition: str | None = None
    client_side: bool = False

    @property
    def name(self) -> str:
        return self.capability.value

    @property
    def mark(self) -> str:
        """``yes``, ``yes*`` (supported under a condition) or ``no``: a grid cell."""
        if not self.supported:
            return "no"
        return "yes*" if self.condition else "yes"

    def to_dict(self) -> dict[str, str | bool | None]:
        """The row as plain JSON-ready data."""
        return {
            "capability": self.name,
            "supported": self.supported,
            "condition": self.condition,
            "note": self.note,
            "source": self.source,
        }


def supported(
    name: str,
    note: str,
    source: str,
    condition: str | None = None,
    *,
    client_side: bool = False,
) -> Support:
    """Shorthand for a supported row (``client_side``: a list filter callswitch applies)."""
    return Support(Capability.parse(name), True, note, source, condition, client_side)


def unsupported(name: str, note: str, source: str) -> Support:
    """Shorthand for an unsupported row."""
    return Support(Capability.parse(name), False, note, source)


def _to_rows(rows: Iterable[Support]) -> tuple[Support, ...]:
    # A typed converter: with the bare ``tuple`` builtin, mypy's attrs plugin types the
    # argument as ``Iterable[_T_co]`` and rejects every caller under --strict.
    return tuple(rows)


@attrs.frozen
class Capabilities:
    """A provider's full set of declarations: exactly one row per capability name.

    ``idempotent_create`` declares that ``calls.create_phone`` takes
    ``provider_options={provider: {"idempotency_key": key}}`` and that the vendor honours
    it: a create repeated with the same key places no second call. Campaigns read it to
    decide whether a create that may have been sent can be sent again.
    """

    provider: str
    rows: tuple[Support, ...] = attrs.field(converter=_to_rows)
    idempotent_create: bool = attrs.field(default=False, kw_only=True)
    _index: Mapping[Capability, Support] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        index: dict[Capability, Support] = {}
        for row in self.rows:
            if row.capability in index:
                raise ConfigurationError(
                    f"provider {self.provider!r} declares {row.name} twice; declare it once"
                )
            index[row.capability] = row
        missing = [c.value for c in Capability if c not in index]
        if missing:
            raise ConfigurationError(
                f"provider {self.provider!r} does not declare {', '.join(missing)}; every "
                f"capability needs a Support row (supported or not)"
            )
        object.__setattr__(self, "_index", index)

    def __iter__(self) -> Iterator[Support]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, name: str | Capability) -> Support:
        return self._index[Capability.parse(name)]

    def supports(self, name: str | Capability) -> bool:
        return self[name].supported

    def unsupported_of(self, names: Iterable[str | Capability]) -> tuple[Capability, ...]:
        """The capabilities among ``names`` this provider lacks, in the given order."""
        return tuple(c for c in map(Capability.parse, names) if not self[c].supported)


@attrs.frozen
class CapabilityMatrix:
    """Provider x capability table."""

    providers: tuple[Capabilities, ...]

    def __iter__(self) -> Iterator[Capabilities]:
        return iter(self.providers)

    def __getitem__(self, provider: str) -> Capabilities:
        for caps in self.providers:
            if caps.provider == provider:
                return caps
        raise KeyError(provider)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.provider for c in self.providers)

    def cell(self, provider: str, capability: str | Capability) -> Support:
        return self[provider][capability]

    def compare(self, old: str, new: str) -> tuple[tuple[Capability, ...], tuple[Capability, ...]]:
        """(gained, lost) capabilities when an app moves from ``old`` to ``new``."""
        a, b = self[old], self[new]
        gained = tuple(c for c in Capability if b.supports(c) and not a.supports(c))
        lost = tuple(c for c in Capability if a.supports(c) and not b.supports(c))
        return gained, lost

    def conditions_changed(self, old: str, new: str) -> tuple[Capability, ...]:
        """Capabilities both ``old`` and ``new`` support, under different conditions."""
        a, b = self[old], self[new]
        return tuple(
            c
            for c in Capability
            if a.supports(c) and b.supports(c) and a[c].condition != b[c].condition
        )

    def to_markdown(self) -> str:
        """The table as Markdown: a yes/no grid, then each provider's conditions and notes."""
        head = "| capability | " + " | ".join(self.names) + " |"
        rule = "|---|" + "---|" * len(self.providers)
        lines = [head, rule]
        for cap in Capability:
            cells = []
            for caps in self.providers:
                row = caps[cap]
                mark = "yes" if row.supported else "no"
                if row.supported and row.condition:
                    mark += " (conditional)"
                cells.append(mark)
            lines.append(f"| `{cap.value}` | " + " | ".join(cells) + " |")
        for caps in self.providers:
            lines += [
                "",
                f"### {caps.provider}",
                "",
                "| capability | support | note | source |",
                "|---|---|---|---|",
            ]
            for row in caps:
                support = "yes" if row.supported else "no"
                if row.client_side:
                    support += " (filtered by callswitch)"
                if row.condition:
                    support += f": {row.condition}"
                note = row.note.replace("|", "\\|")
                lines.append(f"| `{row.name}` | {support} | {note} | {row.source} |")
        return "\n".join(lines) + "\n"
