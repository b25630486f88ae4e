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

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import httpx

    from callswitch.capabilities import Capabilities, CapabilityMatrix
    from callswitch.client import Client
    from callswitch.models import Call
    from callswitch.registry import Registry

__all__ = ["capabilities_markdown", "main", "run"]

#: Exit codes.
EXIT_OK = 0
EXIT_PROVIDER = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: The header of the generated ``docs/capabilities.md``.
MARKDOWN_HEADER = """\
# Capabilities

<!-- Generated from the providers' declarations by
     `callswitch capabilities --format markdown > docs/capabilities.md`.
     Do not edit by hand: tests/docs checks that this file matches the declarations. -->

What each installed provider supports, as its plugin declares it. "conditional" means
supported under the condition given in that provider's table below. Each row names the
source the claim rests on, so that a stale claim can be found and checked again. Ask at
run time with `client.supports("control.inject_context")`; see
[Capability queries](capability-queries.md) for what happens to a request that needs a
capability the provider lacks.

"""


class _UsageError(Exception):
    """A command-line mistake argparse cannot see (a malformed ``k=v``, say)."""


# ------------------------------------------------------------------------ output helpers


class _Output:
    """Where a command writes: stdout for results, stderr for messages and progress."""

    def __init__(self, stdout: TextIO, stderr: TextIO, as_json: bool) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.as_json = as_json

    def line(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")

    def note(self, text: str) -> None:
        self.stderr.write(text + "\n")

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        self.stdout.write(format_table(headers, rows))


def _cell(value: object, width: int = 60) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain left-aligned text table; long cells are shortened with an ellipsis."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))]
    for row in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines) + "\n"


class Progress:
    """A one-line counter on stderr while a command pages through many calls.

    Shown only when stderr is a terminal, and only once the command has run for
    ``delay`` seconds (a short listing shows nothing). ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        stream: TextIO,
        label: str,
        *,
        delay: float = 0.5,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self._stream = stream
        self._label = label
        self._clock = clock
        self._start = clock()
        self._delay = delay
        self._interval = interval
        self._last = float("-inf")
        self._shown = False
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if not self.enabled:
            return
        now = self._clock()
        if now - self._start < self._delay or now - self._last < self._interval:
            return
        self._last = now
        self._shown = True
        self._stream.write(f"\r{self._label}: {self.count}")
        self._stream.flush()

    def done(self) -> None:
        if self._shown:
            self._stream.write("\r" + " " * (len(self._label) + 12) + "\r")
            self._stream.flush()


# ------------------------------------------------------------------------ argument parsing


def _pairs(values: Sequence[str] | None, flag: str) -> dict[str, str] | None:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``; None when the flag was not given."""
    if not values:
        return None
    result: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _UsageError(f"{flag} takes key=value, got {item!r}")
        result[key] = value
    return result


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # The same options on the main parser and on every subcommand, so that
    # `callswitch --json calls get X` and `callswitch calls get X --json` both work.
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--provider",
        default=default,
        help="provider to use (default: CALLSWITCH_PROVIDER or callswitch.toml)",
    )
    parser.add_argument(
        "--base-url",
        default=default,
        help="API base URL, e.g. an emulator's (default: CALLSWITCH_BASE_URL, the toml, "
        "or the vendor's)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print JSON for scripts instead of tables",
    )


