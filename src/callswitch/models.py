"""The provider-neutral model: what applications pass in and get back.

Inputs (:class:`CallUpdate`, :class:`LiveControl`) are strict: unknown fields, wrong
types and empty strings raise :class:`~callswitch.errors.InvalidRequestError` at
construction. Outputs (:class:`Call`) are lenient: any vendor payload parses, unknown
values map to an ``unknown`` member and the whole payload stays in ``Call.raw``.
"""

# No ``from __future__ import annotations`` here: pydantic would then have to evaluate every
# field annotation from its string when each class is created (~1 ms of ``import callswitch``).
import enum
import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from callswitch.errors import InvalidRequestError

__all__ = [
    "Call",
    "CallDirection",
    "CallKind",
    "CallStatus",
    "CallUpdate",
    "ControlResult",
    "DataStorage",
    "EndReason",
    "LiveControl",
    "Money",
    "NewPhoneCall",
    "NewWebCall",
    "Sentiment",
    "UpdateResult",
    "Utterance",
    "UtteranceRole",
    "is_e164",
]


class _LenientEnum(enum.StrEnum):
    """A string enum whose unknown values become ``UNKNOWN`` instead of raising."""

    @classmethod
    def _missing_(cls, value: object) -> Self:
        return cls("unknown")


class CallStatus(_LenientEnum):
    """Where a call is in its life cycle, in neutral terms."""

    QUEUED = "queued"
    RINGING = "ringing"
    ONGOING = "ongoing"
    ENDED = "ended"
    FAILED = "failed"
    UNKNOWN = "unknown"


