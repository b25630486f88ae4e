"""The old home of ``callswitch demo``, kept so that ``callswitch.demo`` imports and
``python -m callswitch.demo`` still work. The demo lives in :mod:`callswitch.cli.demo`."""

from __future__ import annotations

import sys

from callswitch.cli.demo import (
    AGENT_ID,
    CONTEXT,
    FROM_NUMBER,
    METADATA,
    NEW_VARIABLES,
    STEPS,
    TO_NUMBER,
    VARIABLES,
    EmulatorWorld,
    Outcome,
    ProviderRun,
    Reason,
    demo_providers,
    main,
    render_json,
    render_text,
    run_demo,
    run_flow,
    show,
    summarize,
)

__all__ = [
    "AGENT_ID",
    "CONTEXT",
    "FROM_NUMBER",
    "METADATA",
    "NEW_VARIABLES",
    "STEPS",
    "TO_NUMBER",
    "VARIABLES",
    "EmulatorWorld",
    "Outcome",
    "ProviderRun",
    "Reason",
    "demo_providers",
    "main",
    "render_json",
    "render_text",
    "run_demo",
    "run_flow",
    "show",
    "summarize",
]

if __name__ == "__main__":
    from callswitch.cli import main as cli_main

    sys.exit(cli_main(["demo", *sys.argv[1:]]))
