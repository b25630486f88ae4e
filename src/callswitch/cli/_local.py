"""``callswitch emulate`` and ``callswitch demo``: local, keyless commands."""

from __future__ import annotations

from typing import Any

from callswitch.cli._common import EXIT_OK, _Context, _registry, _UsageError


def cmd_emulate(ctx: _Context) -> int:
    import importlib
    import importlib.util

    from callswitch.errors import ConfigurationError

    name = ctx.args.emulated
    _registry().get(name)  # a clear error for an unknown or broken provider
    if importlib.util.find_spec("callswitch.emulators") is None:
        raise ConfigurationError(
            "the emulators are not part of this installation (callswitch.emulators is missing)"
        )
    try:
        emulators = importlib.import_module("callswitch.emulators")
    except ImportError as exc:
        raise ConfigurationError(
            f"the emulators need extra packages ({exc}); install them with "
            "pip install 'callswitch[emulator]'"
        ) from exc
    serve = getattr(emulators, "serve", None)
    if serve is None:
        raise ConfigurationError("callswitch.emulators has no serve(); upgrade callswitch")
    port = ctx.args.port
    if not 0 <= port <= 65535:
        raise _UsageError(f"--port must be between 0 and 65535, got {port}")

    if port:
        _check_port_free(port)

    def ready(base_url: str) -> None:
        ctx.out.note(
            f"serving the {name} emulator on {base_url} (Ctrl-C stops it); point a client at "
            f"it with --base-url {base_url} or CALLSWITCH_BASE_URL={base_url}"
        )

    # Passed only when given, so the flags need no newer serve() than they use.
    timers = {
        key: value
        for key, value in (
            ("answer_after", ctx.args.answer_after),
            ("end_after", ctx.args.end_after),
        )
        if value is not None
    }
    if timers:
        from callswitch.emulators._network import check_delay

        for key, value in timers.items():
            try:
                check_delay(key, value)
            except ValueError as exc:
                flag = "--" + key.replace("_", "-")
                raise _UsageError(f"{flag} {str(exc).split(' ', 1)[1]}") from None
    target: Any = name
    if ctx.args.webhook_url is not None or ctx.args.duplicate_webhooks:
        import os

        # From the environment by default: a flag's value ends up in shell history.
        secret = ctx.args.webhook_secret or os.environ.get("CALLSWITCH_WEBHOOK_SECRET")
        if ctx.args.webhook_url is None:
            raise _UsageError("--duplicate-webhooks needs --webhook-url (where to send them)")
        if not secret:
            raise _UsageError(
                "--webhook-url needs a signing secret: set CALLSWITCH_WEBHOOK_SECRET (or pass "
                "--webhook-secret S); for Retell use the API key your receiver verifies with"
            )
        target = emulators.create(
            name,
            **timers,
            webhook_url=ctx.args.webhook_url,
            webhook_secret=secret,
            duplicate_webhooks=ctx.args.duplicate_webhooks,
        )
    elif ctx.args.webhook_secret is not None:
        raise _UsageError("--webhook-secret needs --webhook-url (where to send the webhooks)")
    try:
        # An emulator built here already has its timers; a name gets them from serve().
        serve(target, port=port, ready=ready, **({} if target is not name else timers))
    except SystemExit as exc:
        # uvicorn exits (code 3) when it cannot bind: another process took the port
        # between the check above and the server's own bind.
        raise _UsageError(_port_message(port, "it is already in use")) from exc
    return EXIT_OK


def _port_message(port: int, why: str) -> str:
    return (
        f"cannot serve on 127.0.0.1:{port}: {why}; stop what is listening there, or choose "
        "another port with --port N (--port 0 picks a free one)"
    )


def _check_port_free(port: int) -> None:
    """A clear error now rather than the server's own log line and exit code later."""
    import errno
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server binds (SO_REUSEADDR): a port left in TIME_WAIT is free for it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise _UsageError(_port_message(port, "it is already in use")) from None
            raise _UsageError(_port_message(port, exc.strerror or str(exc))) from None


def cmd_demo(ctx: _Context) -> int:
    import importlib
    import importlib.util

    from callswitch.errors import ConfigurationError

    if importlib.util.find_spec("callswitch.cli.demo") is None:
        raise ConfigurationError(
            "the demo is not part of this installation (callswitch.cli.demo is missing)"
        )
    demo = importlib.import_module("callswitch.cli.demo")
    # `callswitch --provider P demo` and `callswitch demo --provider P ...` both choose.
    chosen = [ctx.args.provider] if ctx.args.provider else []
    chosen += ctx.args.demo_providers or []
    code = demo.show(chosen or None, as_json=bool(ctx.args.json), stdout=ctx.out.stdout)
    return int(code) if isinstance(code, int) else EXIT_OK