class CallDirection(_LenientEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    UNKNOWN = "unknown"


class CallKind(_LenientEnum):
    PHONE = "phone"
    WEB = "web"
    UNKNOWN = "unknown"


class Sentiment(_LenientEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
    UNKNOWN = "unknown"


class UtteranceRole(_LenientEnum):
    AGENT = "agent"
    USER = "user"
    SYSTEM = "system"
    TOOL = "tool"
    INJECTED = "injected"
    UNKNOWN = "unknown"


class EndReason(_LenientEnum):
    """Why a call ended, normalized across vendors. ``Call.raw_end_reason`` keeps the vendor's."""

    USER_HANGUP = "user_hangup"
    AGENT_HANGUP = "agent_hangup"
    TRANSFERRED = "transferred"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    MAX_DURATION = "max_duration"
    INACTIVITY = "inactivity"
    ENDED_BY_API = "ended_by_api"
    CANCELLED = "cancelled"
    DIAL_FAILED = "dial_failed"
    ERROR = "error"
    UNKNOWN = "unknown"


class DataStorage(enum.StrEnum):
    """How much of a call the vendor keeps, from most to least.

    A call can only move towards less storage on vendors that have this setting.
    """

    EVERYTHING = "everything"
    EVERYTHING_EXCEPT_PII = "everything_except_pii"
    BASIC_ATTRIBUTES_ONLY = "basic_attributes_only"

    @property
    def rank(self) -> int:
        """0 keeps the most, 2 the least."""
        return list(DataStorage).index(self)


# --------------------------------------------------------------------------- inputs

NonEmptyStr = Annotated[StrictStr, StringConstraints(strip_whitespace=False, min_length=1)]
#: The whole string, ASCII digits only: \d also matches other scripts' digits, and $ matches
#: before a final newline, so "+14155550123\n" passed the old pattern.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}\Z")
#: Visible ASCII only (no spaces, controls or look-alike characters), one @.
_SIP = re.compile(r"sips?:[!-?A-~]+@[!-~]+\Z")


def _explain(model: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(input)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            known = ", ".join(_FIELDS.get(model, ()))
            msg = f"unknown field; {model} accepts {known}"
        lines.append(f"{model}.{loc}: {msg}")
    return "; ".join(lines)


_FIELDS: dict[str, tuple[str, ...]] = {}


class _Input(BaseModel):
    """Strict, frozen input: validation errors become InvalidRequestError."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, defer_build=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InvalidRequestError(_explain(type(self).__name__, exc)) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            raise InvalidRequestError(_explain(cls.__name__, exc)) from None

    def set_fields(self) -> tuple[str, ...]:
        """Names of the fields that are not ``None``, in declaration order."""
        # pydantic keeps a model's field values in __dict__, in declaration order (and
        # nothing else: extra fields are forbidden); reading it is a third of the cost of
        # a getattr per field, and this runs two or three times per update or control.
        return tuple(name for name, value in self.__dict__.items() if value is not None)


def _check_variables(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is not None:
        for key in value:
            if not key:
                raise ValueError("variable names must be non-empty strings")
    return value


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON, as httpx sends it; ValueError when JSON
    cannot carry it. The one place metadata is serialised to be checked."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return len(text.encode("utf-8"))
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise ValueError(
            f"must be JSON-serializable (strings, numbers, booleans, None, lists and "
            f"dicts with string keys): {exc}"
        ) from None


def _check_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Metadata travels as JSON: refuse what JSON cannot carry, before anything is sent."""
    if value is not None:
        json_size(value)
    return value


class CallUpdate(_Input):
    """Changes to a call's record. ``None`` leaves a field unchanged.

    On vendors where the call record and the live call are separate (Retell), the
    adapter routes the change to whichever the call's state allows.
    """

    metadata: dict[str, Any] | None = Field(
        default=None, description="Your own key/value data, stored on the call."
    )
    variables: dict[StrictStr, StrictStr] | None = Field(
        default=None, description="Dynamic variables (string values) the agent can use."
    )
    data_storage: DataStorage | None = Field(
        default=None, description="How much of the call the vendor keeps (privacy)."
    )
    recording_enabled: StrictBool | None = Field(
        default=None, description="Whether the call is recorded (privacy)."
    )
    transcription_enabled: StrictBool | None = Field(
        default=None, description="Whether the call is transcribed."
    )
    greeting: NonEmptyStr | None = Field(default=None, description="The agent's first words.")
    name: NonEmptyStr | None = Field(default=None, description="A label for the call.")

    _v_variables = field_validator("variables")(_check_variables)
    _v_metadata = field_validator("metadata")(_check_metadata)

    @field_validator("data_storage", mode="before")
    @classmethod
    def _coerce_storage(cls, value: Any) -> Any:
        # Strict mode refuses plain strings for enums; accept the documented spellings.
        if isinstance(value, str) and not isinstance(value, DataStorage):
            try:
                return DataStorage(value)
            except ValueError:
                options = ", ".join(repr(m.value) for m in DataStorage)
                raise ValueError(f"must be one of {options}, not {value!r}") from None
        return value


class LiveControl(_Input):
    """Steering for a call that is in progress now. ``None`` means "do nothing"."""

    inject_context: NonEmptyStr | None = Field(
        default=None, description="Text added to the agent's context, unseen by the caller."
    )
    trigger_response: StrictBool | None = Field(
        default=None, description="Make the agent respond now (usually to injected context)."
    )
    variables: dict[StrictStr, StrictStr] | None = Field(
        default=None, description="Dynamic variables to override on the running call."
    )
    say: NonEmptyStr | None = Field(default=None, description="Exact text the agent speaks.")
    end_call: StrictBool | None = Field(default=None, description="Hang up (True only).")
    transfer_to: NonEmptyStr | None = Field(
        default=None, description="E.164 number or sip: URI to transfer the call to."
    )
    mute_assistant: StrictBool | None = Field(
        default=None, description="True mutes the agent, False unmutes it."
    )

    _v_variables = field_validator("variables")(_check_variables)

    @field_validator("transfer_to")
    @classmethod
    def _check_destination(cls, value: str | None) -> str | None:
        if value is not None and not (_E164.match(value) or _SIP.match(value)):
            raise ValueError(
                "must be an E.164 number like +14155550123 or a SIP URI like sip:desk@example.com"
            )
        return value

    @field_validator("end_call")
    @classmethod
    def _check_end(cls, value: bool | None) -> bool | None:
        if value is False:
            raise ValueError("end_call=False does nothing; leave it out (None) instead")
        return value

    @model_validator(mode="after")
    def _check_not_empty(self) -> Self:
        if not self.set_fields():
            raise ValueError("a LiveControl must set at least one action")
        if self.trigger_response is False and self.inject_context is None:
            raise ValueError("trigger_response=False only applies together with inject_context")
        return self


_FIELDS["CallUpdate"] = tuple(CallUpdate.model_fields)
_FIELDS["LiveControl"] = tuple(LiveControl.model_fields)


# -------------------------------------------------------------------------- outputs


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Money(_Output):
    """An exact amount. ``currency`` is an ISO 4217 code (``"USD"``), or the vendor's own
    unit (``"credits"``) when the vendor reports no money amount."""

    amount: Decimal
    currency: str = "USD"


class Utterance(_Output):
    role: UtteranceRole = UtteranceRole.UNKNOWN
    text: str = ""
    start: float | None = Field(default=None, description="Seconds from the call's start.")
    end: float | None = Field(default=None, description="Seconds from the call's start.")


class Call(_Output):
    """A call as any vendor reports it. ``raw`` holds the vendor's payload untouched."""

    id: str
    provider: str
    status: CallStatus = CallStatus.UNKNOWN
    direction: CallDirection = CallDirection.UNKNOWN
    kind: CallKind = CallKind.UNKNOWN
    agent_id: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration: timedelta | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    variables: dict[str, str] = Field(default_factory=dict)
    transcript: tuple[Utterance, ...] = ()
    recording_url: str | None = None
    summary: str | None = None
    sentiment: Sentiment | None = None
    successful: bool | None = None
    cost: Money | None = None
    end_reason: EndReason | None = None
    raw_end_reason: str | None = None
    access_token: str | None = Field(default=None, repr=False)
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("created_at", "started_at", "ended_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value

    @property
    def ref(self) -> str:
        """The provider-qualified id, ``"<provider>:<id>"``: one key for calls from several
        vendors. Derived from ``provider`` and ``id``, so it is not a field: it is left out
        of ``model_dump()`` and of equality, which ``provider`` and ``id`` already decide."""
        return f"{self.provider}:{self.id}"


class UpdateResult(_Output):
    """What an update did. ``call`` is the updated call when the vendor returns it."""

    call: Call | None = None
    applied: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    request_id: str | None = None


class ControlResult(_Output):
    """What a live control did: ``applied`` capabilities in the order they were sent."""

    call_id: str
    applied: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    request_id: str | None = None


class NewPhoneCall(_Input):
    """What ``calls.create_phone`` asks for, validated before any adapter sees it."""

    to_number: NonEmptyStr
    from_number: NonEmptyStr | None = None
    agent_id: NonEmptyStr | None = None
    variables: dict[StrictStr, StrictStr] | None = None
    metadata: dict[str, Any] | None = None

    _v_variables = field_validator("variables")(_check_variables)
    _v_metadata = field_validator("metadata")(_check_metadata)

    @field_validator("to_number")
    @classmethod
    def _check_to(cls, value: str) -> str:
        if not _E164.match(value):
            raise ValueError("must be an E.164 number like +14155550123")
        return value

    @field_validator("from_number")
    @classmethod
    def _check_from(cls, value: str | None) -> str | None:
        # An E.164 number, or a vendor's id for a number (Vapi) or a pseudo number (Retell
        # custom telephony): never whitespace, control or non-ASCII characters, and a
        # value that starts with + is a number, so it must be a whole E.164 number.
        if value is None:
            return value
        if not all("!" <= char <= "~" for char in value):
            raise ValueError(
                "must be an E.164 number like +14155550123 or a phone number id, with no "
                "spaces, line breaks, control or non-ASCII characters"
            )
        if value.startswith("+") and not _E164.match(value):
            raise ValueError("must be an E.164 number like +14155550123")
        return value


class NewWebCall(_Input):
    """What ``calls.create_web`` asks for."""

    agent_id: NonEmptyStr
    variables: dict[StrictStr, StrictStr] | None = None
    metadata: dict[str, Any] | None = None

    _v_variables = field_validator("variables")(_check_variables)
    _v_metadata = field_validator("metadata")(_check_metadata)


_FIELDS["NewPhoneCall"] = tuple(NewPhoneCall.model_fields)
_FIELDS["NewWebCall"] = tuple(NewWebCall.model_fields)


def is_e164(value: str) -> bool:
    """True for an E.164 phone number such as ``+14155550123``."""
    return bool(_E164.match(value))
