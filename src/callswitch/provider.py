"""What a provider plugin gives callswitch: a :class:`ProviderSpec` and an :class:`Adapter`.

A plugin registers a :class:`ProviderSpec` through the ``register_providers`` hook
(see :mod:`callswitch.hookspecs`). The spec is light data: the adapter class, the
emulator and the webhook rules are named by ``"module:attribute"`` strings and only
imported when first used, so that importing callswitch and listing providers stays fast.

An :class:`Adapter` is pure translation. Each operation is a plan (see
:mod:`callswitch.http`): it yields request descriptions and turns responses into
neutral results. It never opens a socket, sleeps, retries or reads configuration.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from callswitch.capabilities import Capabilities
from callswitch.errors import (
    ConfigurationError,
    InvalidRequestError,
    ProviderError,
    RateLimitError,
    error_class_for_status,
)

if TYPE_CHECKING:
    # Annotations only: a plugin module imports this module for ProviderSpec when its
    # provider is looked up, and neither a connect() nor a webhook parse() needs the
    # retry module (or the engine's fault handling it brings) at that point.
    from callswitch._retry import parse_retry_after
    from callswitch.http import Page, Plan, Response
    from callswitch.models import (
        Call,
        CallUpdate,
        ControlResult,
        LiveControl,
        NewPhoneCall,
        NewWebCall,
        UpdateResult,
    )

__all__ = [
    "CREATE_DEFAULTS",
    "HOOK_API_VERSION",
    "Adapter",
    "ErrorDetails",
    "ProviderSpec",
    "check_call_id",
    "check_idempotency_key",
    "load_object",
    "merge_options",
    "parse_retry_after",
]

#: Version of the plugin interface this callswitch implements. A spec declaring a newer
#: version than this is refused with a clear message; older versions keep working.
HOOK_API_VERSION = 1

#: \Z, not $: $ also matches before a final newline.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:~-]+\Z")


def check_call_id(call_id: object) -> str:
    """The call id, unchanged, once it is known to be safe in a URL path; else
    InvalidRequestError. Only letters, digits and ``. _ : ~ -`` pass, none of which
    needs escaping in a path segment."""
    if not isinstance(call_id, str) or not call_id:
        raise InvalidRequestError(f"call_id must be a non-empty string, got {call_id!r}")
    if not _SAFE_ID.match(call_id) or call_id in {".", ".."}:
        raise InvalidRequestError(
            f"call_id {call_id!r} contains characters that are not allowed in an id "
            "(only letters, digits and . _ : ~ - are); pass the id exactly as the vendor gave it"
        )
    return call_id


#: Longest idempotency key accepted (Stripe's limit; no vendor we know documents a longer one).
IDEMPOTENCY_KEY_MAX = 255


def check_idempotency_key(provider: str, key: object) -> str:
    """The caller's idempotency key, unchanged, once it can travel in a header or body as
    is: 1 to 255 visible ASCII characters. Else InvalidRequestError, before any request.

    A CR, LF or NUL fails inside the HTTP library after the request was begun (so the
    caller would hear "may have been applied" for a request that never left), and a
    non-ASCII key cannot be encoded in a header at all.
    """
    where = f"provider_options[{provider!r}]['idempotency_key']"
    if not isinstance(key, str) or not key:
        raise InvalidRequestError(
            f"{where} must be a non-empty string (or leave it out and callswitch generates "
            "one per call)"
        )
    if len(key) > IDEMPOTENCY_KEY_MAX or not all("!" <= char <= "~" for char in key):
        raise InvalidRequestError(
            f"{where} must be 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters (letters, "
            "digits, punctuation; no spaces, line breaks, control or non-ASCII characters), "
            f"got {len(key)} characters; a UUID (uuid.uuid4().hex) is a good key, or leave it "
            "out and callswitch generates one per call. Nothing was sent"
        )
    return key


def merge_options(
    provider: str, body: dict[str, Any], options: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Add vendor-specific ``provider_options`` to a request body.

    A key the neutral model already set is refused rather than overwritten.
    """
    if not options:
        return body
    clash = sorted(set(options) & set(body))
    if clash:
        raise InvalidRequestError(
            f"provider_options[{provider!r}] sets {', '.join(clash)}, which callswitch already "
            "sets from the neutral fields; set it through the neutral field instead"
        )
    return {**body, **options}


