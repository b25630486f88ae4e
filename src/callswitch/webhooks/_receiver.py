"""The webhook :class:`Receiver`: verify, claim, handle once, answer the vendor.

Flow of one delivery: verify with :func:`~callswitch.webhooks.parse`; claim the event's
key in the store; run the matching handlers; mark the key done. Answers:

=====  ==============================================================================
200    handled now, or handled before (a redelivery)
400    the signature is valid but the body is not an event the vendor documents
401    the signature is missing, wrong or stale
404    no provider configured at this path
405    not a POST
413    the body is larger than ``max_body``
500    a handler raised: the claim is released, so the vendor's retry handles it again
503    another worker holds the event's claim right now (``Retry-After`` says how long)
=====  ==============================================================================
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import math
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, TypeAlias, TypeVar

import attrs

from callswitch import _observe
from callswitch.errors import InvalidRequestError, InvalidSignatureError
from callswitch.webhooks._api import load_rules, parse_with
from callswitch.webhooks._events import CallEvent, EventType
from callswitch.webhooks._rules import WebhookRules
from callswitch.webhooks._signing import WebhookSecret
from callswitch.webhooks._stores import (
    DEFAULT_LEASE,
    Claim,
    ClaimStatus,
    MemoryStore,
    Store,
    seconds,
)

__all__ = ["Handler", "Receiver"]

logger = logging.getLogger("callswitch.webhooks")

Handler: TypeAlias = Callable[[CallEvent], None] | Callable[[CallEvent], Awaitable[None]]
H = TypeVar("H", bound=Handler)
HeaderInput: TypeAlias = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]

_MAX_BODY = 5 * 1024 * 1024


@attrs.frozen
class _Reply:
    status: int
    body: bytes
    retry_after: float | None = None


def _reply(code: int, /, retry_after: float | None = None, **fields: Any) -> _Reply:
    return _Reply(code, json.dumps(fields, separators=(",", ":")).encode(), retry_after)


class Receiver:
    """Verifies webhook deliveries and runs your handlers once per event.

    ``secrets`` maps each provider you receive from to what :func:`parse` takes as its
    secret. ``store`` is shared by every worker that receives (see
    :class:`~callswitch.webhooks.Store`). ``lease`` bounds how long a claimed event stays
    locked if its worker dies; make it longer than your slowest handler. ``tolerance``
    is passed to :func:`parse`.
    """

    def __init__(
        self,
        *,
        secrets: Mapping[str, WebhookSecret],
        store: Store,
        lease: float | timedelta = DEFAULT_LEASE,
        tolerance: float | timedelta | None = None,
        max_body: int = _MAX_BODY,
    ) -> None:
        if not isinstance(secrets, Mapping) or not secrets:
            raise InvalidRequestError(
                'Receiver needs secrets={"<provider>": <secret>, ...} for at least one provider'
            )
        # Loaded once: an unknown provider, or one without webhooks, fails here.
        self._rules: dict[str, WebhookRules] = {p: load_rules(p) for p in secrets}
        if not isinstance(store, Store):
            raise InvalidRequestError(
                f"store must have claim(), complete() and release() (MemoryStore, "
                f"SQLiteStore, RedisStore...), not {type(store).__name__}"
            )
        if not isinstance(max_body, int) or max_body < 1:
            raise InvalidRequestError(
                f"max_body must be a positive number of bytes, not {max_body!r}"
            )
        self._secrets = dict(secrets)
        self._store = store
        # A MemoryStore only takes a lock around a dict: called on the event loop
        # directly. Any other store may block (disk, network): called in a thread.
        self._store_blocks = type(store) is not MemoryStore
        self._lease = seconds(lease, "lease")
        self._tolerance = tolerance
        self._max_body = max_body
        self._handlers: list[tuple[EventType | None, Handler]] = []

    def __repr__(self) -> str:
        return f"Receiver(providers={sorted(self._secrets)}, store={self._store!r})"

    @property
    def store(self) -> Store:
        return self._store

    def on(self, event_type: EventType | str | None = None) -> Callable[[H], H]:
        """Decorator: run the function for events of ``event_type`` (every event if
        omitted). Sync and ``async def`` functions both work; several may match."""
        wanted: EventType | None = None
        if event_type is not None:
            try:
                wanted = EventType(event_type)
            except ValueError:
                names = ", ".join(e.value for e in EventType)
                raise InvalidRequestError(
                    f"unknown event type {event_type!r}; use one of {names}, or on() for all"
                ) from None

        def register(handler: H) -> H:
            if not callable(handler):
                raise InvalidRequestError("on() decorates a function taking a CallEvent")
            self._handlers.append((wanted, handler))
            return handler

        return register

    def _matching(self, event: CallEvent) -> list[Handler]:
        return [h for t, h in self._handlers if t is None or t is event.type]

    # ------------------------------------------------------------------ the flow

    def _verify(self, provider: str, headers: HeaderInput, body: bytes) -> CallEvent | _Reply:
        if provider not in self._secrets:
            return _reply(404, error=f"no webhook provider at /{provider}")
        try:
            return parse_with(
                self._rules[provider],
                provider,
                headers=headers,
                body=body,
                secret=self._secrets[provider],
                tolerance=self._tolerance,
            )
        except InvalidSignatureError as exc:
            logger.warning("%s webhook refused: %s", provider, exc)
            return _reply(401, error="invalid signature")
        except InvalidRequestError as exc:
            # Not the message: a mapping error can quote the signed body's content.
            logger.warning(
                "%s webhook refused: signature valid but body unreadable (%s)",
                provider,
                type(exc).__name__,
            )
            return _reply(400, error="unreadable event")

    def _not_claimed(self, event: CallEvent, claim: Claim) -> _Reply:
        if _observe.relay is not None:
            handled = claim.status is ClaimStatus.DONE
            _observe.webhook_duplicate(event.provider, str(event.type), handled)
        if claim.status is ClaimStatus.DONE:
            return _reply(200, status="duplicate", key=event.key)
        wait = claim.retry_after if claim.retry_after is not None else self._lease
        return _reply(
            503, retry_after=wait, error="event is being handled by another worker", key=event.key
        )

    def _failed(self, event: CallEvent, token: str, exc: BaseException) -> _Reply:
        # exc_info given explicitly: under ASGI this runs in a worker thread, outside the
        # except block, where logger.exception would log "NoneType: None".
        logger.error(
            "webhook handler failed for event %s; released for redelivery",
            event.key,
            exc_info=exc,
        )
        self._store.release(event.key, token)
        return _reply(500, error="handler failed", key=event.key)

    def _done(self, event: CallEvent, token: str) -> _Reply:
        if not self._store.complete(event.key, token):
            logger.warning(
                "event %s: the lease ran out before its handlers finished and another worker "
                "took it over; raise Receiver(lease=...) above your slowest handler",
                event.key,
            )
        return _reply(200, status="handled", key=event.key)

    def handle(self, provider: str, headers: HeaderInput, body: bytes | str) -> tuple[int, bytes]:
        """Framework-free and synchronous: one delivery in, ``(status, body)`` out.

        For WSGI apps (Flask, Django) and tests; the body is a small JSON object. A 503
        should be sent with ``Retry-After: 60``. ``async def`` handlers run in a fresh
        event loop here; under ASGI use :meth:`asgi` instead.
        """
        reply = self._handle(provider, headers, body)
        return reply.status, reply.body

    def _handle(self, provider: str, headers: HeaderInput, body: bytes | str) -> _Reply:
        data = body.encode("utf-8") if isinstance(body, str) else body
        if len(data) > self._max_body:
            return _reply(413, error="body too large")
        event = self._verify(provider, headers, data)
        if not isinstance(event, CallEvent):
            return event
        claim = self._store.claim(event.key, self._lease)
        if claim.status is not ClaimStatus.CLAIMED or claim.token is None:
            return self._not_claimed(event, claim)
        try:
            for handler in self._matching(event):
                result = handler(event)
                if inspect.isawaitable(result):
                    asyncio.run(_awaited(result))
        except Exception as exc:
            return self._failed(event, claim.token, exc)
        except BaseException:
            self._store.release(event.key, claim.token)  # cancelled or interrupted
            raise
        return self._done(event, claim.token)

    async def ahandle(
        self, provider: str, headers: HeaderInput, body: bytes | str
    ) -> tuple[int, bytes]:
        """:meth:`handle` for async code: store calls and sync handlers run in threads."""
        reply = await self._ahandle(provider, headers, body)
        return reply.status, reply.body

    async def _ahandle(self, provider: str, headers: HeaderInput, body: bytes | str) -> _Reply:
        data = body.encode("utf-8") if isinstance(body, str) else body
        if len(data) > self._max_body:
            return _reply(413, error="body too large")
        event = self._verify(provider, headers, data)
        if not isinstance(event, CallEvent):
            return event
        handlers = self._matching(event)
        gate = _Gate()
        if not any(inspect.iscoroutinefunction(h) for h in handlers):
            # Claim, handlers and complete/release in one worker thread. On cancel the
            # thread still finishes what it started: it records the outcome, or it
            # releases a claim that no handler has started on yet.
            loop = asyncio.get_running_loop()
            try:
                outcome = await asyncio.to_thread(self._run_sync, event, handlers, gate, loop)
            except asyncio.CancelledError:
                gate.cancel()
                raise
            return outcome if isinstance(outcome, _Reply) else self._not_claimed(event, outcome)
        return await self._run_async(event, handlers, gate)

    def _claim(self, event: CallEvent, gate: _Gate) -> Claim:
        claim = self._store.claim(event.key, self._lease)
        if claim.status is ClaimStatus.CLAIMED and claim.token is not None:
            gate.claimed(self._store, event.key, claim.token)
        return claim

    def _run_sync(
        self,
        event: CallEvent,
        handlers: list[Handler],
        gate: _Gate,
        loop: asyncio.AbstractEventLoop,
    ) -> _Reply | Claim:
        """In a worker thread: claim, run the (synchronous) handlers, complete or release."""
        claim = self._claim(event, gate)
        if claim.status is not ClaimStatus.CLAIMED or claim.token is None:
            return claim
        if gate.released:  # cancelled before any handler started
            return _reply(503, retry_after=1.0, error="delivery cancelled", key=event.key)
        try:
            _call_all(handlers, event, loop)
        except Exception as exc:
            return self._failed(event, claim.token, exc)
        except BaseException:
            self._store.release(event.key, claim.token)
            raise
        return self._done(event, claim.token)

    async def _run_async(self, event: CallEvent, handlers: list[Handler], gate: _Gate) -> _Reply:
        """Some handlers are ``async def``: they run on the loop; the store calls (in a
        thread unless the store is a MemoryStore) and each run of sync handlers (one
        thread hop for consecutive ones) around them."""
        if self._store_blocks:
            try:
                claim = await asyncio.to_thread(self._claim, event, gate)
            except asyncio.CancelledError:
                token = gate.cancel()  # set when the thread claimed before the cancel
                if token is not None:
                    self._store.release(event.key, token)
                raise
        else:
            claim = self._claim(event, gate)
        if claim.status is not ClaimStatus.CLAIMED or claim.token is None:
            return self._not_claimed(event, claim)
        loop = asyncio.get_running_loop()
        groups = _runs(handlers)
        try:
            for n, group in enumerate(groups, 1):
                if inspect.iscoroutinefunction(group[0]):
                    await group[0](event)
                else:
                    last = n == len(groups)
                    await asyncio.to_thread(
                        self._run_group, event, group, claim.token, last, gate, loop
                    )
        except Exception as exc:
            if self._store_blocks:
                return await asyncio.to_thread(self._failed, event, claim.token, exc)
            return self._failed(event, claim.token, exc)
        except BaseException:
            # Cancelled (client gone, shutdown): release now, in this thread, since a
            # cancelled task may not get to await again; else the claim waits for the lease.
            # Not while a thread still runs sync handlers: it settles the claim when done.
            token = gate.cancel()
            if token is not None:
                self._store.release(event.key, token)
            raise
        if self._store_blocks:
            return await asyncio.to_thread(self._done, event, claim.token)
        return self._done(event, claim.token)

    def _run_group(
        self,
        event: CallEvent,
        group: list[Handler],
        token: str,
        last: bool,
        gate: _Gate,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        """In a worker thread: one run of sync handlers for :meth:`_run_async`. If the
        delivery was cancelled while they ran, this thread settles the claim once they
        end: complete if they were the last handlers, else release (the handlers after
        them did not run), so a redelivery never runs a handler alongside them."""
        if not gate.begin():
            return  # cancelled before the run started: the loop released the claim
        try:
            _call_all(group, event, loop)
        except Exception as exc:
            if gate.finish():
                self._failed(event, token, exc)
                return
            raise
        except BaseException:
            if gate.finish():
                self._store.release(event.key, token)
            raise
        if gate.finish():
            if last:
                self._done(event, token)
            else:
                self._store.release(event.key, token)

    def asgi(self) -> Callable[..., Awaitable[None]]:
        """This receiver as an ASGI app: ``POST /{provider}`` (``/retell``, ``/vapi``...).

        Works under any ASGI server and mounted in Starlette or FastAPI (the mount's
        prefix is taken off the path).
        """

        async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                await _lifespan(receive, send)
                return
            if scope["type"] != "http":
                return
            path: str = scope.get("path", "")
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            provider = path.strip("/")
            if provider not in self._secrets:
                await _send(send, _reply(404, error=f"no webhook provider at {path or '/'}"))
                return
            if scope.get("method") != "POST":
                await _send(send, _reply(405, error="POST only"), [(b"allow", b"POST")])
                return
            body = bytearray()
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                if len(body) > self._max_body:
                    await _send(send, _reply(413, error="body too large"))
                    return
                if not message.get("more_body"):
                    break
            await _send(send, await self._ahandle(provider, scope["headers"], bytes(body)))

        return app


Receive: TypeAlias = Callable[[], Awaitable[dict[str, Any]]]
Send: TypeAlias = Callable[[dict[str, Any]], Awaitable[None]]


async def _send(send: Send, reply: _Reply, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"application/json"), *(extra or [])]
    if reply.retry_after is not None:
        headers.append((b"retry-after", str(max(1, math.ceil(reply.retry_after))).encode()))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _awaited(result: Awaitable[Any]) -> None:
    await result


class _Gate:
    """Between a coroutine that gets cancelled and the worker thread claiming for it:
    whichever of "claimed" and "cancelled" happens second sees the other, so a claim
    taken for a delivery nobody waits for any more is never left held. Likewise for a
    thread running sync handlers (:meth:`begin` .. :meth:`finish`): while it runs, the
    claim is the thread's to settle, not the cancelled coroutine's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._busy = False
        self._token: str | None = None
        self.released = False

    def claimed(self, store: Store, key: str, token: str) -> None:
        """In the thread, right after a successful claim: release it if cancelled."""
        with self._lock:
            if not self._cancelled:
                self._token = token
                return
        store.release(key, token)
        self.released = True

    def cancel(self) -> str | None:
        """On the loop, when cancelled: the token claimed already (its holder must now
        release it, if no thread is going on with it), else None. None as well while a
        thread runs handlers between :meth:`begin` and :meth:`finish`."""
        with self._lock:
            self._cancelled = True
            return None if self._busy else self._token

    def begin(self) -> bool:
        """In the thread, before running handlers: False if cancelled already (run
        nothing; the loop has released the claim)."""
        with self._lock:
            self._busy = not self._cancelled
            return self._busy

    def finish(self) -> bool:
        """In the thread, after the handlers: True if cancelled meanwhile (the thread
        must now complete or release the claim itself)."""
        with self._lock:
            self._busy = False
            return self._cancelled


def _runs(handlers: list[Handler]) -> list[list[Handler]]:
    """Each ``async def`` handler alone, consecutive other handlers together, in order."""
    groups: list[list[Handler]] = []
    for handler in handlers:
        sync = not inspect.iscoroutinefunction(handler)
        if sync and groups and not inspect.iscoroutinefunction(groups[-1][0]):
            groups[-1].append(handler)
        else:
            groups.append([handler])
    return groups


def _call_all(handlers: list[Handler], event: CallEvent, loop: asyncio.AbstractEventLoop) -> None:
    """In a worker thread: the handlers in order. An awaitable one returns (a plain
    function returning a coroutine) is awaited on ``loop`` before the next one runs."""
    for handler in handlers:
        result = handler(event)
        if inspect.isawaitable(result):
            asyncio.run_coroutine_threadsafe(_awaited(result), loop).result()
