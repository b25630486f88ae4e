"""Former home of the emulator base class, kept so that old imports keep working.

The parts now live in modules of their own: :mod:`._app` (the ASGI application),
:mod:`._store` (call records), :mod:`._faults`, :mod:`._requestlog`, :mod:`._control`
(the ``/_emulator/`` API), :mod:`._clients` and :mod:`._transport`.
"""

from __future__ import annotations

from callswitch.emulators._app import Emulator
from callswitch.emulators._errors import CallNotFound, ConnectionDropped, JSONBodyError
from callswitch.emulators._faults import Fault
from callswitch.emulators._store import NEUTRAL_STATUSES

__all__ = [
    "NEUTRAL_STATUSES",
    "CallNotFound",
    "ConnectionDropped",
    "Emulator",
    "Fault",
    "JSONBodyError",
]