def build_parser() -> argparse.ArgumentParser:
    from callswitch._version import __version__

    parser = argparse.ArgumentParser(
        prog="callswitch",
        description="One command line for AI voice-agent calls on any installed provider.",
        epilog="The API key comes from the provider's key variable (`callswitch providers` "
        "lists them); it is never printed.",
    )
    parser.add_argument("--version", action="version", version=f"callswitch {__version__}")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)

    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    sub.add_parser(
        "providers",
        parents=[common],
        help="installed providers, their package and version",
        description="List installed providers. A plugin that fails to load is listed with "
        "its error.",
    )

    caps = sub.add_parser(
        "capabilities",
        parents=[common],
        help="what each provider supports",
        description="The provider x capability table, from the providers' declarations.",
    )
    caps.add_argument(
        "--format",
        choices=("table", "json", "markdown"),
        default=None,
        help="output format (default: table, or json with --json)",
    )
    caps.add_argument(
        "--compare",
        nargs=2,
        metavar=("FROM", "TO"),
        help="what an app gains and loses moving from provider FROM to provider TO",
    )

    calls = sub.add_parser("calls", parents=[common], help="read, update and steer calls")
    calls_sub = calls.add_subparsers(dest="calls_command", metavar="ACTION")
    calls_sub.required = True

    get = calls_sub.add_parser("get", parents=[common], help="show one call")
    get.add_argument("call_id", metavar="ID")

    lst = calls_sub.add_parser("list", parents=[common], help="list calls, newest first")
    lst.add_argument("--limit", type=int, default=20, help="at most N calls (default 20)")
    lst.add_argument("--all", action="store_true", help="every call (pages through them all)")
    lst.add_argument(
        "--status",
        choices=("queued", "ringing", "ongoing", "ended", "failed"),
        help="only calls in this state (where the provider can filter)",
    )
    lst.add_argument("--agent", dest="agent_id", help="only calls of this agent")

    upd = calls_sub.add_parser(
        "update",
        parents=[common],
        help="change a call's record (CallUpdate)",
        description="Change what the call record holds. Fields the provider does not support "
        "are refused before anything is sent, unless --drop-unsupported.",
    )
    upd.add_argument("call_id", metavar="ID")
    upd.add_argument("--metadata", action="append", metavar="K=V", help="set a metadata key")
    upd.add_argument("--variable", action="append", metavar="K=V", help="set a dynamic variable")
    upd.add_argument(
        "--data-storage",
        choices=("everything", "everything_except_pii", "basic_attributes_only"),
        help="how much of the call the vendor keeps",
    )
    upd.add_argument(
        "--recording",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="turn recording on or off",
    )
    upd.add_argument(
        "--transcription",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="turn transcription on or off",
    )
    upd.add_argument("--greeting", help="the agent's first words")
    upd.add_argument("--name", help="a label for the call")
    upd.add_argument(
        "--drop-unsupported",
        action="store_true",
        help="send the supported fields and report the rest as dropped (privacy fields are "
        "never dropped)",
    )

    ctl = calls_sub.add_parser(
        "control",
        parents=[common],
        help="steer a call in progress (LiveControl)",
        description="Steer a call that is in progress now. Never retried once it may have "
        "reached the vendor.",
    )
    ctl.add_argument("call_id", metavar="ID")
    ctl.add_argument("--inject", metavar="TEXT", help="add TEXT to the agent's context")
    ctl.add_argument(
        "--trigger", action="store_true", help="make the agent respond now (to --inject)"
    )
    ctl.add_argument("--say", metavar="TEXT", help="make the agent say TEXT")
    ctl.add_argument("--end", action="store_true", help="hang up")
    ctl.add_argument("--transfer", metavar="DEST", help="transfer to an E.164 number or sip: URI")
    ctl.add_argument(
        "--mute",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="mute or unmute the agent",
    )
    ctl.add_argument("--variable", action="append", metavar="K=V", help="override a variable")
    ctl.add_argument(
        "--drop-unsupported",
        action="store_true",
        help="send the supported actions and report the rest as dropped",
    )

    emu = sub.add_parser(
        "emulate",
        parents=[common],
        help="serve a provider's local emulator",
        description="Serve PROVIDER's HTTP API from memory on 127.0.0.1 until interrupted.",
    )
    emu.add_argument("emulated", metavar="PROVIDER")
    emu.add_argument("--port", type=int, default=8123, help="port (default 8123; 0 picks one)")

    sub.add_parser(
        "demo",
        parents=[common],
        help="run one app flow across the emulated providers",
    )
    return parser


# ---------------------------------------------------------------------------- commands


class _Context:
    def __init__(
        self, args: argparse.Namespace, out: _Output, http_client: httpx.Client | None
    ) -> None:
        self.args = args
        self.out = out
        self.http_client = http_client

    def connect(self, *, drop: bool = False) -> Client:
        import callswitch
        from callswitch.config import load_file_config
        from callswitch.errors import ConfigurationError

        chosen = (
            self.args.provider
            or os.environ.get("CALLSWITCH_PROVIDER")
            or load_file_config().get("provider")
        )
        if not chosen:
            raise ConfigurationError(
                "no provider chosen: pass --provider NAME, set CALLSWITCH_PROVIDER, or set "
                'provider = "..." in callswitch.toml (callswitch providers lists the names)'
            )
        return callswitch.connect(
            self.args.provider,
            base_url=self.args.base_url,
            on_unsupported="drop" if drop else None,
            http_client=self.http_client,
        )


def _registry() -> Registry:
    from callswitch.registry import default_registry

    return default_registry()


