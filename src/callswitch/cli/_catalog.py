"""``callswitch providers`` and ``callswitch capabilities``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callswitch.cli._common import EXIT_OK, EXIT_PROVIDER, _Context, _registry

if TYPE_CHECKING:
    from callswitch.capabilities import CapabilityMatrix

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


def capabilities_markdown(matrix: CapabilityMatrix) -> str:
    """The text of ``docs/capabilities.md`` for ``matrix``."""
    if not matrix.providers:
        return MARKDOWN_HEADER + "No provider is installed.\n"
    return MARKDOWN_HEADER + "## Overview\n\n" + matrix.to_markdown()


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
        ctx.out.json({caps.provider: [row.to_dict() for row in caps] for caps in matrix})
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
            [(cap.value, *(c[cap].mark for c in matrix)) for cap in Capability],
        )
        ctx.out.line()
        ctx.out.line("yes* = supported with a condition; see: callswitch capabilities --provider P")
    return EXIT_PROVIDER if broken else EXIT_OK


def _compare(ctx: _Context, fmt: str, old: str, new: str) -> int:
    from callswitch.capabilities import CapabilityMatrix

    registry = _registry()
    a, b = registry.get(old), registry.get(new)
    matrix = CapabilityMatrix((a.capabilities, b.capabilities))
    gained, lost = matrix.compare(old, new)
    changed = matrix.conditions_changed(old, new)
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
