"""Targets: what a campaign dials, checked before anything is sent, and each row's keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from callswitch.errors import InvalidRequestError
from callswitch.models import is_e164

__all__ = ["Target", "parse_targets"]

_FIELDS = ("to_number", "from_number", "agent_id", "variables", "metadata", "key")


@attrs.frozen
class Target:
    """One row of a campaign, validated. ``row_key`` names it in the journal;
    ``idempotency_key`` is what a create for it carries where the vendor honours one."""

    to_number: str
    row_key: str
    idempotency_key: str
    from_number: str | None = None
    agent_id: str | None = None
    variables: Mapping[str, str] | None = None
    metadata: Mapping[str, Any] | None = None

    def create_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``calls.create_phone`` (without provider options)."""
        kwargs: dict[str, Any] = {"to_number": self.to_number}
        for name in ("from_number", "agent_id", "variables", "metadata"):
            value = getattr(self, name)
            if value is not None:
                kwargs[name] = dict(value) if isinstance(value, Mapping) else value
        return kwargs

    def to_json(self) -> str:
        return json.dumps(
            {"to_number": self.to_number, **self.create_kwargs()}, sort_keys=True, default=str
        )


def _text(row: int, name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"target {row}: {name} must be a non-empty string, got {value!r}")
    return value


def _mapping(row: int, name: str, value: object, *, strings: bool) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidRequestError(
            f"target {row}: {name} must be a dict with string keys, got {value!r}"
        )
    if strings and not all(isinstance(v, str) for v in value.values()):
        raise InvalidRequestError(
            f"target {row}: variables must map names to strings; convert the values with str()"
        )
    return dict(value)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _one(campaign: str, row: int, raw: object, defaults: Mapping[str, str | None]) -> Target:
    if not isinstance(raw, Mapping):
        raise InvalidRequestError(
            f"target {row} must be a dict with to_number (and optional {', '.join(_FIELDS[1:])}), "
            f"got {type(raw).__name__}"
        )
    unknown = sorted(str(k) for k in raw if k not in _FIELDS)
    if unknown:
        raise InvalidRequestError(
            f"target {row} has unknown field(s) {', '.join(unknown)}; a target takes "
            f"{', '.join(_FIELDS)}"
        )
    to_number = _text(row, "to_number", raw.get("to_number"))
    if to_number is None:
        raise InvalidRequestError(f"target {row} has no to_number; every target needs one")
    if not is_e164(to_number):
        raise InvalidRequestError(
            f"target {row}: to_number {to_number[:40]!r} is not an E.164 number; write it as "
            "+<country code><number> with digits only, like +14155550123"
        )
    from_number = _text(row, "from_number", raw.get("from_number")) or defaults.get("from_number")
    agent_id = _text(row, "agent_id", raw.get("agent_id")) or defaults.get("agent_id")
    variables = _mapping(row, "variables", raw.get("variables"), strings=True)
    metadata = _mapping(row, "metadata", raw.get("metadata"), strings=False)
    content = {
        "to_number": to_number,
        "from_number": from_number,
        "agent_id": agent_id,
        "variables": variables,
        "metadata": metadata,
    }
    key = _text(row, "key", raw.get("key"))
    if key is None:
        # No key given: the row is what it says, so the same content is the same row.
        key = "sha256:" + _digest(json.dumps(content, sort_keys=True, default=str))[:32]
    return Target(
        row_key=key,
        # Letters and digits only, 40 characters: fits every vendor's key field.
        idempotency_key="cs" + _digest(campaign, key)[:38],
        to_number=to_number,
        from_number=from_number,
        agent_id=agent_id,
        variables=variables,
        metadata=metadata,
    )


def parse_targets(
    campaign: str, targets: Iterable[object], defaults: Mapping[str, str | None]
) -> list[Target]:
    """Every target checked and keyed, or InvalidRequestError naming the first bad row
    (1-based) before any request is sent. Two rows with the same key are refused."""
    if isinstance(targets, str | bytes | Mapping):
        raise InvalidRequestError(
            "targets must be an iterable of dicts (one per person to call), "
            f"got {type(targets).__name__}"
        )
    parsed: list[Target] = []
    seen: dict[str, int] = {}
    for row, raw in enumerate(targets, start=1):
        target = _one(campaign, row, raw, defaults)
        if target.row_key in seen:
            raise InvalidRequestError(
                f"targets {seen[target.row_key]} and {row} are the same row (key "
                f"{target.row_key!r}); give each row its own key or remove the duplicate"
            )
        seen[target.row_key] = row
        parsed.append(target)
    return parsed