def _dist_of(name: str) -> tuple[str, str]:
    """(package, version) of the distribution that installs provider ``name``."""
    from importlib.metadata import entry_points

    from callswitch.registry import ENTRY_POINT_GROUP

    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        if ep.dist is not None:
            return ep.dist.name, ep.dist.version
    return "", ""


def cmd_providers(ctx: _Context) -> int:
    from callswitch.errors import ConfigurationError

    registry = _registry()
    rows: list[dict[str, Any]] = []
    for name in registry.names():
        try:
            spec = registry.get(name)
        except ConfigurationError as exc:
            package, version = _dist_of(name)
            rows.append(
                {
                    "name": name,
                    "package": package,
                    "version": version,
                    "api_key_env": None,
                    "ok": False,
                    "error": str(exc),
                }
            )
            continue
        package, version = spec.package, spec.version
        if not package:
            package, version = _dist_of(name)
        rows.append(
            {
                "name": name,
                "package": package,
                "version": version,
                "api_key_env": spec.api_key_env,
                "ok": True,
                "error": None,
            }
        )
    if ctx.out.as_json:
        ctx.out.json(rows)
        return EXIT_OK
    if not rows:
        ctx.out.line("no providers installed")
        return EXIT_OK
    ctx.out.table(
        ("provider", "package", "version", "key variable", "status"),
        [
            (r["name"], r["package"] or "-", r["version"] or "-", r["api_key_env"] or "-", "ok")
            if r["ok"]
            else (r["name"], r["package"] or "-", r["version"] or "-", "-", "BROKEN")
            for r in rows
        ],
    )
    for r in rows:
        if not r["ok"]:
            ctx.out.note(f"{r['name']}: {r['error']}")
    return EXIT_OK


def _support_dict(caps: Capabilities) -> list[dict[str, Any]]:
    return [
        {
            "capability": row.name,
            "supported": row.supported,
            "condition": row.condition,
            "note": row.note,
            "source": row.source,
        }
        for row in caps
    ]


def capabilities_markdown(matrix: CapabilityMatrix) -> str:
    """The text of ``docs/capabilities.md`` for ``matrix``."""
    if not matrix.providers:
        return MARKDOWN_HEADER + "No provider is installed.\n"
    return MARKDOWN_HEADER + "## Overview\n\n" + matrix.to_markdown()


def _mark(supported: bool, condition: str | None) -> str:
    if not supported:
        return "no"
    return "yes*" if condition else "yes"


def cmd_capabilities(ctx: _Context) -> int:
    from callswitch.capabilities import Capability, CapabilityMatrix

    args = ctx.args
    fmt = args.format or ("json" if ctx.out.as_json else "table")
    registry = _registry()
    if args.compare:
        return _compare(ctx, fmt, args.compare[0], args.compare[1])
    if args.provider:
        specs = [registry.get(args.provider)]
        broken: dict[str, Exception] = {}
    else:
        specs = list(registry.all())
        broken = dict(registry.errors())
    matrix = CapabilityMatrix(tuple(spec.capabilities for spec in specs))
    for name, exc in sorted(broken.items()):
        ctx.out.note(f"callswitch: warning: provider {name} left out: {exc}")

    if fmt == "markdown":
        ctx.out.stdout.write(capabilities_markdown(matrix))
    elif fmt == "json":
        ctx.out.json({caps.provider: _support_dict(caps) for caps in matrix})
    elif len(matrix.providers) == 1:
        caps = matrix.providers[0]
        ctx.out.table(
            ("capability", "supported", "condition", "note", "source"),
            [
                (
                    row.name,
                    "yes" if row.supported else "no",
                    row.condition or "",
                    row.note,
                    row.source,
                )
                for row in caps
            ],
        )
    elif not matrix.providers:
        ctx.out.line("no provider could be loaded")
    else:
        ctx.out.table(
            ("capability", *matrix.names),
            [
                (cap.value, *(_mark(c[cap].supported, c[cap].condition) for c in matrix))
                for cap in Capability
            ],
        )
        ctx.out.line()
        ctx.out.line("yes* = supported with a condition; see: callswitch capabilities --provider P")
    return EXIT_PROVIDER if broken else EXIT_OK


