"""``callswitch demo``: one application flow on every emulated provider, side by side.

Needs no key and no network. Each provider that ships an emulator gets a fresh one, in
this process (an httpx transport into its ASGI app, no socket). The same function,
:func:`run_flow`, then drives each of them through a plain :class:`callswitch.Client`
that differs only by configuration (provider name and base URL):

1. create an outbound phone call;
2. the callee answers (the emulator's ``/_emulator/`` control API moves the call to
   ``ongoing``);
3. inject context into the live call and make the agent respond;
4. update the call's variables and metadata;
5. end the call;
6. read it back, with its transcript.

Before each step the flow asks ``client.supports(...)``; an operation the provider does
not declare is refused with the provider's own declared note, and nothing is sent. Fields
a provider lacks are dropped (``on_unsupported="drop"``) and reported with their notes.
The report is a table (rows are steps, columns providers), the reasons, what each call
looked like when read back, timings, and a short summary; ``--json`` prints the same as
JSON::

    callswitch demo
    callswitch demo --provider vapi --json
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from callswitch.capabilities import Capabilities, Capability
from callswitch.cli._demo_report import (
    STEPS,
    Outcome,
    ProviderRun,
    Reason,
    render_json,
    render_text,
    summarize,
)
from callswitch.errors import CallswitchError, ConfigurationError

if TYPE_CHECKING:
    import httpx

    from callswitch.client import Client
    from callswitch.emulators import Emulator

__all__ = [
    "STEPS",
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

# What the app works with. The emulators' accounts own +14155550100 (an emulator accepts
# it as a caller id; the Vapi-style adapters look it up among the account's numbers).
FROM_NUMBER = "+14155550100"
TO_NUMBER = "+14155550123"
AGENT_ID = "agent_demo_support"
VARIABLES = {"customer_name": "Ada Lovelace", "order_id": "A-1042"}
CONTEXT = "The caller is a premium member whose order A-1042 is late; offer priority shipping."
NEW_VARIABLES = {"order_status": "priority shipping offered"}
METADATA = {"crm_ticket": "T-7781", "handled_by": "callswitch demo"}


# ----------------------------------------------------------------------- the world


class EmulatorWorld:
    """What happens outside the app (the callee picks up or hangs up), done through an
    emulator's test-control API: ``POST /_emulator/calls/{id}/state``."""

    def __init__(self, http: httpx.Client, base_url: str) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")

    def set_state(self, call_id: str, status: str) -> str:
        """Move the call to neutral ``status``; returns the vendor's name for it."""
        response = self._http.post(
            f"{self._base_url}/_emulator/calls/{call_id}/state", json={"status": status}
        )
        response.raise_for_status()
        return str(response.json()["vendor_status"])


# ------------------------------------------------------------------------- the flow


def _reason(caps: Capabilities, name: str) -> Reason:
    row = caps[Capability.parse(name)]
    return Reason(row.name, row.note, row.source)


def _field_outcome(
    step: str, caps: Capabilities, applied: Sequence[str], dropped: Sequence[str], detail: str
) -> Outcome:
    reasons = tuple(_reason(caps, name) for name in dropped)
    if not dropped:
        status = "applied"
    elif applied:
        status = "partial"
    else:
        status = "dropped"
    return Outcome(step, status, tuple(applied), reasons, detail=detail)


def _timed(step: str, action: Callable[[], Outcome]) -> Outcome:
    """Run one step; a vendor or transport error becomes a ``failed`` outcome."""
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # on_unsupported="drop" warns for every drop; the report says it instead.
            warnings.simplefilter("ignore", category=Warning)
            outcome = action()
    except CallswitchError as exc:
        outcome = Outcome(step, "failed", detail=f"{type(exc).__name__}: {exc}")
    return attrs.evolve(outcome, seconds=time.perf_counter() - started)


