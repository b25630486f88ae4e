"""Webhook delivery from an emulator: the vendor's own payloads, signed, at least once.

A vendor emulator builds the payloads (``Emulator.webhook_payloads``, from each
plugin's ``_emulator_webhooks`` module); the provider's webhook rules sign them
(``rules.sign``, the same code as :func:`callswitch.testing.sign_webhook`). This module
only delivers: one background thread per emulator POSTs the queued deliveries in order,
so sending never blocks the emulator's request handling (in process or on a socket).

At least once, as the vendors promise: a non-2xx answer or a transport error is retried
with doubling waits (``backoff``, capped at ``max_backoff``) up to ``attempts`` times;
``duplicates`` extra copies of each delivery (re-signed, same body) then follow, to
exercise the receiver's de-duplication.

Bounded, so a long-running emulator with a slow or absent receiver cannot grow without
limit: at most ``max_queue`` deliveries wait (when full, the oldest waiting one is
dropped unsent and counted in ``WebhookSender.dropped``), and the log keeps the last
``max_log`` finished deliveries (older ones counted in ``WebhookSender.log_dropped``).
After :meth:`WebhookSender.close` nothing more is posted: waiting deliveries are
dropped and a delivery being retried stops before its next attempt.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs
import httpx

from callswitch.errors import InvalidRequestError

__all__ = [
    "MAX_LOG",
    "MAX_QUEUE",
    "Delivery",
    "WebhookSender",
    "check_webhook_options",
    "signer_for",
]

#: Default bound of the deliveries waiting to be sent.
MAX_QUEUE = 10_000
#: Default bound of the finished deliveries kept in the log.
MAX_LOG = 10_000

logger = logging.getLogger("callswitch.emulators")


@attrs.define
class Delivery:
    """One event's delivery, as the receiver answered it (see ``Emulator.webhook_log``)."""

    event: str
    call_id: str
    copy: int  # 0 for the original, 1..N for the extra copies
    attempts: int = 0
    status: int | None = None  # the last answer's status; None after transport errors

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def check_webhook_options(url: object, secret: object, duplicates: object) -> None:
    """InvalidRequestError, before anything runs, for options that cannot work."""
    if url is None:
        if secret is not None or duplicates:
            raise InvalidRequestError(
                "webhook_secret and duplicate_webhooks need webhook_url (where to POST)"
            )
        return
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InvalidRequestError(
            f"webhook_url must be an http:// or https:// URL, got {type(url).__name__}"
        )
    if not isinstance(secret, str) or not secret:
        raise InvalidRequestError(
            "webhook_url needs webhook_secret: the secret the emulator signs with (for "
            "Retell, the API key your receiver verifies with)"
        )
    if isinstance(duplicates, bool) or not isinstance(duplicates, int) or duplicates < 0:
        raise InvalidRequestError(
            f"duplicate_webhooks must be a whole number >= 0, got {duplicates!r}"
        )


