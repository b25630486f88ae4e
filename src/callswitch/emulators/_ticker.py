"""The ticker of a served emulator: its phone-network timers, applied on time.

In process an emulator applies its timers when it is looked at, which keeps tests with a
fake clock deterministic. An emulator served on a socket stands in for a vendor, and a
vendor's callee hangs up (and the vendor posts its end-of-call webhook) when the time
comes, whether or not anybody asks. So while an emulator is served (from its ASGI
lifespan startup to its shutdown), a :class:`Ticker` thread sleeps until the next
transition falls due, applies it, and sleeps again: no polling while nothing is due,
and woken early when a call moves or the timers change (``PhoneNetwork.changed``).
"""

from __future__ import annotations

import logging
import threading

from callswitch.emulators._store import CallStore

__all__ = ["Ticker"]

logger = logging.getLogger("callswitch.emulators")

#: Longest sleep while a transition is pending, so that a clock that jumps (a test's
#: fake ``now``) is noticed within this many seconds.
MAX_SLEEP = 1.0
#: Shortest sleep, so that rounding at the due time never turns into a busy loop.
MIN_SLEEP = 0.001


class Ticker:
    """Applies ``store``'s due transitions from a daemon thread while it is started.

    :meth:`start` and :meth:`stop` nest (an emulator served twice at once keeps its
    ticker until both stop); :meth:`close` stops it whatever the count.
    """

    def __init__(self, store: CallStore, name: str) -> None:
        self._store = store
        self._name = name
        self._lock = threading.Lock()
        self._users = 0
        self._thread: threading.Thread | None = None
        self._stop: threading.Event | None = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Ticker {self._name!r} {state}>"

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        """Start the thread (or count one more user of the running one)."""
        with self._lock:
            self._users += 1
            if self._thread is not None:
                return
            stop = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(stop,), name=f"{self._name}-ticker", daemon=True
            )
            self._thread, self._stop = thread, stop
            thread.start()

    def stop(self) -> None:
        """One user fewer; the last one stops the thread and waits for it to end."""
        with self._lock:
            self._users = max(0, self._users - 1)
            if self._users:
                return
        self.close()

    def close(self) -> None:
        """Stop the thread, however many users started it, and wait for it to end."""
        with self._lock:
            self._users = 0
            thread, stop = self._thread, self._stop
            self._thread = self._stop = None
        if thread is None or stop is None:
            return
        stop.set()
        self._store.schedule_changed.set()  # wake it from its sleep
        if thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self, stop: threading.Event) -> None:
        changed = self._store.schedule_changed
        while not stop.is_set():
            changed.clear()  # before looking, so a change made while looking wakes us
            try:
                wait = self._store.tick_and_schedule()
            except Exception:  # a broken hook must not stop the phone network
                logger.exception("emulator %s: applying the timers failed", self._name)
                wait = MAX_SLEEP
            if wait is not None:
                wait = min(MAX_SLEEP, max(MIN_SLEEP, wait))
            changed.wait(wait)
