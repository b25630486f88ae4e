"""``client.calls``: the call operations, sync (:class:`Calls`) and async
(:class:`AsyncCalls`), and the checks they make before a plan starts."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

from callswitch._engine import _Engine
from callswitch._listing import _Listing
from callswitch._policy import ProviderOptions, _Policy
from callswitch._retry import RetryPolicy
from callswitch._wait import Waiter, WaitFor, sleep_async
from callswitch.capabilities import CONTROL_FIELDS, UPDATE_FIELDS, Capability
from callswitch.errors import InvalidRequestError
from callswitch.http import Plan, Request
from callswitch.models import (
    Call,
    CallUpdate,
    ControlResult,
    LiveControl,
    NewPhoneCall,
    NewWebCall,
    UpdateResult,
)
from callswitch.provider import check_call_id

__all__ = ["AsyncCalls", "Calls"]

T = TypeVar("T")


class _SyncRunner(Protocol):
    """What :class:`Calls` needs of its client."""

    _engine: _Engine
    _retry: RetryPolicy

    def _run(self, plan: Plan[T], first: Request | None = None) -> T: ...


class _AsyncRunner(Protocol):
    """What :class:`AsyncCalls` needs of its client."""

    _engine: _Engine
    _retry: RetryPolicy

    def _run(self, plan: Plan[T], first: Request | None = None) -> Awaitable[T]: ...


ResultT = TypeVar("ResultT", UpdateResult, ControlResult)


def _finished(result: T) -> Plan[T]:
    """A plan that sends nothing (everything was dropped) and returns ``result``."""
    return result
    yield  # a generator, like every plan


def _copy(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A plain-dict copy of a mapping argument (a model field), or ``None``."""
    return dict(value) if value is not None else None


def _adding_dropped(plan: Plan[ResultT], dropped: tuple[str, ...]) -> Plan[ResultT]:
    """``plan``, with ``dropped`` added to its result."""
    result = yield from plan
    return result.model_copy(update={"dropped": result.dropped + dropped})