def _compare(ctx: _Context, fmt: str, old: str, new: str) -> int:
    from callswitch.capabilities import Capability, CapabilityMatrix

    registry = _registry()
    a, b = registry.get(old), registry.get(new)
    matrix = CapabilityMatrix((a.capabilities, b.capabilities))
    gained, lost = matrix.compare(old, new)
    changed = [
        cap
        for cap in Capability
        if a.capabilities[cap].supported
        and b.capabilities[cap].supported
        and a.capabilities[cap].condition != b.capabilities[cap].condition
    ]
    if fmt == "json":
        ctx.out.json(
            {
                "from": old,
                "to": new,
                "gained": [c.value for c in gained],
                "lost": [c.value for c in lost],
                "conditions_changed": [
                    {
                        "capability": c.value,
                        "from": a.capabilities[c].condition,
                        "to": b.capabilities[c].condition,
                    }
                    for c in changed
                ],
            }
        )
        return EXIT_OK
    rows: list[tuple[str, str, str]] = []
    rows += [("gained", c.value, b.capabilities[c].note) for c in gained]
    rows += [("lost", c.value, a.capabilities[c].note) for c in lost]
    rows += [
        (
            "condition",
            c.value,
            f"{a.capabilities[c].condition or 'none'} -> {b.capabilities[c].condition or 'none'}",
        )
        for c in changed
    ]
    if fmt == "markdown":
        ctx.out.line("| change | capability | note |\n|---|---|---|")
        for change, cap_name, note in rows:
            ctx.out.line(f"| {change} | `{cap_name}` | {note.replace('|', chr(92) + '|')} |")
        return EXIT_OK
    ctx.out.line(f"Moving from {old} to {new}:")
    if not rows:
        ctx.out.line("no capability changes")
        return EXIT_OK
    ctx.out.table(("change", "capability", "note"), rows)
    return EXIT_OK


def _call_dict(call: Call) -> dict[str, Any]:
    # The web-call access token is a credential for joining the call, and raw may repeat
    # it: neither is printed.
    data: dict[str, Any] = call.model_dump(mode="json", exclude={"raw", "access_token"})
    return data


def _show_call(out: _Output, call: Call) -> None:
    data = _call_dict(call)
    transcript = data.pop("transcript")
    for key, value in data.items():
        if value in (None, {}, []):
            continue
        if key == "cost":
            value = f"{value['amount']} {value['currency']}"
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        out.line(f"{key.replace('_', ' ') + ':':<16}{value}")
    if transcript:
        out.line("transcript:")
        for utt in transcript:
            out.line(f"  {utt['role']}: {utt['text']}")


def cmd_calls_get(ctx: _Context) -> int:
    with ctx.connect() as client:
        call = client.calls.get(ctx.args.call_id)
    if ctx.out.as_json:
        ctx.out.json(_call_dict(call))
    else:
        _show_call(ctx.out, call)
    return EXIT_OK


def _listing(client: Client, args: argparse.Namespace) -> Iterator[Call]:
    if args.limit is not None and args.limit < 1 and not args.all:
        raise _UsageError("--limit must be at least 1 (or use --all)")
    filters: dict[str, Any] = {}
    if args.status:
        from callswitch.models import CallStatus

        filters["status"] = CallStatus(args.status)
    if args.agent_id:
        filters["agent_id"] = args.agent_id
    return client.calls.list(limit=None if args.all else args.limit, **filters)


def cmd_calls_list(ctx: _Context) -> int:
    progress = Progress(ctx.out.stderr, "fetching calls")
    calls: list[Call] = []
    with ctx.connect() as client:
        try:
            for call in _listing(client, ctx.args):
                calls.append(call)
                progress.tick()
        finally:
            progress.done()
    if ctx.out.as_json:
        ctx.out.json([_call_dict(c) for c in calls])
        return EXIT_OK
    if not calls:
        ctx.out.line("no calls")
        return EXIT_OK
    ctx.out.table(
        ("id", "status", "kind", "created", "agent", "to"),
        [
            (
                c.id,
                c.status.value,
                c.kind.value,
                c.created_at.isoformat(timespec="seconds") if c.created_at else "",
                c.agent_id or "",
                c.to_number or "",
            )
            for c in calls
        ],
    )
    return EXIT_OK


def _report(
    ctx: _Context, call_id: str, applied: Sequence[str], dropped: Sequence[str], call: Any
) -> None:
    if ctx.out.as_json:
        payload: dict[str, Any] = {
            "call_id": call_id,
            "applied": list(applied),
            "dropped": list(dropped),
        }
        if call is not None:
            payload["call"] = _call_dict(call)
        ctx.out.json(payload)
        return
    ctx.out.line(f"applied: {', '.join(applied) or 'nothing'}")
    if dropped:
        ctx.out.line(f"dropped: {', '.join(dropped)} (not supported by this provider)")


