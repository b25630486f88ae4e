"""What the sync and async routers share: eligibility, cooldowns, logging, errors (no IO)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

from callswitch import _observe
from callswitch.capabilities import Capabilities, Capability
from callswitch.errors import (
    AllProvidersFailedError,
    CallswitchError,
    ConfigurationError,
    InvalidRequestError,
    OutcomeUnknownError,
    TransportError,
)
from callswitch.models import Call
from callswitch.names import CapabilityName
from callswitch.router._policy import Action, decide
from callswitch.router._refs import CallLike, parse_ref, ref_of

__all__ = ["CREATE_FIELDS", "RouterCore", "Trial", "capability_named"]

logger = logging.getLogger("callswitch.router")


class AnyClient(Protocol):
    """What a router needs of a client (a :class:`~callswitch.Client` or ``AsyncClient``)."""

    @property
    def provider(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def base_url(self) -> str: ...

    def supports(self, capability: CapabilityName | Capability) -> bool: ...


ClientT = TypeVar("ClientT", bound=AnyClient)

#: Create argument -> the capability a vendor needs to take it. A name the installed
#: ``Capability`` does not have yet is not checked (the vendor's own refusal, before
#: sending, still moves the create on); once ``Capability`` has it, it is checked here
#: with no change to this table.
CREATE_FIELDS: Mapping[str, str] = {
    "metadata": "create.metadata",
    "variables": "create.variables",
}


def capability_named(name: str) -> Capability | None:
    """The capability called ``name``, or None when this version has no such name."""
    try:
        return Capability.parse(name)
    except InvalidRequestError:
        return None


class Trial(Generic[ClientT]):
    """One create across the router's vendors: which to try, in order, and what each did."""

    def __init__(self, core: RouterCore[ClientT], operation: str, eligible: list[ClientT]) -> None:
        self._core = core
        self.operation = operation
        self.eligible = eligible
        self.reasons: dict[str, str] = {}
        self.errors: dict[str, CallswitchError] = {}

    def failed(self, client: ClientT, exc: CallswitchError) -> None:
        """Record ``exc`` from ``client``; raises OutcomeUnknownError when the call may exist."""
        decision = decide(exc, self._core.cooldown)
        name = client.provider
        if decision.action is Action.STOP:
            logger.warning(
                "%s: %s failed in a way that may have created the call (%s); no other "
                "provider was tried",
                self.operation,
                name,
                decision.reason,
            )
            error = self._core.outcome_unknown(client, self.operation, exc)
            if error is exc:
                raise error
            raise error from exc
        if decision.action is Action.FAIL_OVER:
            self._core.cool(name, decision.cool_for, decision.reason)
        self.reasons[name] = decision.reason
        self.errors[name] = exc
        logger.info("%s: %s did not take the call: %s", self.operation, name, decision.reason)

    def took(self, client: ClientT, call: Call) -> None:
        skipped = "; ".join(f"{name}: {why}" for name, why in self.reasons.items())
        logger.info(
            "%s: %s took the call %s%s",
            self.operation,
            client.provider,
            ref_of(call),
            f" (skipped {skipped})" if skipped else "",
        )
        if _observe.relay is not None:
            why = "first eligible in order" if self.reasons else "first in order"
            self._observed(client.provider, why)

    def _observed(self, provider: str | None, why: str) -> None:
        """Call the call_routed hook. Reasons there are our own words and error class
        names: an error's message may quote what the caller sent."""
        skipped = {}
        for name in self._core.providers:
            if name in self.errors:
                skipped[name] = f"failed: {type(self.errors[name]).__name__}"
            elif name in self.reasons:
                reason = self.reasons[name]
                skipped[name] = "cooling down" if reason.startswith("cooling") else reason
        _observe.routed("router", self.operation, provider, why, tuple(self.errors), skipped)

    def all_failed(self) -> AllProvidersFailedError:
        order = self._core.providers
        reasons = {name: self.reasons[name] for name in order if name in self.reasons}
        logger.info("%s: no provider took the call: %s", self.operation, reasons)
        if _observe.relay is not None:
            self._observed(None, "no provider took the call")
        return AllProvidersFailedError(self.operation, reasons, self.errors)


