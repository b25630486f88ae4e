"""``callswitch campaign run|status``: dial a CSV list, and read a campaign's journal."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from callswitch.cli._common import EXIT_INTERRUPTED, EXIT_OK, _Context, _UsageError

if TYPE_CHECKING:
    from callswitch.campaigns import CampaignReport, Progress

_COLUMNS = "to_number, key, from_number, agent_id, var.<name>, meta.<name>"


def read_targets(path: str) -> list[dict[str, Any]]:
    """Targets from a CSV file: ``to_number``, optional ``key``, ``from_number``,
    ``agent_id``, ``var.<name>`` (variables) and ``meta.<name>`` (metadata) columns."""
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "to_number" not in reader.fieldnames:
                raise _UsageError(f"{path}: the first line must name the columns ({_COLUMNS})")
            rows = list(reader)
    except OSError as exc:
        raise _UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except csv.Error as exc:  # a field over csv.field_size_limit(), a stray NUL...
        raise _UsageError(
            f"{path}: not a CSV file callswitch can read ({exc}); each line is one target "
            f"with the columns {_COLUMNS}"
        ) from None
    except UnicodeDecodeError:
        raise _UsageError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    targets = []
    for number, row in enumerate(rows, start=2):
        target: dict[str, Any] = {}
        for column, value in row.items():
            if column is None or value is None or value == "":
                continue
            if column.startswith("var."):
                target.setdefault("variables", {})[column[4:]] = value
            elif column.startswith("meta."):
                target.setdefault("metadata", {})[column[5:]] = value
            elif column in ("to_number", "key", "from_number", "agent_id"):
                target[column] = value
            else:
                raise _UsageError(f"{path}: unknown column {column!r}; the columns are {_COLUMNS}")
        if "to_number" not in target:
            raise _UsageError(f"{path} line {number}: to_number is empty")
        targets.append(target)
    return targets


class _Bar:
    """Progress on stderr: one redrawn line on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last_done = -1

    def __call__(self, progress: Progress) -> None:
        eta = f"{progress.eta:.0f}s" if progress.eta is not None else "-"
        text = (
            f"{progress.done}/{progress.total} done, {progress.live} live, "
            f"{progress.failed} failed, {progress.rate:.2f} creates/s, ETA {eta}"
        )
        if self.tty:
            width = 20
            filled = width * progress.done // progress.total if progress.total else width
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}\x1b[K")
        elif progress.done != self._last_done:
            self.stream.write(text + "\n")
        self._last_done = progress.done
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _print_report(ctx: _Context, report: CampaignReport) -> None:
    if ctx.out.as_json:
        ctx.out.json(report.to_dict())
        return
    ctx.out.line(", ".join(f"{k}: {v}" for k, v in report.counts.items()))
    ctx.out.table(
        ["key", "to_number", "status", "ref", "end_reason", "error"],
        [
            [r.key, r.to_number, r.status, r.ref or "", r.end_reason or "", r.error or ""]
            for r in report.rows
        ],
    )


def cmd_campaign_run(ctx: _Context) -> int:
    from callswitch.campaigns import Campaign, SQLiteJournal

    args = ctx.args
    targets = read_targets(args.targets)
    bar = _Bar(ctx.out.stderr)
    with ctx.connect() as client:
        campaign = Campaign(
            client,
            name=args.name,
            journal=SQLiteJournal(args.journal),
            max_concurrent=args.max_concurrent,
            max_per_second=args.rate,
            redial_unknown=args.redial_unknown,
            from_number=args.from_number,
            agent_id=args.agent_id,
            progress=bar,
        )
        try:
            report = campaign.run(targets)
        except KeyboardInterrupt:
            bar.close()
            ctx.out.stderr.write(
                f"callswitch: interrupted; the journal {args.journal} keeps every row's "
                "place: run the same command again to resume\n"
            )
            return EXIT_INTERRUPTED
        finally:
            bar.close()
    _print_report(ctx, report)
    return EXIT_OK


def cmd_campaign_status(ctx: _Context) -> int:
    from callswitch.campaigns import STATUSES, SQLiteJournal

    args = ctx.args
    if not Path(args.journal).exists():
        raise _UsageError(f"no journal at {args.journal}; pass --journal PATH")
    entries = SQLiteJournal(args.journal).load(args.name)
    if not entries:
        raise _UsageError(f"the journal {args.journal} holds no campaign named {args.name!r}")
    counts = dict.fromkeys((*STATUSES, "created", "intent"), 0)
    for entry in entries.values():
        counts[entry.state] = counts.get(entry.state, 0) + 1
    if ctx.out.as_json:
        ctx.out.json(
            {
                "name": args.name,
                "counts": counts,
                "rows": [
                    {
                        "key": e.row_key,
                        "to_number": e.to_number,
                        "status": e.state,
                        "ref": e.ref,
                        "end_reason": e.end_reason,
                        "error": e.error,
                    }
                    for e in entries.values()
                ],
            }
        )
        return EXIT_OK
    ctx.out.line(", ".join(f"{k}: {v}" for k, v in counts.items()))
    ctx.out.table(
        ["key", "to_number", "status", "ref", "end_reason", "error"],
        [
            [e.row_key, e.to_number, e.state, e.ref or "", e.end_reason or "", e.error or ""]
            for e in entries.values()
        ],
    )
    return EXIT_OK