@contextlib.contextmanager
def _quiet_drops() -> Iterator[None]:
    # With --drop-unsupported the dropped fields are printed from the result; the library's
    # warning would say the same thing again.
    import warnings

    from callswitch.errors import UnsupportedCapabilityWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsupportedCapabilityWarning)
        yield


def cmd_calls_update(ctx: _Context) -> int:
    from callswitch.models import CallUpdate

    args = ctx.args
    fields: dict[str, Any] = {
        "metadata": _pairs(args.metadata, "--metadata"),
        "variables": _pairs(args.variable, "--variable"),
        "data_storage": args.data_storage,
        "recording_enabled": args.recording,
        "transcription_enabled": args.transcription,
        "greeting": args.greeting,
        "name": args.name,
    }
    given = {k: v for k, v in fields.items() if v is not None}
    if not given:
        raise _UsageError(
            "calls update needs at least one change (--metadata, --variable, --data-storage, "
            "--recording/--no-recording, --transcription/--no-transcription, --greeting, --name)"
        )
    update = CallUpdate(**given)
    with _quiet_drops(), ctx.connect(drop=args.drop_unsupported) as client:
        result = client.calls.update(args.call_id, update)
    _report(ctx, args.call_id, result.applied, result.dropped, result.call)
    return EXIT_OK


def cmd_calls_control(ctx: _Context) -> int:
    from callswitch.models import LiveControl

    args = ctx.args
    fields: dict[str, Any] = {
        "inject_context": args.inject,
        "trigger_response": True if args.trigger else None,
        "variables": _pairs(args.variable, "--variable"),
        "say": args.say,
        "end_call": True if args.end else None,
        "transfer_to": args.transfer,
        "mute_assistant": args.mute,
    }
    given = {k: v for k, v in fields.items() if v is not None}
    if not given:
        raise _UsageError(
            "calls control needs at least one action (--inject, --trigger, --say, --end, "
            "--transfer, --mute/--no-mute, --variable)"
        )
    control = LiveControl(**given)
    with _quiet_drops(), ctx.connect(drop=args.drop_unsupported) as client:
        result = client.calls.control(args.call_id, control)
    _report(ctx, args.call_id, result.applied, result.dropped, None)
    return EXIT_OK


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

    def ready(base_url: str) -> None:
        ctx.out.note(
            f"serving the {name} emulator on {base_url} (Ctrl-C stops it); point a client at "
            f"it with --base-url {base_url} or CALLSWITCH_BASE_URL={base_url}"
        )

    serve(name, port=port, ready=ready)
    return EXIT_OK


def cmd_demo(ctx: _Context) -> int:
    import importlib
    import importlib.util

    from callswitch.errors import ConfigurationError

    if importlib.util.find_spec("callswitch.demo") is None:
        raise ConfigurationError(
            "the demo is not part of this installation (callswitch.demo is missing)"
        )
    demo = importlib.import_module("callswitch.demo")
    code = demo.main(["--json"] if ctx.args.json else [], stdout=ctx.out.stdout)
    return int(code) if isinstance(code, int) else EXIT_OK


_COMMANDS: dict[tuple[str, str | None], Callable[[_Context], int]] = {
    ("providers", None): cmd_providers,
    ("capabilities", None): cmd_capabilities,
    ("calls", "get"): cmd_calls_get,
    ("calls", "list"): cmd_calls_list,
    ("calls", "update"): cmd_calls_update,
    ("calls", "control"): cmd_calls_control,
    ("emulate", None): cmd_emulate,
    ("demo", None): cmd_demo,
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
    command = _COMMANDS[(args.command, getattr(args, "calls_command", None))]
    try:
        return command(_Context(args, out, http_client))
    except (CallswitchError, _UsageError) as exc:
        from callswitch.errors import UnsupportedCapabilityError

        message = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, UnsupportedCapabilityError):
            message += " On the command line, --drop-unsupported sends the supported part."
        err_stream.write(f"callswitch: error: {message}\n")
        return _exit_code(exc)
    except KeyboardInterrupt:
        err_stream.write("callswitch: interrupted\n")
        return EXIT_INTERRUPTED


def main(argv: Sequence[str] | None = None) -> int:
    """The ``callswitch`` console script."""
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