@attrs.frozen
class ErrorDetails:
    """What an adapter read from a vendor error body."""

    message: str
    code: str | None = None
    request_id: str | None = None
    #: Seconds to wait that the body asks for (a reset time, say); a ``Retry-After``
    #: header wins over it (:func:`callswitch._retry.requested_wait`).
    retry_after: float | None = None
    #: Override the class picked from the status code (e.g. Retell's 422 for unknown ids).
    error_class: type[ProviderError] | None = None


class Adapter:
    """Base class for provider adapters. Subclasses override the operations they declare.

    The client checks the provider's declared capabilities before calling an operation,
    so an operation a provider declares unsupported is never called. An adapter instance
    lives as long as its client, so it may cache per-call facts (a control URL, say).
    """

    #: The provider's name, as registered.
    name: ClassVar[str]
    #: Page size used by ``calls.list`` when the caller does not ask for fewer.
    default_page_size: ClassVar[int] = 100
    #: Seconds a request may take when the user chose no timeout, by the request's
    #: ``operation`` (``"calls.list"``, say); the key ``"*"`` covers the operations not
    #: named. Declared data, like the vendor SDK's own defaults. Empty: callswitch's default
    #: timeout for every request. A timeout the user sets always wins.
    default_timeouts: ClassVar[Mapping[str, float]] = {}
    #: Domains (each with its subdomains) that absolute URLs in this vendor's answers, such
    #: as a live-control URL, may point at over https. Any other absolute URL is refused
    #: unless it has the client's ``base_url`` origin or is on a ``control_hosts`` host.
    trusted_hosts: ClassVar[tuple[str, ...]] = ()

    def __init__(self, capabilities: Capabilities) -> None:
        self.capabilities = capabilities

    # -- authentication ---------------------------------------------------------------
    def auth_headers(self, api_key: str) -> dict[str, str]:
        """Headers that carry the key. Bearer auth unless the vendor says otherwise."""
        return {"Authorization": f"Bearer {api_key}"}

    # -- operations -------------------------------------------------------------------
    def get(self, call_id: str) -> Plan[Call]:
        raise NotImplementedError

    def list_page(
        self, *, filters: Mapping[str, Any], page_size: int, cursor: Any
    ) -> Plan[Page[Call]]:
        raise NotImplementedError

    def create_phone(self, new: NewPhoneCall, options: Mapping[str, Any]) -> Plan[Call]:
        raise NotImplementedError

    def create_web(self, new: NewWebCall, options: Mapping[str, Any]) -> Plan[Call]:
        raise NotImplementedError

    def update(
        self, call_id: str, update: CallUpdate, options: Mapping[str, Any]
    ) -> Plan[UpdateResult]:
        raise NotImplementedError

    def control(
        self, call_id: str, control: LiveControl, options: Mapping[str, Any]
    ) -> Plan[ControlResult]:
        raise NotImplementedError

    def end(self, call_id: str) -> Plan[None]:
        raise NotImplementedError

    def delete(self, call_id: str) -> Plan[None]:
        raise NotImplementedError

    # -- errors -----------------------------------------------------------------------
    def error_details(self, response: Response) -> ErrorDetails:
        """Read the vendor's error body. The default takes ``message`` or the raw text."""
        message = response.text[:500] or f"HTTP {response.status_code}"
        try:
            data = response.json()
        except ProviderError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            message = data["message"]
        return ErrorDetails(message=message)

    def error_for(self, response: Response) -> ProviderError:
        """The exception for an error response: the class from the status, refined by the
        vendor's body."""
        details = self.error_details(response)
        cls = details.error_class or error_class_for_status(response.status_code)
        common: dict[str, Any] = {
            "provider": self.name,
            "status_code": response.status_code,
            "code": details.code,
            "request_id": details.request_id,
            "body": response.text[:2000],
        }
        if issubclass(cls, RateLimitError):
            from callswitch._retry import requested_wait

            retry_after = requested_wait(response.headers, details.retry_after)
            return cls(details.message, retry_after=retry_after, **common)
        return cls(details.message, **common)


