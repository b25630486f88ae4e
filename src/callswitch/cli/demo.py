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

import json
import sys
import textwrap
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from callswitch.capabilities import Capabilities, Capability
from callswitch.errors import CallswitchError, ConfigurationError

if TYPE_CHECKING:
    import httpx

    from callswitch.client import Client
    from callswitch.emulators import Emulator
    from callswitch.models import Call

__all__ = [
    "STEPS",
    "EmulatorWorld",
    "Outcome",
    "ProviderRun",
    "Reason",
    "demo_providers",
    "main",
    "run_demo",
    "run_flow",
    "show",
]

#: (key, title) of each step, in the order the flow runs them.
STEPS: tuple[tuple[str, str], ...] = (
    ("create", "create phone call"),
    ("live", "callee answers [emulator]"),
    ("control", "inject context + respond"),
    ("update", "update variables + metadata"),
    ("end", "end call"),
    ("read", "read back with transcript"),
)

# What the app works with. The emulators' accounts own +14155550100 (an emulator accepts
# it as a caller id; the Vapi-style adapters look it up among the account's numbers).
FROM_NUMBER = "+14155550100"
TO_NUMBER = "+14155550123"
AGENT_ID = "agent_demo_support"
VARIABLES = {"customer_name": "Ada Lovelace", "order_id": "A-1042"}
CONTEXT = "The caller is a premium member whose order A-1042 is late; offer priority shipping."
NEW_VARIABLES = {"order_status": "priority shipping offered"}
METADATA = {"crm_ticket": "T-7781", "handled_by": "callswitch demo"}


# --------------------------------------------------------------------------- results


@attrs.frozen
class Reason:
    """Why a capability was refused or dropped, in the provider's declared words."""

    capability: str
    note: str
    source: str

    def to_json(self) -> dict[str, str]:
        return {"capability": self.capability, "note": self.note, "source": self.source}


@attrs.frozen
class Outcome:
    """What one step did on one provider.

    ``status`` is ``applied`` (everything asked was done), ``partial`` (some fields
    dropped), ``dropped`` (every field dropped: nothing sent), ``refused`` (the provider
    declares no such operation: nothing sent), ``failed`` (the vendor or the connection
    said no) or ``skipped`` (an earlier step failed).
    """

    step: str
    status: str
    applied: tuple[str, ...] = ()
    dropped: tuple[Reason, ...] = ()
    refused: Reason | None = None
    detail: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "status": self.status,
            "applied": list(self.applied),
            "dropped": [r.to_json() for r in self.dropped],
            "refused": self.refused.to_json() if self.refused else None,
            "detail": self.detail,
            "ms": round(self.seconds * 1000, 1),
        }


