"""The ``callswitch_emulator`` pytest fixture (registered through the ``pytest11`` entry
point, so it is available wherever callswitch is installed with the emulator extra).

::

    def test_my_app(callswitch_emulator):
        emu = callswitch_emulator("vapi")          # in process; socket=True for a real port
        client = emu.connect()
        call = emu.add_call("ongoing")
        emu.add_fault(path="/call/*", status=429, retry_after=1)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from callswitch.names import ProviderName

if TYPE_CHECKING:
    from callswitch.emulators import Emulator

__all__ = ["EmulatorFactory", "callswitch_emulator"]


class EmulatorFactory(Protocol):
    """The type of the ``callswitch_emulator`` fixture, for annotating a test::

    from callswitch.emulators.pytest_plugin import EmulatorFactory

    def test_my_app(callswitch_emulator: EmulatorFactory) -> None: ...
    """

    def __call__(
        self,
        provider: ProviderName | str,
        *,
        socket: bool = False,
        answer_after: float | None = None,
        end_after: float | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        duplicate_webhooks: int = 0,
    ) -> Emulator: ...


@pytest.fixture
def callswitch_emulator() -> Iterator[EmulatorFactory]:
    """A factory (typed :class:`EmulatorFactory`): ``callswitch_emulator(provider, *,
    socket=False, **options)`` returns a fresh :class:`callswitch.emulators.Emulator`, torn
    down after the test; the options are those of :func:`callswitch.emulators.create`.

    With ``socket=True`` it is served on 127.0.0.1 (a free port) for the test, so that
    code building its own clients can reach it (``emu.base_url``, ``emu.env()``). Under
    ``pytest --block-network`` (pytest-recording) allow loopback with
    ``--allowed-hosts=127.0.0.1``.
    """
    from callswitch import emulators

    stack = ExitStack()
    made: list[emulators.Emulator] = []

    def factory(provider: str, *, socket: bool = False, **options: Any) -> emulators.Emulator:
        emulator = emulators.create(provider, **options)
        made.append(emulator)
        if socket:
            stack.enter_context(emulators.running(emulator))
        return emulator

    try:
        yield factory
    finally:
        stack.close()
        for emulator in made:
            emulator.close()