def run_flow(client: Client, world: EmulatorWorld) -> ProviderRun:
    """The application: the same code for every provider. ``client`` must have been made
    with ``on_unsupported="drop"``, so that fields a provider lacks are reported, not
    raised."""
    # Imported here so that `import callswitch.demo` stays cheap.
    from callswitch.models import CallUpdate, LiveControl

    caps = client.capabilities
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    state: dict[str, Any] = {}

    def refused(step: str, operation: Capability) -> Outcome | None:
        if client.supports(operation):
            return None
        return Outcome(step, "refused", refused=_reason(caps, operation.value))

    def create() -> Outcome:
        if (no := refused("create", Capability.CALLS_CREATE_PHONE)) is not None:
            return no
        call = client.calls.create_phone(
            from_number=FROM_NUMBER, to_number=TO_NUMBER, agent_id=AGENT_ID, variables=VARIABLES
        )
        state["call_id"] = call.id
        return Outcome("create", "applied", ("calls.create_phone",), detail=call.status.value)

    def go_live() -> Outcome:
        vendor_status = world.set_state(state["call_id"], "ongoing")
        seen = client.calls.get(state["call_id"]).status.value
        return Outcome("live", "applied", detail=f"{seen} (vendor: {vendor_status})")

    def control() -> Outcome:
        if (no := refused("control", Capability.CALLS_CONTROL)) is not None:
            return no
        result = client.calls.control(
            state["call_id"], LiveControl(inject_context=CONTEXT, trigger_response=True)
        )
        return _field_outcome("control", caps, result.applied, result.dropped, "")

    def update() -> Outcome:
        if (no := refused("update", Capability.CALLS_UPDATE)) is not None:
            return no
        result = client.calls.update(
            state["call_id"], CallUpdate(variables=NEW_VARIABLES, metadata=METADATA)
        )
        return _field_outcome("update", caps, result.applied, result.dropped, "")

    def end() -> Outcome:
        no = refused("end", Capability.CALLS_END)
        if no is not None:
            # The app cannot hang up; the callee does, in the emulator.
            vendor_status = world.set_state(state["call_id"], "ended")
            return attrs.evolve(no, detail=f"callee hung up ({vendor_status})")
        client.calls.end(state["call_id"])
        return Outcome("end", "applied", ("calls.end",), detail="hung up")

    def read() -> Outcome:
        if (no := refused("read", Capability.CALLS_GET)) is not None:
            return no
        call = client.calls.get(state["call_id"])
        state["call"] = call
        seen = next((u for u in call.transcript if CONTEXT in u.text), None)
        context = f"context as {seen.role.value}" if seen else "no context"
        detail = f"{call.status.value}, {len(call.transcript)} lines, {context}"
        return Outcome("read", "applied", ("calls.get",), detail=detail)

    actions: dict[str, Callable[[], Outcome]] = {
        "create": create,
        "live": go_live,
        "control": control,
        "update": update,
        "end": end,
        "read": read,
    }
    for key, _title in STEPS:
        if "call_id" not in state and key != "create":
            outcomes.append(Outcome(key, "skipped", detail="no call was created"))
            continue
        outcomes.append(_timed(key, actions[key]))
    return ProviderRun(
        client.provider, tuple(outcomes), time.perf_counter() - started, state.get("call")
    )


# ------------------------------------------------------------------------- running it


def demo_providers() -> tuple[list[str], dict[str, str]]:
    """Installed providers that ship an emulator, and those skipped with the reason."""
    import callswitch
    from callswitch.registry import default_registry

    chosen: list[str] = []
    skipped: dict[str, str] = {}
    for name in callswitch.providers():
        try:
            spec = default_registry().get(name)
        except ConfigurationError as exc:
            skipped[name] = str(exc)
            continue
        if spec.emulator:
            chosen.append(name)
        else:
            skipped[name] = "ships no emulator"
    return chosen, skipped


def run_demo(providers: Sequence[str] | None = None) -> tuple[list[ProviderRun], dict[str, str]]:
    """Run the flow on each provider's in-process emulator (all that ship one by default)."""
    import httpx

    import callswitch
    from callswitch import emulators

    names, skipped = demo_providers()
    if providers is not None:
        for name in providers:
            if name not in names:
                why = skipped.get(name, "it is not an installed provider")
                raise ConfigurationError(
                    f"the demo cannot run {name!r}: {why}; it runs on {', '.join(names)}"
                )
        names, skipped = list(dict.fromkeys(providers)), {}
    runs: list[ProviderRun] = []
    for name in names:
        emulator: Emulator = emulators.create(name)
        http = httpx.Client(transport=emulator.transport())
        try:
            # The only thing that differs between providers: configuration.
            client = callswitch.connect(
                name,
                api_key="demo",
                base_url=emulator.base_url,
                http_client=http,
                on_unsupported="drop",
                max_retries=0,
            )
            runs.append(run_flow(client, EmulatorWorld(http, emulator.base_url)))
        finally:
            http.close()
            emulator.close()
    return runs, skipped


# ------------------------------------------------------------------------ entry point


def show(
    providers: Sequence[str] | None = None,
    *,
    as_json: bool = False,
    stdout: TextIO | None = None,
) -> int:
    """Run the demo on ``providers`` (default: every one with an emulator) and print the
    report; 0 when every step did its job or was refused as declared, 1 when a vendor or
    the connection failed a step. ``callswitch demo`` calls this."""
    out = stdout if stdout is not None else sys.stdout
    runs, skipped = run_demo(providers)
    out.write(render_json(runs, skipped) if as_json else render_text(runs, skipped))
    return 0 if all(run.ok for run in runs) else 1


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    as_json: bool | None = None,
) -> int:
    """``python -m callswitch.demo [--json] [--provider NAME ...]``: the options of
    ``callswitch demo``, read by the command's own parser, then :func:`show`."""
    from callswitch.cli._parser import build_parser

    args = build_parser().parse_args(["demo", *(argv or [])])
    use_json = bool(args.json) if as_json is None else as_json
    return show(args.demo_providers, as_json=use_json, stdout=stdout)
