"""``callswitch webhooks listen``: a local Receiver that prints each verified event."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from callswitch.cli._common import EXIT_OK, _Context, _registry, _UsageError

if TYPE_CHECKING:
    from callswitch.webhooks import CallEvent, Receiver

__all__ = ["cmd_webhooks_listen", "listen_receiver", "secrets_from_env"]

_COLUMNS = (("time", 8), ("provider", 8), ("type", 18), ("call", 26), ("event", 32))


def secrets_from_env(environ: Mapping[str, str]) -> dict[str, str]:
    """``{provider: secret}`` for every provider with webhook rules and a secret set.

    ``<PROVIDER>_WEBHOOK_SECRET``; for a provider whose rules sign with the API key
    (``signs_with_api_key``, Retell), the provider's API key variable also works.
    """
    from callswitch.webhooks._api import load_rules

    found: dict[str, str] = {}
    registry = _registry()
    for name in registry.names():
        spec = registry.get(name)
        if not spec.webhooks:
            continue
        secret = environ.get(f"{name.upper()}_WEBHOOK_SECRET")
        if not secret and getattr(load_rules(name), "signs_with_api_key", False):
            secret = environ.get(spec.api_key_env)
        if secret:
            found[name] = secret
    return found


def _row(event: CallEvent) -> list[str]:
    when = event.occurred_at.strftime("%H:%M:%S")
    return [when, event.provider, event.type.value, event.call_id or "-", event.key]


def _json_line(event: CallEvent) -> str:
    return json.dumps(
        {
            "received_at": event.occurred_at.isoformat(),
            "provider": event.provider,
            "type": event.type.value,
            "raw_type": event.raw_type,
            "call_id": event.call_id,
            "key": event.key,
        },
        separators=(",", ":"),
    )


def listen_receiver(
    secrets: Mapping[str, str], stdout: TextIO, *, as_json: bool, store_path: str | None
) -> Receiver:
    """The Receiver ``listen`` serves: one handler printing each event once."""
    from callswitch.webhooks import MemoryStore, Receiver, SQLiteStore

    store: Any = SQLiteStore(store_path) if store_path else MemoryStore()
    receiver = Receiver(secrets=dict(secrets), store=store)
    lock = threading.Lock()

    @receiver.on()
    def show(event: CallEvent) -> None:
        if as_json:
            text = _json_line(event)
        else:
            text = "  ".join(v.ljust(w) for v, (_, w) in zip(_row(event), _COLUMNS, strict=True))
        with lock:
            stdout.write(text.rstrip() + "\n")
            stdout.flush()

    return receiver


def cmd_webhooks_listen(ctx: _Context) -> int:
    import uvicorn

    port = ctx.args.port
    if not 0 <= port <= 65535:
        raise _UsageError(f"--port must be between 0 and 65535, got {port}")
    secrets = secrets_from_env(os.environ)
    if not secrets:
        names = ", ".join(f"{n.upper()}_WEBHOOK_SECRET" for n in _registry().names())
        raise _UsageError(
            f"no webhook secret in the environment: set one of {names} (Retell signs with "
            "your API key: RETELL_API_KEY works too)"
        )
    receiver = listen_receiver(
        secrets, ctx.out.stdout, as_json=ctx.out.as_json, store_path=ctx.args.store
    )
    config = uvicorn.Config(
        receiver.asgi(),
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    original_startup = server.startup

    async def startup(sockets: Any = None) -> None:
        await original_startup(sockets=sockets)
        if server.started:
            bound = server.servers[0].sockets[0].getsockname()[1]
            paths = ", ".join(f"/{name}" for name in sorted(secrets))
            ctx.out.note(f"listening on http://127.0.0.1:{bound} ({paths}); Ctrl-C stops")
            if not ctx.out.as_json:
                header = "  ".join(h.ljust(w) for h, w in _COLUMNS).rstrip()
                ctx.out.stdout.write(header + "\n")
                ctx.out.stdout.flush()

    server.startup = startup  # type: ignore[method-assign]
    server.run()
    return EXIT_OK
