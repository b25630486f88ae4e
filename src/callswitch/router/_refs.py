"""Provider-qualified call references, ``"<provider>:<id>"`` (``Call.ref``), read in one
place."""

from __future__ import annotations

from callswitch.errors import InvalidRequestError
from callswitch.models import Call

__all__ = ["CallLike", "parse_ref", "ref_of"]

#: What an operation on an existing call accepts: a ref like ``"vapi:<id>"`` or a Call.
CallLike = str | Call


def ref_of(call: Call) -> str:
    """The provider-qualified id of ``call``: ``"<provider>:<id>"``."""
    return call.ref


def parse_ref(call: CallLike, providers: tuple[str, ...]) -> tuple[str, str]:
    """``(provider, call_id)`` of a ref or a :class:`Call`; a clear error for a bare id or a
    provider this router does not have."""
    if isinstance(call, Call):
        provider, call_id = call.provider, call.id
    elif isinstance(call, str):
        provider, colon, call_id = call.partition(":")
        if not colon or not provider or not call_id:
            raise InvalidRequestError(
                f"{call!r} is a bare call id; a router needs to know which provider owns the "
                'call: pass its ref ("<provider>:<id>", e.g. call.ref) or the Call itself'
            )
    else:
        raise InvalidRequestError(
            f'expected a call ref ("<provider>:<id>") or a Call, got {type(call).__name__}'
        )
    if provider not in providers:
        raise InvalidRequestError(
            f"{call if isinstance(call, str) else provider!r} belongs to provider "
            f"{provider!r}, which this router does not have (it has {', '.join(providers)})"
        )
    return provider, call_id
