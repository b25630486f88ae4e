"""``AsyncRouter``: :class:`~callswitch.Router` for ``connect_async()`` clients, awaitable."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, Never

from callswitch._policy import ProviderOptions
from callswitch.calls import AgentFilter, DateFilter, DirectionFilter, StatusFilter, list_filters
from callswitch.capabilities import Capability
from callswitch.client import AsyncClient
from callswitch.config import Timeouts
from callswitch.errors import CallswitchError, ConfigurationError
from callswitch.models import Call, CallStatus, CallUpdate, ControlResult, LiveControl, UpdateResult
from callswitch.names import CapabilityName
from callswitch.router._core import RouterCore
from callswitch.router._merge import amerge_newest_first
from callswitch.router._refs import CallLike

__all__ = ["AsyncRouter", "AsyncRouterCalls"]


class AsyncRouter:
    """:class:`~callswitch.Router` over :class:`~callswitch.AsyncClient` clients: the same
    surface and rules, awaitable; ``calls.list`` is an async iterator.

    Several clients behind one surface, tried in order for each new call.

    ``requires``: capabilities every call must have; a vendor lacking one is never sent a
    create. ``cooldown``: seconds a vendor that failed in a failover-worthy way is skipped
    (a longer ``Retry-After`` extends it). ``clock`` reads monotonic seconds for cooldowns.

    A create moves on to the next vendor only when the failed one provably created
    nothing; otherwise it raises :class:`~callswitch.errors.OutcomeUnknownError` naming
    that vendor. Operations on an existing call go to the vendor that owns it, named by
    the call's ref (``"vapi:<id>"``) or by the :class:`~callswitch.Call` itself.
    """

    def __init__(
        self,
        clients: Iterable[AsyncClient],
        *,
        requires: Iterable[str | Capability] = (),
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        clients = list(clients)
        for client in clients:
            if not isinstance(client, AsyncClient):
                raise ConfigurationError(
                    "AsyncRouter takes callswitch.connect_async() clients, got "
                    f"{type(client).__name__}; use Router for connect() clients"
                )
        self._core: RouterCore[AsyncClient] = RouterCore(clients, requires, cooldown, clock)
        self.calls = AsyncRouterCalls(self._core)

    def with_options(
        self,
        *,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> AsyncRouter:
        """This router over each client's ``with_options(...)`` (sharing its connections),
        with the same order, requirements and cooldowns: a vendor cooling down in one
        router is cooling down in the other."""
        clients = [
            c.with_options(timeout=timeout, max_retries=max_retries, sleep=sleep, clock=clock)
            for c in self.clients
        ]
        twin = AsyncRouter(
            clients,
            requires=self.requires,
            cooldown=self._core.cooldown,
            clock=self._core.clock,
        )
        twin._core.share_cooldowns(self._core)
        return twin

    @property
    def clients(self) -> tuple[AsyncClient, ...]:
        """The clients, in the order a create tries them."""
        return self._core.clients

    @property
    def providers(self) -> tuple[str, ...]:
        return self._core.providers

    @property
    def requires(self) -> tuple[Capability, ...]:
        return self._core.requires

    def supports(self, capability: CapabilityName | Capability) -> bool:
        """True when some vendor that has every required capability supports this one."""
        return self._core.supports(capability)

    def cooling_down(self) -> dict[str, str]:
        """Vendors skipped right now, with why."""
        return {n: why for n in self.providers if (why := self._core.cooling(n)) is not None}

    async def aclose(self) -> None:
        """Close every client's connections (those callswitch made)."""
        for client in self.clients:
            await client.aclose()

    async def __aenter__(self) -> AsyncRouter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<AsyncRouter providers={list(self.providers)!r}>"


class AsyncRouterCalls:
    """``router.calls`` of an :class:`AsyncRouter`: the call operations, routed, awaitable."""

    def __init__(self, core: RouterCore[AsyncClient]) -> None:
        self._core = core

    async def _create(self, operation: Capability, arguments: Mapping[str, Any]) -> Call:
        trial = self._core.start(operation, arguments)
        for client in trial.eligible:
            create = (
                client.calls.create_phone
                if operation is Capability.CALLS_CREATE_PHONE
                else client.calls.create_web
            )
            try:
                call = await create(**arguments)
            except CallswitchError as exc:
                trial.failed(client, exc)
                continue
            trial.took(client, call)
            return call
        raise trial.all_failed()

    async def create_phone(
        self,
        *,
        to_number: str,
        from_number: str | None = None,
        agent_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        """Start an outbound phone call on the first vendor that takes it."""
        arguments = {
            "from_number": from_number,
            "to_number": to_number,
            "agent_id": agent_id,
            "variables": variables,
            "metadata": metadata,
            "provider_options": provider_options,
        }
        # Only what the caller set: a default a vendor fills in (issue: agent_id from
        # connect()) stays that vendor's.
        return await self._create(Capability.CALLS_CREATE_PHONE, _set(arguments))

    async def create_web(
        self,
        *,
        agent_id: str,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        """Register a web call on the first vendor that takes it."""
        arguments = {
            "agent_id": agent_id,
            "variables": variables,
            "metadata": metadata,
            "provider_options": provider_options,
        }
        return await self._create(Capability.CALLS_CREATE_WEB, _set(arguments))

    async def get(self, call: CallLike) -> Call:
        client, call_id = self._core.owner(call)
        return await client.calls.get(call_id)

    def list(
        self,
        limit: int | None = None,
        *,
        status: StatusFilter | None = None,
        agent_id: AgentFilter | None = None,
        direction: DirectionFilter | None = None,
        created_after: DateFilter | None = None,
        created_before: DateFilter | None = None,
        **unknown: Never,
    ) -> AsyncIterator[Call]:
        """Calls from every vendor that lists, merged newest first, fetched lazily; the
        filters of :meth:`callswitch.calls.Calls.list`."""
        filters = list_filters(status, agent_id, direction, created_after, created_before, unknown)
        streams = [c.calls.list(limit, **filters) for c in self._core.listing()]
        return amerge_newest_first(streams, limit)

    async def update(
        self, call: CallLike, update: CallUpdate, *, provider_options: ProviderOptions = None
    ) -> UpdateResult:
        client, call_id = self._core.owner(call)
        return await client.calls.update(call_id, update, provider_options=provider_options)

    async def control(
        self, call: CallLike, control: LiveControl, *, provider_options: ProviderOptions = None
    ) -> ControlResult:
        client, call_id = self._core.owner(call)
        return await client.calls.control(call_id, control, provider_options=provider_options)

    async def end(self, call: CallLike) -> None:
        client, call_id = self._core.owner(call)
        await client.calls.end(call_id)

    async def delete(self, call: CallLike) -> None:
        client, call_id = self._core.owner(call)
        await client.calls.delete(call_id)

    async def wait(
        self,
        call: CallLike,
        until: str | CallStatus | Iterable[str | CallStatus],
        *,
        timeout: float = 120.0,
        poll_interval: float | None = None,
    ) -> Call:
        """Wait on the owning vendor until the call's status is one of ``until``."""
        client, call_id = self._core.owner(call)
        wait: Callable[..., Awaitable[Call]] = self._core.method(client, "wait")
        return await wait(call_id, until, timeout=timeout, poll_interval=poll_interval)


def _set(arguments: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in arguments.items() if value is not None}
