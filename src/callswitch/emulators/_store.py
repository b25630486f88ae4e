"""The call store: a vendor's call records, its status names and what a status change does.

:class:`CallStore` is the half of :class:`~callswitch.emulators.Emulator` that knows
nothing about HTTP. A vendor emulator implements :meth:`CallStore.new_call`,
:meth:`CallStore.apply_status` and :meth:`CallStore.vendor_status`; records are plain
dicts in the vendor's JSON shape, kept in :attr:`CallStore.calls` under
:attr:`CallStore.lock`.
"""

from __future__ import annotations

import copy
import functools
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from callswitch.emulators._errors import CallNotFound, StatusConflict
from callswitch.emulators._network import PhoneNetwork, check_delay

__all__ = ["NEUTRAL_STATUSES", "CallStore", "StatusHook", "check_status"]

#: ``hook(record, before, after)``: called under the lock after a record's vendor status
#: changed from ``before`` to ``after`` (the record is the live one: copy what you keep).
StatusHook = Callable[[dict[str, Any], str, str], None]

#: The life-cycle states the control API speaks; each emulator maps them to its own names.
NEUTRAL_STATUSES = ("queued", "ongoing", "ended", "failed")


def check_status(status: object) -> None:
    if status not in NEUTRAL_STATUSES:
        raise ValueError(f"status must be one of {', '.join(NEUTRAL_STATUSES)}, got {status!r}")


