"""The ``callswitch`` command: providers, capabilities, calls, emulators and the demo.

Built on :mod:`argparse` rather than Click or Typer: the command is small (a handful of
subcommands and flags), argparse is in the standard library so the core keeps its four
runtime dependencies, and it costs nothing at import time. Everything heavier (the
client, httpx connections, the emulators) is imported inside the command that needs it.

Output is a readable table for people and JSON with ``--json`` for scripts. Every
:class:`~callswitch.errors.CallswitchError` becomes one line on stderr and an exit code:
2 for usage and configuration problems (a bad flag, no key, an unknown provider, a
request the provider cannot take), 1 for a vendor or network failure. The provider and
API key come from the same configuration as the library (``CALLSWITCH_PROVIDER``, the
provider's key variable, ``callswitch.toml``); there is deliberately no ``--api-key``
flag, because a key on a command line ends up in shell history and process lists.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from callswitch.cli._calls import (
    cmd_calls_control,
    cmd_calls_create,
    cmd_calls_delete,
    cmd_calls_end,
    cmd_calls_get,
    cmd_calls_list,
    cmd_calls_update,
    cmd_calls_wait,
)
from callswitch.cli._campaign import cmd_campaign_run, cmd_campaign_status
from callswitch.cli._catalog import (
    MARKDOWN_HEADER,
    capabilities_markdown,
    cmd_capabilities,
    cmd_providers,
)
from callswitch.cli._common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PROVIDER,
    EXIT_USAGE,
    Progress,
    _Context,
    _Output,
    _UsageError,
    format_table,
)
from callswitch.cli._local import cmd_demo, cmd_emulate
from callswitch.cli._parser import build_parser
from callswitch.cli._webhooks import cmd_webhooks_listen

if TYPE_CHECKING:
    import httpx

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PROVIDER",
    "EXIT_USAGE",
    "MARKDOWN_HEADER",
    "Progress",
    "build_parser",
    "capabilities_markdown",
    "format_table",
    "main",
    "run",
]

_COMMANDS: dict[tuple[str, str | None], Callable[[_Context], int]] = {
    ("providers", None): cmd_providers,
    ("capabilities", None): cmd_capabilities,
    ("calls", "get"): cmd_calls_get,
    ("calls", "list"): cmd_calls_list,
    ("calls", "update"): cmd_calls_update,
    ("calls", "control"): cmd_calls_control,
    ("calls", "create"): cmd_calls_create,
    ("calls", "end"): cmd_calls_end,
    ("calls", "delete"): cmd_calls_delete,
    ("calls", "wait"): cmd_calls_wait,
    ("campaign", "run"): cmd_campaign_run,
    ("campaign", "status"): cmd_campaign_status,
    ("emulate", None): cmd_emulate,
    ("demo", None): cmd_demo,
    ("webhooks", "listen"): cmd_webhooks_listen,
}


# ---------------------------------------------------------------------------- entry points


def _exit_code(exc: BaseException) -> int:
    from callswitch.errors import ConfigurationError, InvalidRequestError

    if isinstance(exc, ConfigurationError | InvalidRequestError | _UsageError):
        return EXIT_USAGE
    return EXIT_PROVIDER


def run(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    http_client: httpx.Client | None = None,
) -> int:
    """Run the command line ``argv`` and return the exit code.

    ``http_client`` (an ``httpx.Client``, e.g. on a mock or emulator transport) is handed
    to :func:`callswitch.connect`; tests and embedding applications use it.
    """
    from callswitch.errors import CallswitchError

    out_stream = stdout if stdout is not None else sys.stdout
    err_stream = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out_stream), contextlib.redirect_stderr(err_stream):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    out = _Output(out_stream, err_stream, bool(args.json))
    action = (
        getattr(args, "calls_command", None)
        or getattr(args, "campaign_command", None)
        or getattr(args, "webhooks_command", None)
    )
    command = _COMMANDS[(args.command, action)]
    try:
        return command(_Context(args, out, http_client))
    except (CallswitchError, _UsageError) as exc:
        from callswitch.errors import UnsupportedCapabilityError

        message = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, UnsupportedCapabilityError) and hasattr(args, "drop_unsupported"):
            message += " On the command line, --drop-unsupported sends the supported part."
        err_stream.write(f"callswitch: error: {message}\n")
        return _exit_code(exc)
    except KeyboardInterrupt:
        err_stream.write("callswitch: interrupted\n")
        return EXIT_INTERRUPTED


def main(argv: Sequence[str] | None = None) -> int:
    """The ``callswitch`` console script."""
    return run(argv)