class _CallsBase:
    """Validation and plans for every call operation, shared by sync and async."""

    def __init__(self, engine: _Engine) -> None:
        self._e = engine
        self._p = _Policy(engine.spec, engine.settings)

    def _listing(self, limit: int | None, filters: Mapping[str, Any]) -> _Listing:
        self._p.require(Capability.CALLS_LIST)
        self._p.check_filters(filters)
        server, check, client_side = self._p.split_filters(filters)
        return _Listing(self._e, limit, server, check, client_side)

    def _waiter(
        self,
        call_id: str,
        until: WaitFor,
        timeout: float,
        poll_interval: float | None,
        retry: RetryPolicy,
    ) -> Waiter:
        check_call_id(call_id)
        return Waiter(
            self._e.spec.name,
            call_id,
            until,
            timeout=timeout,
            poll_interval=poll_interval,
            clock=retry.clock,
        )

    def _plan_get(self, call_id: str) -> Plan[Call]:
        self._p.require(Capability.CALLS_GET)
        return self._e.adapter.get(check_call_id(call_id))

    def _plan_create_phone(
        self,
        from_number: str | None,
        to_number: str,
        agent_id: str | None,
        variables: Mapping[str, str] | None,
        metadata: Mapping[str, Any] | None,
        provider_options: ProviderOptions,
    ) -> Plan[Call]:
        operation = Capability.CALLS_CREATE_PHONE
        self._p.require(operation)
        options = self._p.options_for(provider_options)
        ids = self._p.create_defaults(
            operation, options, agent_id=agent_id, from_number=from_number
        )
        extra = self._p.create_fields(operation, {"metadata": metadata, "variables": variables})
        new = NewPhoneCall(
            from_number=ids["from_number"],
            to_number=to_number,
            agent_id=ids["agent_id"],
            variables=_copy(extra["variables"]),
            metadata=_copy(extra["metadata"]),
        )
        return self._e.adapter.create_phone(new, options)

    def _plan_create_web(
        self,
        agent_id: str | None,
        variables: Mapping[str, str] | None,
        metadata: Mapping[str, Any] | None,
        provider_options: ProviderOptions,
    ) -> Plan[Call]:
        operation = Capability.CALLS_CREATE_WEB
        self._p.require(operation)
        options = self._p.options_for(provider_options)
        ids = self._p.create_defaults(operation, options, agent_id=agent_id)
        extra = self._p.create_fields(operation, {"metadata": metadata, "variables": variables})
        if ids["agent_id"] is None:  # a web call always needs an agent to talk to
            raise InvalidRequestError(self._p.missing_message(operation, "agent_id"))
        new = NewWebCall(
            agent_id=ids["agent_id"],
            variables=_copy(extra["variables"]),
            metadata=_copy(extra["metadata"]),
        )
        return self._e.adapter.create_web(new, options)

    def _plan_update(
        self, call_id: str, update: CallUpdate, provider_options: ProviderOptions
    ) -> Plan[UpdateResult]:
        if not isinstance(update, CallUpdate):
            raise InvalidRequestError(
                f"calls.update takes a CallUpdate, got {type(update).__name__}"
            )
        safe_id = check_call_id(call_id)
        kept, dropped = self._p.split_fields(update, UPDATE_FIELDS, Capability.CALLS_UPDATE)
        options = self._p.options_for(provider_options)
        if not kept:
            return _finished(UpdateResult(dropped=dropped))
        if not dropped:  # the caller's (frozen, validated) model is the one to send
            return self._e.adapter.update(safe_id, update, options)
        return _adding_dropped(
            self._e.adapter.update(safe_id, CallUpdate(**kept), options), dropped
        )

    def _plan_control(
        self, call_id: str, control: LiveControl, provider_options: ProviderOptions
    ) -> Plan[ControlResult]:
        if not isinstance(control, LiveControl):
            raise InvalidRequestError(
                f"calls.control takes a LiveControl, got {type(control).__name__}"
            )
        safe_id = check_call_id(call_id)
        kept, dropped = self._p.split_fields(control, CONTROL_FIELDS, Capability.CALLS_CONTROL)
        options = self._p.options_for(provider_options)
        if not kept:
            return _finished(ControlResult(call_id=call_id, dropped=dropped))
        if not dropped:  # the caller's (frozen, validated) model is the one to send
            return self._e.adapter.control(safe_id, control, options)
        plan = self._e.adapter.control(safe_id, LiveControl(**kept), options)
        return _adding_dropped(plan, dropped)

    def _plan_end(self, call_id: str) -> Plan[None]:
        self._p.require(Capability.CALLS_END)
        return self._e.adapter.end(check_call_id(call_id))

    def _plan_delete(self, call_id: str) -> Plan[None]:
        self._p.require(Capability.CALLS_DELETE)
        return self._e.adapter.delete(check_call_id(call_id))