class CallStore:
    """Call records by id, and the vendor's state machine over them.

    Every status change goes through the vendor's :meth:`apply_status`; the store notes
    each one (a subclass's ``apply_status`` is wrapped when the class is defined), which
    is how :meth:`set_timers` knows since when a call has been queued or ongoing.
    The status hooks added with :meth:`add_status_hook` (webhooks...) hear of each change
    of the vendor status, however it came about: a vendor request, the control API,
    :meth:`add_call` or a timer.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: dict[str, dict[str, Any]] = {}
        self._network = PhoneNetwork()
        self._status_hooks: list[StatusHook] = []
        #: Ids of the calls that connected (became ongoing) since they were last queued.
        self._connected: set[str] = set()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "apply_status" in cls.__dict__:
            cls.apply_status = _noting(cls.__dict__["apply_status"])  # type: ignore[method-assign]

    # -- the phone network --------------------------------------------------------------
    def set_timers(
        self, *, answer_after: float | None = None, end_after: float | None = None
    ) -> None:
        """Behave like a phone network: answer a queued call after ``answer_after``
        seconds, and end an ongoing call ``end_after`` seconds after it became ongoing
        (the callee hangs up). None (the default) turns that timer off."""
        answer = check_delay("answer_after", answer_after)
        end = check_delay("end_after", end_after)
        with self.lock:
            self.tick()
            self._network.answer_after = answer
            self._network.end_after = end
            self._network.changed.set()

    @property
    def timers(self) -> tuple[float | None, float | None]:
        """``(answer_after, end_after)``, as :meth:`set_timers` left them."""
        return self._network.answer_after, self._network.end_after

    def tick(self) -> None:
        """Apply the timers' transitions that are due now (also done on every request)."""
        with self.lock:
            self._network.advance(self.calls, self.now(), self.apply_status)

    @property
    def schedule_changed(self) -> threading.Event:
        """Set whenever the next timer transition may have come earlier (a call moved, a
        new call was seen, the timers changed); a served emulator's ticker waits on it."""
        return self._network.changed

    def tick_and_schedule(self) -> float | None:
        """:meth:`tick`, then the seconds (emulator clock) until the next transition is
        due, or None when no call waits for a timer: what a served emulator's ticker
        sleeps for."""
        with self.lock:
            now = self.now()
            self._network.advance(self.calls, now, self.apply_status)
            due = self._network.next_due()
            return None if due is None else due - now

    def add_status_hook(self, hook: StatusHook) -> None:
        """Call ``hook(record, before, after)`` after each change of a call's status."""
        with self.lock:
            self._status_hooks.append(hook)

    def status_changed(self, call: dict[str, Any], before: str, after: str) -> None:
        """Run the status hooks (called under the lock by the wrapped apply_status)."""
        for hook in list(self._status_hooks):
            hook(call, before, after)

    # -- what a vendor supplies -------------------------------------------------------
    def new_call(self, status: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A fresh call record in neutral ``status``, with vendor-shaped ``fields`` merged in.

        An emulator stores it with its own bookkeeping (and may use :meth:`walk_to`);
        :meth:`add_call` then returns a copy.
        """
        raise NotImplementedError

    def walk_to(self, call: dict[str, Any], status: str) -> None:
        """Move a new, queued record to neutral ``status`` through the states in between,
        so each side effect (start time, transcript, end reason) happens in order. Called
        under the lock."""
        if status == "queued":
            return
        if status == "ended":
            self.apply_status(call, "ongoing")
        self.apply_status(call, status)

    def apply_status(self, call: dict[str, Any], status: str) -> None:
        """Move ``call`` to neutral ``status`` with the vendor's side effects (timestamps,
        transcript, end reason...). Called under the lock."""
        raise NotImplementedError

    def vendor_status(self, call: Mapping[str, Any]) -> str:
        """The vendor's status name of a record."""
        raise NotImplementedError

    def call_id(self, record: Mapping[str, Any]) -> str:
        return str(record["id"])

    # -- Python-side helpers (the same things the control API does) --------------------
    def add_call(self, status: str = "queued", **fields: Any) -> dict[str, Any]:
        """Store a call in neutral ``status`` directly (no vendor request); returns a copy.

        ``fields`` are vendor-shaped record fields to set, e.g. ``metadata={...}``.
        """
        check_status(status)
        record = self.new_call(status, fields)
        with self.lock:
            self.calls[self.call_id(record)] = record
            self.tick()
            return copy.deepcopy(record)

    def set_status(self, call_id: str, status: str) -> dict[str, Any]:
        """Move a stored call to neutral ``status``; returns a copy of the record.

        ``failed`` means "never connected" on every provider, so a call that has
        connected (it is, or was, ongoing) cannot be failed: that raises
        :class:`StatusConflict` (409 from the control API) and changes nothing. End it
        with ``ended`` instead, or move it back to ``queued`` first.
        """
        check_status(status)
        with self.lock:
            self.tick()
            call = self.find(call_id)
            if status == "failed" and call_id in self._connected:
                raise StatusConflict(
                    f"call {call_id!r} has already connected ({self.vendor_status(call)}), "
                    "and failed means it never connected: ask for 'ended' to end it"
                )
            self.apply_status(call, status)
            return copy.deepcopy(call)

    def get_call(self, call_id: str) -> dict[str, Any]:
        """A copy of a stored record, as the vendor would return it."""
        with self.lock:
            self.tick()
            return copy.deepcopy(self.find(call_id))

    # -- helpers for vendor handlers ----------------------------------------------------
    def find(self, call_id: str) -> dict[str, Any]:
        """The stored record (not a copy); raise CallNotFound. Use under the lock."""
        try:
            return self.calls[call_id]
        except KeyError:
            raise CallNotFound(call_id) from None

    def remove(self, call_id: str) -> None:
        """Delete a call's record and what the store keeps beside it (its timer mark, its
        "has connected" note), so a long-running emulator does not grow with deleted
        calls. Use under the lock, after :meth:`find`."""
        del self.calls[call_id]
        self._network.forget(call_id)
        self._connected.discard(call_id)

    @staticmethod
    def new_id(prefix: str = "", nbytes: int = 12) -> str:
        return prefix + secrets.token_hex(nbytes)

    @staticmethod
    def now() -> float:
        return time.time()


def _noting(apply_status: Callable[..., None]) -> Callable[..., None]:
    """``apply_status`` that also tells the phone network about the move and, when the
    vendor status changed, the status hooks."""

    @functools.wraps(apply_status)
    def wrapper(self: CallStore, call: dict[str, Any], status: str) -> None:
        before = self.vendor_status(call)
        apply_status(self, call, status)
        call_id = self.call_id(call)
        if status == "ongoing":
            self._connected.add(call_id)
        elif status == "queued":
            self._connected.discard(call_id)
        self._network.moved(call_id, status, self.now())
        after = self.vendor_status(call)
        if after != before:
            self.status_changed(call, before, after)

    return wrapper
