"""Local emulators of the vendors' HTTP APIs, served from memory (like moto for AWS).

Each provider plugin contributes its emulator (``ProviderSpec.emulator``); this package
knows no vendor. Three ways to use one::

    from callswitch import emulators

    emu = emulators.create("vapi")               # in process, no socket
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
    from callswitch.emulators._errors import CallNotFound, ConnectionDropped, JSONBodyError
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
    "create",
    "running",
    "serve",
]


def create(
    provider: str,
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    duplicate_webhooks: int = 0,
    **options: Any,
) -> Emulator:
    """A new, empty emulator for ``provider`` (found through its plugin's spec).

    With ``webhook_url`` the emulator POSTs the vendor's own webhook, signed with
    ``webhook_secret`` the vendor's way, on each change of a call's status (started,
    ended, analysed where the vendor sends that), from a background thread, at least
    once (non-2xx answers are retried), plus ``duplicate_webhooks`` extra copies of each
    (:meth:`Emulator.set_webhooks`). Other ``options`` go to the plugin's factory; every
    emulator accepts ``api_key=`` (accept only that bearer key; by default any non-empty
    key is accepted).
    """
    from callswitch.emulators._webhooks import check_webhook_options
    from callswitch.provider import load_object
    from callswitch.registry import default_registry

    # Checked before the plugin is loaded: bad options are the caller's mistake.
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
    return app


def _resolve(provider: str | Emulator) -> Emulator:
    return provider if isinstance(provider, Emulator) else create(provider)


def serve(
    provider: str | Emulator,
    *,
    port: int = 8123,
    host: str = "127.0.0.1",
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve an emulator on ``host:port`` until interrupted (Ctrl-C).

    ``ready`` is called with the base URL once the socket is bound (useful with
    ``port=0``, which picks a free port).
    """
    from callswitch.emulators._server import serve as _serve

    _serve(_resolve(provider), port=port, host=host, ready=ready)


@contextmanager
def running(provider: str | Emulator, *, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve an emulator in a background thread for the ``with`` block; yields its base URL.

    Pass an :class:`Emulator` (from :func:`create`) to keep a handle on its state.
    """
    from callswitch.emulators._server import running as _running

    with _running(_resolve(provider), port=port, host=host) as base_url:
        yield base_url