class RouterCore(Generic[ClientT]):
    """The router's state and rules; the sync and async routers only add the IO."""

    def __init__(
        self,
        clients: Iterable[ClientT],
        requires: Iterable[str | Capability],
        cooldown: float,
        clock: Callable[[], float],
    ) -> None:
        self.clients: tuple[ClientT, ...] = tuple(clients)
        if not self.clients:
            raise ConfigurationError("a router needs at least one client, in the order to try")
        names = [c.provider for c in self.clients]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ConfigurationError(
                f"a router takes one client per provider; {', '.join(twice)} appears more "
                'than once, so a ref like "<provider>:<id>" could not say which owns a call'
            )
        if isinstance(requires, str):
            raise InvalidRequestError(
                f"requires takes a list of capability names, e.g. requires=[{requires!r}]"
            )
        self.requires: tuple[Capability, ...] = tuple(Capability.parse(r) for r in requires)
        if isinstance(cooldown, bool) or not isinstance(cooldown, int | float) or cooldown < 0:
            raise ConfigurationError(f"cooldown must be seconds >= 0, got {cooldown!r}")
        self.cooldown = float(cooldown)
        self.clock = clock
        self.providers: tuple[str, ...] = tuple(names)
        self._by_name = dict(zip(names, self.clients, strict=True))
        self._lock = threading.Lock()
        #: provider -> (clock time its cooldown ends, why it started)
        self._cooling: dict[str, tuple[float, str]] = {}

    # -- cooldowns ------------------------------------------------------------------------
    def cool(self, name: str, seconds: float, why: str) -> None:
        until = self.clock() + seconds
        with self._lock:
            current = self._cooling.get(name)
            if current is None or current[0] < until:
                self._cooling[name] = (until, why)

    def cooling(self, name: str) -> str | None:
        """Why ``name`` is skipped now, or None when it is not cooling down."""
        with self._lock:
            entry = self._cooling.get(name)
            if entry is None:
                return None
            left = entry[0] - self.clock()
            if left <= 0:
                del self._cooling[name]
                return None
        return f"cooling down for {left:.1f} s more, after: {entry[1]}"

    def share_cooldowns(self, other: RouterCore[Any]) -> None:
        """Use ``other``'s cooldowns (for a router made by ``with_options``): a vendor
        cooling down in one is cooling down in both."""
        self._lock = other._lock
        self._cooling = other._cooling

    # -- choosing ---------------------------------------------------------------------------
    def lacking(self, client: AnyClient, needs: Sequence[Capability]) -> tuple[str, ...]:
        return tuple(c.value for c in needs if not client.supports(c))

    def start(self, operation: Capability, arguments: Mapping[str, Any]) -> Trial[ClientT]:
        """A trial of ``operation``: vendors that lack a required capability, or one the
        create's arguments need, or that are cooling down, are skipped now."""
        needs = [operation, *self.requires]
        for argument, name in CREATE_FIELDS.items():
            capability = capability_named(name)
            if capability is not None and arguments.get(argument) is not None:
                needs.append(capability)
        trial = Trial(self, operation.value, [])
        for client in self.clients:
            missing = self.lacking(client, needs)
            why = f"skipped: does not support {', '.join(missing)}" if missing else None
            why = why or self.cooling(client.provider)
            if why is None:
                trial.eligible.append(client)
            else:
                trial.reasons[client.provider] = why
        return trial

    def eligible(self) -> tuple[ClientT, ...]:
        """Clients that have every required capability."""
        return tuple(c for c in self.clients if not self.lacking(c, self.requires))

    def supports(self, capability: CapabilityName | Capability) -> bool:
        wanted = Capability.parse(capability)
        return any(c.supports(wanted) for c in self.eligible())

    def owner(self, call: CallLike) -> tuple[ClientT, str]:
        """The client that owns ``call`` and the call's id at that vendor."""
        provider, call_id = parse_ref(call, self.providers)
        return self._by_name[provider], call_id

    def listing(self) -> tuple[ClientT, ...]:
        return tuple(c for c in self.clients if c.supports(Capability.CALLS_LIST))

    def method(self, client: ClientT, name: str) -> Any:
        """``client.calls.<name>``, or a clear error when this version's client lacks it."""
        found = getattr(getattr(client, "calls", None), name, None)
        if found is None:
            raise ConfigurationError(
                f"the {client.provider} client has no calls.{name} in this version of "
                "callswitch; upgrade callswitch to use it through a router"
            )
        return found

    # -- errors -----------------------------------------------------------------------------
    def outcome_unknown(
        self, client: AnyClient, operation: str, exc: CallswitchError
    ) -> OutcomeUnknownError:
        """The error for a create that may have been applied at ``client``'s vendor."""
        if isinstance(exc, OutcomeUnknownError):
            exc.add_note(
                f"The router tried no other provider: the call may exist at {client.provider}."
            )
            return exc
        key = getattr(exc, "idempotency_key", None)
        shown = exc if not isinstance(exc, TransportError) else type(exc).__name__
        return OutcomeUnknownError(
            f"{client.provider}: {operation} failed in a way that leaves open whether the "
            f"call was placed ({shown}); the router tried no other provider. Check "
            f"{client.provider}'s calls before trying again",
            method="POST",
            url=client.base_url,
            idempotency_key=key,
        )
