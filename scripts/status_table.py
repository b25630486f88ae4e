"""Print docs/statuses.md from the providers' status mapping data.

    python scripts/status_table.py > docs/statuses.md

tests/docs/test_statuses_doc.py checks that the page is exactly what this prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from callswitch.models import CallStatus, EndReason

HEADER = """\
# Call statuses

<!-- Generated from the providers' mapping data by
     `python scripts/status_table.py > docs/statuses.md`.
     Do not edit by hand: tests/docs checks that this file matches the data. -->

`Call.status` means the same on every provider:

| status | meaning |
|---|---|
| `queued` | created, not dialling yet |
| `ringing` | dialling; nobody has answered |
| `ongoing` | connected: the callee (or web caller) is on the line |
| `ended` | it connected, then ended (whoever hung up, or an error after connecting) |
| `failed` | it never connected: no answer, busy, invalid number, dial error, cancelled, or a vendor error before connecting |

`Call.end_reason` says why, in the same words everywhere; `Call.raw_end_reason` keeps the
vendor's own value. A reason that only a call that never connected can have (`no_answer`,
`busy`, `dial_failed`, `cancelled`) always comes with `failed`; one that only a connected
call can have (`user_hangup`, `agent_hangup`, `transferred`, `voicemail`, `max_duration`,
`inactivity`, `ended_by_api`) always with `ended`; `error` comes with either, by when it
happened. A value not listed here maps to `unknown`.

Rows marked **[INF]** are inferences: the vendor does not document the outcome, and the
reason for the classification is given beside it.

"""


def _cell(value: EndReason | CallStatus | None) -> str:
    return f"`{value.value}`" if value is not None else "-"


def _rows(
    head: str, rows: Iterable[tuple[str, CallStatus, EndReason | None]], notes: Mapping[str, str]
) -> list[str]:
    out = [f"| {head} | status | end_reason | note |", "|---|---|---|---|"]
    for value, status, reason in rows:
        note = f"[INF] {notes[value]}" if value in notes else ""
        out.append(f"| `{value}` | {_cell(status)} | {_cell(reason)} | {note} |".rstrip())
    return out


def _retell() -> list[str]:
    from callswitch_retell import _mapping, _outcome_notes

    statuses = [
        (word, _mapping.outcome(word, None), None)
        for word in _mapping.STATUSES
    ]
    reasons = [(r, *_mapping.end_outcome(r)) for r in sorted(_mapping.END_REASONS)]
    return [
        "## Retell",
        "",
        "Values from retell-sdk 6.2.13 (`retell/types/phone_call_response.py`,",
        "`web_call_response.py`); the documented ones from",
        "<https://docs.retellai.com/reliability/debug-call-disconnect>.",
        "",
        "`call_status` alone (`not_connected` is always `failed`; an `ended` or `error` call",
        "takes its status from `disconnection_reason` below):",
        "",
        *_rows("`call_status`", statuses, {}),
        "",
        "`disconnection_reason` of an ended call:",
        "",
        *_rows("`disconnection_reason`", reasons, _outcome_notes.INFERRED),
        "",
    ]


def _vapi() -> list[str]:
    from callswitch_vapi import _mapping

    exact = [(v, *_mapping.end_outcome(v)) for v in sorted(_mapping.exact_values())]
    families = [
        (prefix + "*", *_mapping.end_outcome(prefix + "x")) for prefix, _ in _mapping.families()
    ]
    statuses = [
        (word, _mapping.to_call({"id": "c", "status": word}).status, None)
        for word in ("scheduled", "queued", "ringing", "in-progress", "forwarding")
    ]
    return [
        "## Vapi",
        "",
        "Values from vapi-server-sdk 3.0.0 (`vapi/types/call_status.py`,",
        "`vapi/types/call_ended_reason.py`). `status: ended` takes its status from",
        "`endedReason`; `ended` with no `endedReason` is `ended` with no end reason.",
        "",
        *_rows("`status`", statuses, {}),
        "",
        "`endedReason`, value by value:",
        "",
        *_rows("`endedReason`", exact, _mapping.INFERRED),
        "",
        "`endedReason` families (every SDK value starting with the prefix):",
        "",
        *_rows("`endedReason`", families, _mapping.INFERRED),
        "",
    ]


def _truedy() -> list[str]:
    from callswitch_truedy import _mapping

    rows = []
    for word in _mapping.STATUS_WORDS:
        status, reason, _raw = _mapping.parse_status(word)
        rows.append((word, status, reason))
    return [
        "## Truedy",
        "",
        "Every spelling of `status` that Truedy documents (the OpenAPI schema and",
        "<https://docs.truedy.ai/guides/call-management>). Truedy reports no end reason.",
        "",
        *_rows("`status`", rows, _mapping.INFERRED),
        "",
    ]


def render() -> str:
    """The text of docs/statuses.md."""
    return HEADER + "\n".join([*_retell(), *_vapi(), *_truedy()]).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