class WebhookSender:
    """A background thread that POSTs signed payloads to ``url`` (bounded; see above)."""

    def __init__(
        self,
        url: str,
        signer: Callable[[bytes], dict[str, str]],
        *,
        duplicates: int = 0,
        attempts: int = 6,
        backoff: float = 0.05,
        max_backoff: float = 2.0,
        timeout: float = 10.0,
        max_queue: int = MAX_QUEUE,
        max_log: int = MAX_LOG,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        for name, bound in (("max_queue", max_queue), ("max_log", max_log)):
            if isinstance(bound, bool) or not isinstance(bound, int) or bound < 1:
                raise InvalidRequestError(f"{name} must be a whole number >= 1, got {bound!r}")
        self._url = url
        self._sign = signer
        self._duplicates = duplicates
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._client = httpx.Client(timeout=timeout, transport=transport)
        self._max_queue = max_queue
        self._queue: deque[tuple[Delivery, bytes]] = deque()
        self._lock = threading.Lock()
        self._log: deque[Delivery] = deque(maxlen=max_log)
        self._pending = 0
        self._closed = False
        #: Deliveries dropped unsent: the queue was full, or the sender was closed.
        self.dropped = 0
        #: Finished deliveries pushed out of the log by newer ones.
        self.log_dropped = 0
        self._idle = threading.Condition(self._lock)
        self._work = threading.Condition(self._lock)
        self._thread = threading.Thread(target=self._run, name="emulator-webhooks", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return (
            f"<WebhookSender {self._pending} pending, {len(self._log)} in the log, "
            f"{self.dropped} dropped>"
        )

    def send(self, event: str, call_id: str, payload: dict[str, Any]) -> None:
        """Queue ``payload`` (and its extra copies); returns at once. Ignored once closed."""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        with self._lock:
            if self._closed:
                self.dropped += 1 + self._duplicates
                return
            for number in range(1 + self._duplicates):
                if len(self._queue) >= self._max_queue:
                    self._queue.popleft()
                    self.dropped += 1
                    self._pending -= 1
                self._queue.append((Delivery(event, call_id, number), body))
                self._pending += 1
            self._work.notify()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until every queued delivery was answered or given up; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    @property
    def log(self) -> list[Delivery]:
        with self._lock:
            return [attrs.evolve(d) for d in self._log]

    def close(self) -> None:
        """Stop: drop what is still queued, post nothing more, and end the thread."""
        with self._lock:
            self._closed = True
            self.dropped += len(self._queue)
            self._pending -= len(self._queue)
            self._queue.clear()
            self._work.notify_all()
            self._idle.notify_all()
        self._thread.join(timeout=5)
        self._client.close()

    def _run(self) -> None:
        while True:
            with self._work:
                while not self._queue and not self._closed:
                    self._work.wait()
                if self._closed:
                    return
                delivery, body = self._queue.popleft()
            try:
                self._deliver(delivery, body)
            except Exception:  # never let one delivery stop the thread
                logger.exception("emulator webhook %s could not be sent", delivery.event)
            finally:
                with self._idle:
                    if len(self._log) == self._log.maxlen:
                        self.log_dropped += 1
                    self._log.append(delivery)
                    self._pending -= 1
                    self._idle.notify_all()

    def _pause(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless closed meanwhile; True when still open."""
        with self._work:
            self._work.wait_for(lambda: self._closed, timeout=seconds)
            return not self._closed

    def _deliver(self, delivery: Delivery, body: bytes) -> None:
        for attempt in range(self._attempts):
            wait = min(self._max_backoff, self._backoff * math.pow(2, attempt - 1))
            if not self._pause(wait if attempt else 0.0):
                return  # closed: post nothing more
            delivery.attempts += 1
            headers = {"content-type": "application/json", **self._sign(body)}
            try:
                response = self._client.post(self._url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                delivery.status = None
                logger.info("emulator webhook %s: %s", delivery.event, type(exc).__name__)
                continue
            delivery.status = response.status_code
            if delivery.delivered:
                return
        logger.warning(
            "emulator webhook %s for call %s not accepted after %d attempts (last status %s)",
            delivery.event,
            delivery.call_id,
            delivery.attempts,
            delivery.status,
        )


def signer_for(provider: str, secret: str) -> Callable[[bytes], dict[str, str]]:
    """The provider's own signing (its webhook rules' ``sign``), at the time of sending."""
    from callswitch.webhooks._api import load_rules
    from callswitch.webhooks._rules import SigningRules

    rules = load_rules(provider)
    if not isinstance(rules, SigningRules):
        raise InvalidRequestError(
            f"the {provider} plugin's webhook rules cannot sign, so its emulator cannot "
            "send webhooks"
        )

    def sign(body: bytes) -> dict[str, str]:
        return rules.sign(body, secret, now=time.time())

    return sign
