"""The one argument parser of the ``callswitch`` command."""

from __future__ import annotations

import argparse
from typing import Any


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


def _lifecycle_commands(calls_sub: Any, common: argparse.ArgumentParser) -> None:
    """``calls create``, ``end``, ``delete`` and ``wait``."""
    new = calls_sub.add_parser(
        "create",
        parents=[common],
        help="start a phone call (or a web call with --web)",
        description="Start an outbound phone call to --to, or with --web a web call. Never "
        "retried once it may have reached the vendor, so a number is never dialled twice.",
    )
    new.add_argument("--to", dest="to_number", metavar="NUMBER", help="E.164 number to call")
    new.add_argument(
        "--from", dest="from_number", metavar="NUMBER", help="caller id, an E.164 number"
    )
    new.add_argument("--agent", dest="agent_id", metavar="ID", help="the agent to run the call")
    new.add_argument(
        "--web", action="store_true", help="create a web call (needs --agent, takes no --to)"
    )
    new.add_argument("--variable", action="append", metavar="K=V", help="a dynamic variable")
    new.add_argument("--metadata", action="append", metavar="K=V", help="a metadata key")

    end = calls_sub.add_parser("end", parents=[common], help="hang up a call in progress")
    end.add_argument("call_id", metavar="ID")

    delete = calls_sub.add_parser(
        "delete", parents=[common], help="delete a call's record (does not hang up)"
    )
    delete.add_argument("call_id", metavar="ID")

    wait = calls_sub.add_parser(
        "wait",
        parents=[common],
        help="wait until a call reaches a status",
        description="Poll the call until its status is one of --until. Exits 1 when the call "
        "ends in a status not waited for, or when --timeout passes.",
    )
    wait.add_argument("call_id", metavar="ID")
    wait.add_argument(
        "--until",
        action="append",
        required=True,
        choices=("queued", "ringing", "ongoing", "ended", "failed"),
        help="a status to wait for (repeatable: any of them will do)",
    )
    wait.add_argument(
        "--timeout", type=float, default=120.0, help="give up after SECONDS (default 120)"
    )
    wait.add_argument(
        "--poll-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="fixed seconds between polls (default: backoff from 0.5 s up to 5 s)",
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
    lst.add_argument(
        "--direction", choices=("inbound", "outbound"), help="only inbound or outbound calls"
    )
    lst.add_argument(
        "--created-after",
        metavar="WHEN",
        help="only calls created after WHEN, ISO 8601 with an offset (2026-04-05T10:00:00Z)",
    )
    lst.add_argument(
        "--created-before",
        metavar="WHEN",
        help="only calls created before WHEN, ISO 8601 with an offset",
    )

    _lifecycle_commands(calls_sub, common)

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

    _campaign_parser(sub, common)

    emu = sub.add_parser(
        "emulate",
        parents=[common],
        help="serve a provider's local emulator",
        description="Serve PROVIDER's HTTP API from memory on 127.0.0.1 until interrupted.",
    )
    emu.add_argument("emulated", metavar="PROVIDER")
    emu.add_argument("--port", type=int, default=8123, help="port (default 8123; 0 picks one)")
    emu.add_argument(
        "--answer-after",
        type=float,
        metavar="SECONDS",
        help="answer a created call (make it ongoing) after SECONDS, like a callee",
    )
    emu.add_argument(
        "--end-after",
        type=float,
        metavar="SECONDS",
        help="end an ongoing call SECONDS after it became ongoing, as if the callee hung up",
    )
    emu.add_argument(
        "--webhook-url",
        metavar="URL",
        help="POST the vendor's signed webhook here on each call status change",
    )
    emu.add_argument(
        "--webhook-secret",
        metavar="S",
        help="secret the webhooks are signed with (default: $CALLSWITCH_WEBHOOK_SECRET)",
    )
    emu.add_argument(
        "--duplicate-webhooks",
        type=int,
        default=0,
        metavar="N",
        help="send N extra copies of each webhook, to exercise de-duplication",
    )

    hooks = sub.add_parser(
        "webhooks",
        help="receive webhooks locally",
        description="Developer tools for webhooks.",
    )
    hooks_sub = hooks.add_subparsers(dest="webhooks_command", metavar="COMMAND", required=True)
    listen = hooks_sub.add_parser(
        "listen",
        parents=[common],
        help="print each verified webhook event",
        description="Run a webhook Receiver on 127.0.0.1 (POST /<provider>) and print each "
        "verified event, once, as a table row (or a JSON line with --json). Secrets come "
        "from <PROVIDER>_WEBHOOK_SECRET (for Retell, which signs with the API key, "
        "RETELL_API_KEY also works); providers without one are not served.",
    )
    listen.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    listen.add_argument(
        "--store",
        metavar="PATH",
        help="SQLite file that remembers handled events across restarts (default: memory)",
    )

    demo = sub.add_parser(
        "demo",
        help="run one app flow across the emulated providers",
        description="Run one app flow on each emulated provider (no key, no network) and "
        "compare what each did.",
    )
    demo.add_argument(
        "--provider",
        action="append",
        dest="demo_providers",
        metavar="NAME",
        help="run only this provider (repeatable; default: every one with an emulator)",
    )
    demo.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print JSON for scripts instead of tables",
    )
    return parser


def _campaign_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    camp = sub.add_parser("campaign", parents=[common], help="dial a list, resumably")
    camp_sub = camp.add_subparsers(dest="campaign_command", metavar="ACTION")
    camp_sub.required = True
    run = camp_sub.add_parser(
        "run",
        parents=[common],
        help="dial every row of a CSV file within the vendor's limits",
        description="Dial each row of TARGETS (columns: to_number, and optional key, "
        "from_number, agent_id, var.<name>, meta.<name>) at most once per campaign name. "
        "Ctrl-C stops; the same command again resumes from the journal.",
    )
    run.add_argument("targets", metavar="TARGETS.csv")
    run.add_argument("--name", required=True, help="the campaign's name (its journal key)")
    run.add_argument("--journal", default="campaigns.db", help="journal file (campaigns.db)")
    run.add_argument("--max-concurrent", type=int, default=10, help="calls live at once (10)")
    run.add_argument("--rate", type=float, default=1.0, help="creates per second (1.0)")
    run.add_argument("--from-number", help="caller id for rows without from_number")
    run.add_argument("--agent-id", help="agent for rows without agent_id")
    run.add_argument(
        "--redial-unknown",
        action="store_true",
        help="dial again rows whose earlier create may or may not have placed a call",
    )
    status = camp_sub.add_parser(
        "status", parents=[common], help="show a campaign's rows from its journal"
    )
    status.add_argument("--name", required=True, help="the campaign's name")
    status.add_argument("--journal", default="campaigns.db", help="journal file (campaigns.db)")
