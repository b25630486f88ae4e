"""The checks every call operation makes on what the caller asked for, before a plan
starts: the capability policy (refuse or drop what the provider lacks), list filter
names and ``provider_options``. Used by the resources (:mod:`callswitch.calls`)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from callswitch import _observe
from callswitch._kit import LIST_FILTERS, ListFilters, list_filters
from callswitch.capabilities import (
    CREATE_FIELDS,
    LIST_FILTER_FIELDS,
    PRIVACY_CAPABILITIES,
    QUALIFIES,
    Capability,
)
from callswitch.config import Settings
from callswitch.errors import (
    InvalidRequestError,
    UnsupportedCapabilityError,
    UnsupportedCapabilityWarning,
)
from callswitch.models import CallUpdate, LiveControl
from callswitch.provider import ProviderSpec

ProviderOptions = Mapping[str, Mapping[str, Any]] | None


class _Policy:
    """What one client's provider lacks, and how the caller asked to treat it."""

    def __init__(self, spec: ProviderSpec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.capabilities = spec.capabilities
        # Declarations are immutable: what the provider lacks is worked out once.
        self._lacking = frozenset(c for c in Capability if not spec.capabilities.supports(c))

    # -- policy -------------------------------------------------------------------------
    def require(self, capability: Capability) -> None:
        if capability in self._lacking:
            row = self.capabilities[capability]
            error = UnsupportedCapabilityError(self.spec.name, (capability.value,), row.note)
            _observe.refused(self.spec.name, capability.value, error, (capability.value,))
            raise error

    def split_fields(
        self,
        model: CallUpdate | LiveControl,
        fields: Mapping[str, Capability],
        operation: Capability,
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Apply the unsupported-field policy: (fields to send, capabilities dropped).

        When the provider lacks ``operation`` itself, every field counts as unsupported:
        refused with ``on_unsupported="error"``, all dropped with ``"drop"`` (nothing is
        sent), except privacy fields, which are refused in both modes.
        """
        requested = model.set_fields()
        if not requested:
            raise InvalidRequestError(
                f"this {type(model).__name__} sets no field; set at least one"
            )
        caps, lacking = self.capabilities, self._lacking
        if operation not in lacking:
            missing = tuple(fields[name] for name in requested if fields[name] in lacking)
            if not missing:
                return {name: getattr(model, name) for name in requested}, ()
            notes = "; ".join(f"{c.value}: {caps[c].note}" for c in missing)
        else:
            # Name every capability the request needs, not just the operation.
            missing = tuple(fields[name] for name in requested)
            notes = f"{operation.value}: {caps[operation].note}"
        names = tuple(c.value for c in missing)
        privacy = [c.value for c in missing if c in PRIVACY_CAPABILITIES]
        if self.settings.on_unsupported == "error" or privacy:
            detail = ""
            if privacy and self.settings.on_unsupported == "drop":
                detail = (
                    f"{', '.join(privacy)} changes what is kept about the caller, so it is "
                    'never dropped, even with on_unsupported="drop".'
                )
            error = UnsupportedCapabilityError(self.spec.name, names, f"{detail} ({notes})".strip())
            _observe.refused(self.spec.name, operation.value, error, names)
            raise error
        gone = {n for n in requested if fields[n] in missing}
        # A field that qualifies a dropped one (a trigger for dropped context) goes too.
        along = tuple(n for n in requested if n not in gone and QUALIFIES.get(n) in gone)
        kept = {n: getattr(model, n) for n in requested if n not in gone and n not in along}
        also = tuple(fields[n].value for n in along)
        if operation in lacking:
            what = f"{operation.value}; dropped {', '.join(names)} and sent nothing"
        else:
            with_them = (
                f", and {', '.join(also)}, which only qualifies what was dropped," if also else ""
            )
            what = f"{', '.join(names)}; dropped them{with_them} and sent the rest"
        warnings.warn(
            f"{self.spec.name} does not support {what} (on_unsupported='drop')",
            UnsupportedCapabilityWarning,
            stacklevel=4,
        )
        if not kept:  # nothing is sent: the engine never sees this operation
            _observe.dropped_all(self.spec.name, operation.value, names + also)
        return kept, names + also

    def create_fields(self, operation: Capability, values: Mapping[str, Any]) -> dict[str, Any]:
        """Apply the unsupported-field policy to a create's optional arguments
        (``metadata``, ``variables``): with ``"error"`` refuse one the provider lacks,
        with ``"drop"`` set it to ``None`` and warn naming what was dropped."""
        missing = tuple(
            CREATE_FIELDS[name]
            for name, value in values.items()
            if value is not None and CREATE_FIELDS[name] in self._lacking
        )
        if not missing:
            return dict(values)
        names = tuple(c.value for c in missing)
        notes = "; ".join(f"{c.value}: {self.capabilities[c].note}" for c in missing)
        if self.settings.on_unsupported == "error":
            raise UnsupportedCapabilityError(self.spec.name, names, f"({notes})")
        warnings.warn(
            f"{self.spec.name} does not support {', '.join(names)}; dropped them and sent "
            f"the rest of {operation.value} (on_unsupported='drop')",
            UnsupportedCapabilityWarning,
            stacklevel=4,
        )
        return {
            name: None if CREATE_FIELDS[name] in missing else value
            for name, value in values.items()
        }

    def create_defaults(
        self, operation: Capability, options: Mapping[str, Any], **given: str | None
    ) -> dict[str, str | None]:
        """``given`` (``agent_id``, ``from_number``) with the client's configured defaults
        filled in; InvalidRequestError naming the settings that supply a value the provider
        requires (``ProviderSpec.create_requires``) and nobody gave. With vendor
        ``options`` (which may stand in for one, such as Vapi's squadId) the adapter
        judges instead."""
        configured = {"agent_id": self.settings.agent_id, "from_number": self.settings.from_number}
        filled = {k: v if v is not None else configured[k] for k, v in given.items()}
        if options:
            return filled
        for key in self.spec.requires(operation.value):
            if filled.get(key) is None:
                raise InvalidRequestError(self.missing_message(operation, key))
        return filled

    def missing_message(self, operation: Capability, key: str) -> str:
        name, term = self.spec.name, self.spec.agent_term
        what = (
            (f"an {term}" if term[:1] in "aeiou" else f"a {term}")
            if key == "agent_id"
            else "a number to call from"
        )
        example = "agent_id='...'" if key == "agent_id" else "from_number='+14155550100'"
        return (
            f"{name.capitalize()} needs {what} for {operation.value}: pass {example}, set "
            f"{self.spec.env_prefix}_{key.upper()}, or {key} under [providers.{name}] in "
            "callswitch.toml (or pass it to connect())"
        )

    def options_for(self, provider_options: ProviderOptions) -> Mapping[str, Any]:
        if provider_options is None:
            return {}
        if not isinstance(provider_options, Mapping):
            raise InvalidRequestError(
                "provider_options must map provider names to dicts, e.g. "
                f"provider_options={{{self.spec.name!r}: {{...}}}}"
            )
        options = provider_options.get(self.spec.name) or {}
        if not isinstance(options, Mapping):
            raise InvalidRequestError(f"provider_options[{self.spec.name!r}] must be a dict")
        return options

    def check_filters(self, filters: Mapping[str, Any]) -> None:
        unknown = sorted(set(filters).difference(LIST_FILTERS))
        if unknown:
            raise InvalidRequestError(
                f"unknown list filter {', '.join(unknown)}; calls.list accepts "
                f"{', '.join(sorted(LIST_FILTERS))}"
            )

    def split_filters(
        self, filters: Mapping[str, Any]
    ) -> tuple[dict[str, Any], ListFilters | None, bool]:
        """(filters the vendor applies, every filter checked, whether some are applied by
        callswitch only), from the ``list.*`` capability rows. A filter whose row is
        unsupported is refused."""
        given = {name: value for name, value in filters.items() if value is not None}
        if not given:
            return {}, None, False
        for name in given:
            self.require(LIST_FILTER_FIELDS[name])
        checked = list_filters(given)
        server = {
            name: value
            for name, value in given.items()
            if not self.capabilities[LIST_FILTER_FIELDS[name]].client_side
        }
        return server, checked, len(server) < len(given)