#: The create arguments a provider may require (and the settings that supply defaults).
CREATE_DEFAULTS = ("agent_id", "from_number")


def _to_requires(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``{"calls.create_phone": ("from_number",)}`` (or its pairs) -> a hashable, checked
    form."""
    try:
        value = dict(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            "create_requires must map an operation to argument names"
        ) from None
    pairs: list[tuple[str, tuple[str, ...]]] = []
    for operation, names in value.items():
        if operation not in ("calls.create_phone", "calls.create_web"):
            raise ConfigurationError(
                f"create_requires names {operation!r}; only calls.create_phone and "
                "calls.create_web can require arguments"
            )
        checked = tuple(names)
        unknown = [n for n in checked if n not in CREATE_DEFAULTS]
        if unknown:
            raise ConfigurationError(
                f"create_requires[{operation!r}] names {', '.join(map(repr, unknown))}; "
                f"only {', '.join(CREATE_DEFAULTS)} can be required"
            )
        pairs.append((operation, checked))
    return tuple(pairs)


@attrs.frozen
class ProviderSpec:
    """A provider, as a plugin registers it.

    ``adapter``, ``emulator`` and ``webhooks`` are ``"module:attribute"`` strings, imported
    on first use. ``api_key_env`` is the environment variable holding the key.
    ``create_requires`` declares which create arguments the vendor needs
    (``{"calls.create_phone": ("from_number",)}``): the client fills them from the
    configured defaults, and refuses a create that still lacks one before sending.
    ``agent_term`` is the vendor's word for an agent ("assistant"), used in messages.
    """

    name: str
    adapter: str
    capabilities: Capabilities
    default_base_url: str
    api_key_env: str
    emulator: str | None = None
    webhooks: str | None = None
    description: str = ""
    hook_api_version: int = HOOK_API_VERSION
    create_requires: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(
        default=(), converter=_to_requires
    )
    agent_term: str = "agent"
    #: Filled by the registry: the distribution and version that provided the plugin.
    package: str = ""
    version: str = ""

    def __attrs_post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", self.name):
            raise ConfigurationError(
                f"provider name {self.name!r} must be lower case letters, digits, - or _"
            )
        if self.capabilities.provider != self.name:
            raise ConfigurationError(
                f"provider {self.name!r} registered capabilities declared for "
                f"{self.capabilities.provider!r}"
            )
        if self.hook_api_version > HOOK_API_VERSION:
            raise ConfigurationError(
                f"provider {self.name!r} needs callswitch plugin API version "
                f"{self.hook_api_version}, this callswitch has {HOOK_API_VERSION}; "
                "upgrade callswitch"
            )

    def requires(self, operation: str) -> tuple[str, ...]:
        """The create arguments ``operation`` needs (``()`` when none)."""
        return dict(self.create_requires).get(operation, ())

    @property
    def env_prefix(self) -> str:
        """The prefix of the provider's setting variables: ``VAPI`` in ``VAPI_AGENT_ID``."""
        return self.name.upper().replace("-", "_")

    def load_adapter(self) -> type[Adapter]:
        cls = load_object(self.adapter, self.name)
        if not (isinstance(cls, type) and issubclass(cls, Adapter)):
            raise ConfigurationError(
                f"provider {self.name!r}: {self.adapter} is not an Adapter subclass"
            )
        return cls


def load_object(target: str, provider: str) -> Any:
    """Import ``"module:attribute"``; a failure names the provider and the target."""
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module
    except Exception as exc:
        raise ConfigurationError(
            f"provider {provider!r}: could not load {target} ({type(exc).__name__}: {exc})"
        ) from exc


def __getattr__(name: str) -> Any:
    """``parse_retry_after``, re-exported from :mod:`callswitch._retry` on first access."""
    if name == "parse_retry_after":
        from callswitch._retry import parse_retry_after

        globals()[name] = parse_retry_after  # later lookups skip this function
        return parse_retry_after
    raise AttributeError(f"module 'callswitch.provider' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "parse_retry_after"})