class Calls(_CallsBase):
    """``client.calls``: every call operation, synchronous."""

    def __init__(self, client: _SyncRunner) -> None:
        super().__init__(client._engine)
        self._run = client._run
        self._client = client

    def get(self, call_id: str) -> Call:
        """The call with this id. Raises NotFoundError when the vendor does not know it."""
        return self._run(self._plan_get(call_id))

    def list(self, limit: int | None = None, **filters: Any) -> Iterator[Call]:
        """Calls, newest first where the vendor allows, fetched a page at a time as you
        iterate. ``limit`` caps the total; filters: status, agent_id, direction,
        created_after, created_before (those the vendor supports). Bad filters raise here,
        before anything is sent."""
        return self._iterate(self._listing(limit, filters))

    def _iterate(self, listing: _Listing) -> Iterator[Call]:
        page = listing.page
        if listing.plan is not None:
            page = self._run(listing.plan, listing.first)
        while page is not None:
            calls, plan = listing.take(page)
            yield from calls
            page = self._run(plan) if plan is not None else None

    def create_phone(
        self,
        *,
        from_number: str | None = None,
        to_number: str,
        agent_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        """Start an outbound phone call. ``agent_id`` and ``from_number`` default to the
        client's configured ones (``connect()``, ``<PROVIDER>_AGENT_ID`` /
        ``<PROVIDER>_FROM_NUMBER``, ``[providers.<name>]``); a provider that needs one that
        is not set anywhere refuses before sending, naming the settings."""
        return self._run(
            self._plan_create_phone(
                from_number, to_number, agent_id, variables, metadata, provider_options
            )
        )

    def create_web(
        self,
        *,
        agent_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        """Register a web call; ``Call.access_token`` is what the browser joins with.
        ``agent_id`` defaults to the client's configured one."""
        return self._run(self._plan_create_web(agent_id, variables, metadata, provider_options))

    def update(
        self, call_id: str, update: CallUpdate, *, provider_options: ProviderOptions = None
    ) -> UpdateResult:
        """Change the call's record (and the live call, where the vendor needs that)."""
        return self._run(self._plan_update(call_id, update, provider_options))

    def control(
        self, call_id: str, control: LiveControl, *, provider_options: ProviderOptions = None
    ) -> ControlResult:
        """Steer a call in progress. Never retried once it may have reached the vendor."""
        return self._run(self._plan_control(call_id, control, provider_options))

    def end(self, call_id: str) -> None:
        """Hang up a call in progress."""
        self._run(self._plan_end(call_id))

    def delete(self, call_id: str) -> None:
        """Delete the call's record at the vendor (does not hang up)."""
        self._run(self._plan_delete(call_id))

    def wait(
        self,
        call_id: str,
        until: WaitFor,
        *,
        timeout: float = 120.0,
        poll_interval: float | None = None,
    ) -> Call:
        """Poll the call until its status is one of ``until`` (a status or a collection of
        them) and return it. Polls with backoff (0.5 s growing to 5 s) unless
        ``poll_interval`` fixes the pace; every poll is a ``get`` under the retry rules.

        Raises InvalidCallStateError (with ``.call``) when the call reaches a final status
        (ended, failed) not in ``until``, and errors.WaitTimeoutError (with ``.call``)
        after ``timeout`` seconds. Bad arguments raise before anything is sent.
        """
        retry = self._client._retry
        waiter = self._waiter(call_id, until, timeout, poll_interval, retry)
        sleep = retry.sleep or time.sleep
        while True:
            step = waiter.after(self.get(call_id))
            if isinstance(step, Call):
                return step
            sleep(step)


class AsyncCalls(_CallsBase):
    """``client.calls`` on an :class:`AsyncClient`: the same operations, awaitable."""

    def __init__(self, client: _AsyncRunner) -> None:
        super().__init__(client._engine)
        self._run = client._run
        self._client = client

    async def get(self, call_id: str) -> Call:
        return await self._run(self._plan_get(call_id))

    def list(self, limit: int | None = None, **filters: Any) -> AsyncIterator[Call]:
        """Calls, a page at a time as you ``async for`` over them. Bad filters raise here."""
        return self._iterate(self._listing(limit, filters))

    async def _iterate(self, listing: _Listing) -> AsyncIterator[Call]:
        page = listing.page
        if listing.plan is not None:
            page = await self._run(listing.plan, listing.first)
        while page is not None:
            calls, plan = listing.take(page)
            for call in calls:
                yield call
            page = await self._run(plan) if plan is not None else None

    async def create_phone(
        self,
        *,
        from_number: str | None = None,
        to_number: str,
        agent_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        return await self._run(
            self._plan_create_phone(
                from_number, to_number, agent_id, variables, metadata, provider_options
            )
        )

    async def create_web(
        self,
        *,
        agent_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        provider_options: ProviderOptions = None,
    ) -> Call:
        return await self._run(
            self._plan_create_web(agent_id, variables, metadata, provider_options)
        )

    async def update(
        self, call_id: str, update: CallUpdate, *, provider_options: ProviderOptions = None
    ) -> UpdateResult:
        return await self._run(self._plan_update(call_id, update, provider_options))

    async def control(
        self, call_id: str, control: LiveControl, *, provider_options: ProviderOptions = None
    ) -> ControlResult:
        return await self._run(self._plan_control(call_id, control, provider_options))

    async def end(self, call_id: str) -> None:
        await self._run(self._plan_end(call_id))

    async def delete(self, call_id: str) -> None:
        await self._run(self._plan_delete(call_id))

    async def wait(
        self,
        call_id: str,
        until: WaitFor,
        *,
        timeout: float = 120.0,
        poll_interval: float | None = None,
    ) -> Call:
        """As :meth:`Calls.wait`, awaitable; waits with the client's ``sleep``."""
        retry = self._client._retry
        waiter = self._waiter(call_id, until, timeout, poll_interval, retry)
        while True:
            step = waiter.after(await self.get(call_id))
            if isinstance(step, Call):
                return step
            await sleep_async(retry.sleep, step)
