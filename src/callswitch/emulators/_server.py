"""Serving an emulator on a socket with uvicorn: blocking, or in a background thread.

uvicorn runs the emulator's ASGI lifespan, whose startup starts the emulator's ticker
(timers applied on time, as by the vendor) and whose shutdown stops it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from callswitch.emulators._app import Emulator

__all__ = ["running", "serve"]


def _server(app: Emulator, host: str, port: int) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http="h11",
        ws="none",
        lifespan="on",  # the emulator's lifespan runs its ticker (timers applied on time)
        log_config=None,  # leave the application's logging alone
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


def _bound_url(server: Any, host: str) -> str:
    port = server.servers[0].sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(
    app: Emulator,
    *,
    port: int = 8123,
    host: str = "127.0.0.1",
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``app`` until interrupted (Ctrl-C). ``ready`` gets the base URL once bound."""
    server = _server(app, host, port)

    if ready is not None:
        original_startup = server.startup

        async def startup(sockets: Any = None) -> None:
            await original_startup(sockets=sockets)
            if server.started:
                app.socket_url = _bound_url(server, host)
                ready(app.socket_url)

        server.startup = startup
    try:
        server.run()
    finally:
        app.socket_url = None


@contextmanager
def running(
    app: Emulator, *, port: int = 0, host: str = "127.0.0.1", start_timeout: float = 10.0
) -> Iterator[str]:
    """Serve ``app`` in a daemon thread while the block runs; yields the base URL."""
    server = _server(app, host, port)
    thread = threading.Thread(target=server.run, name=f"callswitch-emulator-{app.name}")
    thread.daemon = True
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive():
            raise OSError(
                f"the {app.name} emulator could not start on {host}:{port} "
                "(is the port in use?); pick another port or port=0 for any free one"
            )
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError(f"the {app.name} emulator did not start in {start_timeout} s")
        time.sleep(0.005)
    app.socket_url = _bound_url(server, host)
    try:
        yield app.socket_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.socket_url = None
