"""``callswitch calls get|list|create|update|control|end|delete|wait``."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from callswitch.cli._common import EXIT_OK, Progress, _Context, _Output, _pairs, _UsageError

if TYPE_CHECKING:
    from callswitch.client import Client
    from callswitch.models import Call


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
    if args.direction:
        filters["direction"] = args.direction
    # Dates go to the library as given: it takes ISO 8601 with an offset and says so when
    # one is missing (a date without a zone is not guessed at).
    if args.created_after:
        filters["created_after"] = args.created_after
    if args.created_before:
        filters["created_before"] = args.created_before
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


def _show_one(ctx: _Context, call: Call) -> None:
    if ctx.out.as_json:
        ctx.out.json(_call_dict(call))
    else:
        _show_call(ctx.out, call)


def cmd_calls_create(ctx: _Context) -> int:
    args = ctx.args
    variables = _pairs(args.variable, "--variable")
    metadata = _pairs(args.metadata, "--metadata")
    if args.web:
        if args.to_number or args.from_number:
            raise _UsageError(
                "calls create --web takes no --to or --from (a web call dials no number)"
            )
        if not args.agent_id:
            raise _UsageError("calls create --web needs --agent ID")
        with ctx.connect() as client:
            call = client.calls.create_web(
                agent_id=args.agent_id, variables=variables, metadata=metadata
            )
    else:
        if not args.to_number:
            raise _UsageError("calls create needs --to NUMBER (or --web for a web call)")
        with ctx.connect() as client:
            call = client.calls.create_phone(
                to_number=args.to_number,
                from_number=args.from_number,
                agent_id=args.agent_id,
                variables=variables,
                metadata=metadata,
            )
    _show_one(ctx, call)
    return EXIT_OK


def cmd_calls_end(ctx: _Context) -> int:
    with ctx.connect() as client:
        client.calls.end(ctx.args.call_id)
    if ctx.out.as_json:
        ctx.out.json({"call_id": ctx.args.call_id, "ended": True})
    else:
        ctx.out.line(f"ended {ctx.args.call_id}")
    return EXIT_OK


def cmd_calls_delete(ctx: _Context) -> int:
    with ctx.connect() as client:
        client.calls.delete(ctx.args.call_id)
    if ctx.out.as_json:
        ctx.out.json({"call_id": ctx.args.call_id, "deleted": True})
    else:
        ctx.out.line(f"deleted {ctx.args.call_id}")
    return EXIT_OK


def cmd_calls_wait(ctx: _Context) -> int:
    args = ctx.args
    with ctx.connect() as client:
        call = client.calls.wait(
            args.call_id, args.until, timeout=args.timeout, poll_interval=args.poll_interval
        )
    _show_one(ctx, call)
    return EXIT_OK
