"""The exceptions an emulator raises inside itself (none of them reaches a client)."""

from __future__ import annotations

__all__ = ["CallNotFound", "ConnectionDropped", "JSONBodyError", "StatusConflict"]


class ConnectionDropped(Exception):
    """Raised inside the app to make the in-process transport report a dropped connection.

    On a uvicorn socket the emulator aborts the TCP connection instead.
    """


class CallNotFound(LookupError):
    """No call with that id in the emulator's store."""


class JSONBodyError(ValueError):
    """The request body is not the JSON the endpoint needs."""


class StatusConflict(ValueError):
    """The call cannot move to that status from where it is (the control API answers
    409): ``failed`` means the call never connected, so a call that has connected
    (became ongoing) can only be ``ended``."""
