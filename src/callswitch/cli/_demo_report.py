"""The demo's results (what each step did) and its report, as text or JSON."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from callswitch.models import Call

#: (key, title) of each step, in the order the flow runs them.
STEPS: tuple[tuple[str, str], ...] = (
    ("create", "create phone call"),
    ("live", "callee answers [emulator]"),
    ("control", "inject context + respond"),
    ("update", "update variables + metadata"),
    ("end", "end call"),
    ("read", "read back with transcript"),
)


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


def _short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


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
