"""Local emulators of the vendors' HTTP APIs, served from memory (like moto for AWS).

Each provider plugin contributes its emulator (``ProviderSpec.emulator``); this package
knows no vendor. Three ways to use one::

    from callswitch import emulators

    emu = emulators.create("vapi")               # in process, no socket
    emu = emulators.create("vapi", answer_after=0.1, end_after=5)   # callees answer, hang up
    client = emu.connect()                       # a callswitch.Client wired to it
    call = emu.add_call("ongoing")               # a call in a given state, directly
    emu.add_fault(path="/call/*", status=503)    # the next matching request fails
    emu = emulators.create("retell", webhook_url="http://127.0.0.1:8000/retell",
                           webhook_secret="key_...")   # signed webhooks on each change

    with emulators.running("retell", port=0) as base_url:   # uvicorn in a thread
        ...                                      # any HTTP client, the vendor's SDK too

    emulators.serve("truedy", port=8123)         # blocks until Ctrl-C

and the ``callswitch_emulator`` pytest fixture (see ``docs/emulators.md``). Every
emulator also answers the test-control API under ``/_emulator/``.

Needs the ``emulator`` extra (Starlette, uvicorn): ``pip install 'callswitch[emulator]'``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from callswitch.errors import ConfigurationError

try:
    from callswitch.emulators._app import Emulator
    from callswitch.emulators._errors import (
        CallNotFound,
        ConnectionDropped,
        JSONBodyError,
        StatusConflict,
    )
    from callswitch.emulators._faults import Fault
    from callswitch.emulators._store import NEUTRAL_STATUSES
    from callswitch.emulators._transport import AsyncEmulatorTransport, EmulatorTransport
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"callswitch.emulators needs the 'emulator' extra ({exc.name} is missing): "
        "pip install 'callswitch[emulator]'"
    ) from exc

__all__ = [
    "NEUTRAL_STATUSES",
    "AsyncEmulatorTransport",
    "CallNotFound",
    "ConnectionDropped",
    "Emulator",
    "EmulatorTransport",
    "Fault",
    "JSONBodyError",
    "StatusConflict",
    "create",
    "running",
    "serve",
]


def create(
    provider: str,
    *,
    answer_after: float | None = None,
    end_after: float | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    duplicate_webhooks: int = 0,
    **options: Any,
) -> Emulator:
    """A new, empty emulator for ``provider`` (found through its plugin's spec).

    ``answer_after`` / ``end_after`` make it behave like a phone network: a created call
    is answered (becomes ongoing) ``answer_after`` seconds later and, once ongoing, ends
    by itself ``end_after`` seconds later, as if the callee hung up
    (:meth:`Emulator.set_timers`). Without them calls stay where requests and the control
    API put them. In process the timers are applied whenever the emulator is looked at
    (a request, ``get_call``, ``tick``); served on a socket (:func:`running`,
    :func:`serve`) they are also applied on time by a background ticker, as by the vendor.

    With ``webhook_url`` the emulator POSTs the vendor's own webhook, signed with
    ``webhook_secret`` the vendor's way, on each change of a call's status (started,
    ended, analysed where the vendor sends that; timer-driven changes too), from a
    background thread, at least once (non-2xx answers are retried), plus
    ``duplicate_webhooks`` extra copies of each (:meth:`Emulator.set_webhooks`).

    Other ``options`` go to the plugin's factory; every emulator accepts ``api_key=``
    (accept only that bearer key; by default any non-empty key is accepted).
    """
    from callswitch.emulators._network import check_delay
    from callswitch.emulators._webhooks import check_webhook_options
    from callswitch.provider import load_object
    from callswitch.registry import default_registry

    # Checked before the plugin is loaded: bad options are the caller's mistake.
    check_delay("answer_after", answer_after)
    check_delay("end_after", end_after)
    check_webhook_options(webhook_url, webhook_secret, duplicate_webhooks)
    spec = default_registry().get(provider)
    if not spec.emulator:
        raise ConfigurationError(
            f"provider {provider!r} ships no emulator; ask its plugin's authors, or test with "
            "httpx.MockTransport"
        )
    factory = load_object(spec.emulator, provider)
    app = factory(**options)
    if not isinstance(app, Emulator):
        raise ConfigurationError(
            f"provider {provider!r}: {spec.emulator} returned {type(app).__name__}, "
            "not a callswitch.emulators.Emulator"
        )
    if webhook_url is not None:
        assert webhook_secret is not None  # check_webhook_options
        app.set_webhooks(webhook_url, webhook_secret, duplicates=duplicate_webhooks)
    app.set_timers(answer_after=answer_after, end_after=end_after)
    return app


def _resolve(
    provider: str | Emulator, answer_after: float | None = None, end_after: float | None = None
) -> Emulator:
    if isinstance(provider, Emulator):
        if answer_after is not None or end_after is not None:
            provider.set_timers(answer_after=answer_after, end_after=end_after)
        return provider
    return create(provider, answer_after=answer_after, end_after=end_after)


def serve(
    provider: str | Emulator,
    *,
    port: int = 8123,
    host: str = "127.0.0.1",
    ready: Callable[[str], None] | None = None,
    answer_after: float | None = None,
    end_after: float | None = None,
) -> None:
    """Serve an emulator on ``host:port`` until interrupted (Ctrl-C).

    ``ready`` is called with the base URL once the socket is bound (useful with
    ``port=0``, which picks a free port). ``answer_after`` / ``end_after`` as for
    :func:`create`.
    """
    from callswitch.emulators._server import serve as _serve

    app = _resolve(provider, answer_after=answer_after, end_after=end_after)
    _serve(app, port=port, host=host, ready=ready)


@contextmanager
def running(provider: str | Emulator, *, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve an emulator in a background thread for the ``with`` block; yields its base URL.

    Pass an :class:`Emulator` (from :func:`create`) to keep a handle on its state. While
    it is served its timers are applied on time (calls end, webhooks go out) with no
    request needed; the ticker that does it stops with the block.
    """
    from callswitch.emulators._server import running as _running

    with _running(_resolve(provider), port=port, host=host) as base_url:
        yield base_url