@attrs.frozen
class ProviderRun:
    """Everything the flow did on one provider."""

    provider: str
    outcomes: tuple[Outcome, ...]
    seconds: float
    call: Call | None = None

    def outcome(self, step: str) -> Outcome:
        for item in self.outcomes:
            if item.step == step:
                return item
        raise KeyError(step)

    @property
    def ok(self) -> bool:
        return not any(o.status in ("failed", "skipped") for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        call = self.call
        return {
            "provider": self.provider,
            "ms": round(self.seconds * 1000, 1),
            "steps": [o.to_json() for o in self.outcomes],
            "call": None
            if call is None
            else {
                "id": call.id,
                "status": call.status.value,
                "end_reason": call.end_reason.value if call.end_reason else None,
                "raw_end_reason": call.raw_end_reason,
                "variables": call.variables,
                "metadata": call.metadata,
                "transcript": [{"role": u.role.value, "text": u.text} for u in call.transcript],
            },
        }


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
    row = caps[name]
    return Reason(row.name, row.note, row.source)


def _short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


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


# ---------------------------------------------------------------------------- report


def _cell(provider: str, outcome: Outcome, notes: list[str]) -> str:
    """One table cell: ``applied: ...``, ``dropped: ... [n]``, ``refused [n]``; the
    numbers point to the declared notes printed under the table."""

    def ref(reason: Reason) -> str:
        text = f"{provider} {reason.capability}: {reason.note} (source: {reason.source})"
        if text not in notes:
            notes.append(text)
        return f"[{notes.index(text) + 1}]"

    status = outcome.status
    if status == "refused" and outcome.refused is not None:
        text = f"refused {ref(outcome.refused)}"
        return f"{text}; {outcome.detail}" if outcome.detail else text
    if status not in ("applied", "partial", "dropped"):
        return f"{status} (see below)" if status == "failed" else status
    parts = []
    fields = [_short(n) for n in outcome.applied if n.startswith(("control.", "update."))]
    if status != "dropped":
        parts.append("applied: " + (", ".join(fields) or outcome.detail or "yes"))
    if outcome.dropped:
        marks = "".join(ref(r) for r in outcome.dropped)
        parts.append(f"dropped: {', '.join(_short(r.capability) for r in outcome.dropped)} {marks}")
    return "; ".join(parts)


def render_text(runs: Sequence[ProviderRun], skipped: dict[str, str]) -> str:
    """The side-by-side report, as the terminal shows it."""
    from callswitch.cli._common import format_table

    names = [run.provider for run in runs]
    lines = [
        "callswitch demo: one app flow, run unchanged on each emulated provider.",
        "No key, no network: every emulator runs inside this process. Only the provider",
        "name and base URL differ between the columns.",
        "",
    ]
    notes: list[str] = []
    rows: list[list[str]] = []
    for key, title in STEPS:
        row = [title]
        for run in runs:
            row.append(_cell(run.provider, run.outcome(key), notes))
        rows.append(row)
    rows.append(["time", *[f"{run.seconds * 1000:.0f} ms" for run in runs]])
    table = format_table(["step", *names], rows)
    lines += table.rstrip("\n").splitlines()
    if notes:
        lines += ["", "Why (each provider's declared capability notes):"]
        for number, text in enumerate(notes, 1):
            lines += textwrap.wrap(
                text, width=100, initial_indent=f"  [{number}] ", subsequent_indent="      "
            )
    failures = [
        f"  {run.provider} {o.step}: {o.detail}"
        for run in runs
        for o in run.outcomes
        if o.status == "failed"
    ]
    if failures:
        lines += ["", "Failures:", *failures]
    lines += ["", "Read back:"]
    for run in runs:
        call = run.call
        if call is None:
            lines.append(f"  {run.provider}: no call read back")
            continue
        reason = f", end reason {call.end_reason.value}" if call.end_reason else ""
        lines.append(f"  {run.provider}: {call.status.value}{reason}")
        lines.append(f"    variables: {_kv(call.variables)}")
        lines.append(f"    metadata:  {_kv(call.metadata)}")
        for utterance in call.transcript:
            lines.append(f"    {utterance.role.value:>8}: {_clip(utterance.text, 90)}")
    lines += ["", "Summary:"]
    lines += [f"  {line}" for line in summarize(runs)]
    for name, why in skipped.items():
        lines.append(f"  {name}: not run ({why})")
    if len(names) >= 2:
        lines.append(
            f"  Compare two providers: callswitch capabilities --compare {names[0]} {names[-1]}"
        )
    return "\n".join(lines) + "\n"


def summarize(runs: Sequence[ProviderRun]) -> list[str]:
    """One line per provider: which steps did what, and how long the flow took."""
    lines = []
    for run in runs:
        by_status: dict[str, list[str]] = {}
        for outcome in run.outcomes:
            by_status.setdefault(outcome.status, []).append(outcome.step)
        if list(by_status) == ["applied"]:
            text = f"all {len(run.outcomes)} steps applied"
        else:
            text = ", ".join(
                f"{len(steps)} {status}" + ("" if status == "applied" else f" ({', '.join(steps)})")
                for status, steps in by_status.items()
            )
        lines.append(f"{run.provider}: {text}; {run.seconds * 1000:.0f} ms")
    return lines


def render_json(runs: Sequence[ProviderRun], skipped: dict[str, str]) -> str:
    data = {
        "steps": [{"key": key, "title": title} for key, title in STEPS],
        "providers": [run.to_json() for run in runs],
        "skipped": skipped,
        "summary": summarize(runs),
    }
    return json.dumps(data, indent=2) + "\n"


def _kv(values: dict[str, Any]) -> str:
    if not values:
        return "(none)"
    return ", ".join(f"{k}={v}" for k, v in values.items())


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


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
