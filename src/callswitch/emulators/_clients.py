"""Reaching an emulator: in-process transports, callswitch clients, environment variables."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from callswitch.emulators._transport import AsyncEmulatorTransport, EmulatorTransport

__all__ = ["ClientFactory", "env_for"]


class ClientFactory:
    """Builds transports and clients into one emulator's ASGI ``app``, and closes them."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.RLock()
        self._transport: EmulatorTransport | None = None
        self._http_clients: list[httpx.Client] = []

    def transport(self) -> EmulatorTransport:
        """A sync httpx transport into the app, shared by everything that asks."""
        with self._lock:
            if self._transport is None:
                self._transport = EmulatorTransport(self._app)
            return self._transport

    def async_transport(self) -> AsyncEmulatorTransport:
        """A new async httpx transport into the app."""
        return AsyncEmulatorTransport(self._app)

    def connect(
        self, name: str, base_url: str, *, in_process: bool, api_key: str, **options: Any
    ) -> Any:
        import callswitch

        if in_process and "http_client" not in options:
            client = httpx.Client(transport=self.transport())
            with self._lock:
                self._http_clients.append(client)
            options["http_client"] = client
        if in_process:
            # The in-process transport never leaves the process, so http:// sends no key
            # over any network.
            options.setdefault("allow_insecure_http", True)
        return callswitch.connect(name, api_key=api_key, base_url=base_url, **options)

    def connect_async(
        self, name: str, base_url: str, *, in_process: bool, api_key: str, **options: Any
    ) -> Any:
        import callswitch

        if in_process and "http_client" not in options:
            options["http_client"] = httpx.AsyncClient(transport=self.async_transport())
        if in_process:
            options.setdefault("allow_insecure_http", True)  # as in connect()
        return callswitch.connect_async(name, api_key=api_key, base_url=base_url, **options)

    def close(self) -> None:
        with self._lock:
            clients, self._http_clients = self._http_clients, []
            transport, self._transport = self._transport, None
        for client in clients:
            client.close()
        if transport is not None:
            transport.close()


def env_for(name: str, socket_url: str, api_key: str) -> dict[str, str]:
    """Environment variables that point ``callswitch.connect()`` at ``socket_url``."""
    from callswitch.registry import default_registry

    key_env = default_registry().get(name).api_key_env
    return {
        "CALLSWITCH_PROVIDER": name,
        "CALLSWITCH_BASE_URL": socket_url,
        key_env: api_key,
    }
