"""Settings for a client: arguments beat environment, environment beats ``callswitch.toml``.

``callswitch.toml`` (in the current directory, or the file ``CALLSWITCH_CONFIG`` names)::

    provider = "vapi"            # which provider connect() uses when none is named
    timeout = 20                 # seconds; optional
    max_retries = 2              # optional
    on_unsupported = "error"     # or "drop"
    routing = ["retell", "vapi"] # the providers connect_router() tries, in order; optional

    [providers.vapi]             # per-provider settings, all optional
    base_url = "http://127.0.0.1:8123"
    api_key_env = "MY_VAPI_KEY"  # read the key from another variable
    agent_id = "asst_..."        # the default agent (Vapi: assistant) for creates
    from_number = "+14155550100" # the default caller id for phone calls

``agent_id`` and ``from_number`` can also come from ``connect()`` or from
``<PROVIDER>_AGENT_ID`` / ``<PROVIDER>_FROM_NUMBER`` (``VAPI_AGENT_ID``, ...). A create's own
argument beats ``connect()``, which beats the environment, which beats the file.

Any other key, at the top or in a provider's table, is refused with the list of known
keys (:func:`check_file_config`), so that a typo cannot be silently ignored.
API keys belong in the environment (``RETELL_API_KEY``, ``VAPI_API_KEY``,
``TRUEDY_API_KEY``, or the variable a plugin declares), not in the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from callswitch._urls import check_base_url, check_control_hosts
from callswitch.errors import ConfigurationError

__all__ = [
    "OnUnsupported",
    "Secret",
    "Settings",
    "Timeouts",
    "as_secret",
    "check_file_config",
    "choose_provider",
    "load_file_config",
    "resolve_defaults",
    "resolve_settings",
    "routing_names",
]

#: What to do with a request that needs a capability the provider lacks.
OnUnsupported = Literal["error", "drop"]

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 2


class Secret:
    """A string that never shows itself in a repr, str, log line or traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "_value", value)

    def get_secret_value(self) -> str:
        value: str = object.__getattribute__(self, "_value")
        return value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secret is immutable")

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            import hmac

            # compare_digest takes str only when it is ASCII: compare the UTF-8 bytes.
            return hmac.compare_digest(_utf8(self), _utf8(other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self.get_secret_value()))

    def __bool__(self) -> bool:
        return bool(self.get_secret_value())

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


def _utf8(secret: Secret) -> bytes:
    # surrogatepass: a lone surrogate (from a badly decoded environment) still compares.
    return secret.get_secret_value().encode("utf-8", "surrogatepass")


def as_secret(value: str | Secret | None) -> Secret | None:
    """``value`` as a :class:`Secret` (None stays None), so no frame keeps the plain key
    in a local that a traceback with locals (Sentry, rich) would print."""
    if value is None or isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise ConfigurationError(f"api_key must be a string, got {type(value).__name__}")
    return Secret(value)


#: The longest timeout accepted, in seconds (a day): longer is a mistake, not a wish.
MAX_TIMEOUT = 86_400.0


def _check_seconds(value: object, what: str) -> float:
    """A finite number of seconds in (0, MAX_TIMEOUT]; else ConfigurationError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= MAX_TIMEOUT  # also refuses nan, which compares False
    ):
        raise ConfigurationError(
            f"{what} must be a number of seconds above 0 and at most {MAX_TIMEOUT:g} "
            f"(a day), got {value!r}"
        )
    return float(value)


def _total(_: object, __: object, value: object) -> None:
    _check_seconds(value, "timeout")


def _connect(_: object, __: object, value: object) -> None:
    _check_seconds(value, "connect timeout")


@attrs.frozen
class Timeouts:
    """Seconds: ``connect`` to open a connection, ``total`` for read/write each (waiting
    for a free pooled connection is not limited: see docs/errors-and-retries.md).

    Both must be finite, above 0 and at most a day (:data:`MAX_TIMEOUT`).
    """

    total: float = attrs.field(default=DEFAULT_TIMEOUT, validator=_total)
    connect: float = attrs.field(default=DEFAULT_CONNECT_TIMEOUT, validator=_connect)

    @classmethod
    def coerce(cls, value: float | Timeouts | None) -> Timeouts:
        if value is None:
            return cls()
        if isinstance(value, Timeouts):
            return value
        seconds = _check_seconds(value, "timeout")
        return cls(total=seconds, connect=min(DEFAULT_CONNECT_TIMEOUT, seconds))


@attrs.frozen
class Settings:
    """Everything a client needs, resolved. The key is a :class:`Secret`."""

    provider: str
    api_key: Secret = attrs.field(repr=False)
    base_url: str
    timeout: Timeouts = Timeouts()
    max_retries: int = DEFAULT_MAX_RETRIES
    on_unsupported: OnUnsupported = "error"
    #: The most a success answer's body may hold, decoded (64 MiB by default).
    max_response_bytes: int = 64 * 1024 * 1024
    #: True when the user chose ``timeout`` (``connect(timeout=)`` or ``callswitch.toml``):
    #: it then bounds every request. False: each operation's default applies where the
    #: adapter declares one (``Adapter.default_timeouts``), else ``timeout``.
    timeout_set: bool = False
    #: Host names (each with its subdomains) that absolute URLs from vendor answers, such
    #: as Vapi's control URLs, may point at over https, besides the vendor's own domains
    #: and ``base_url``'s origin (:mod:`callswitch._urls`).
    control_hosts: tuple[str, ...] = ()
    #: Defaults for creates that leave them out (see :func:`resolve_defaults`).
    agent_id: str | None = None
    from_number: str | None = None


def load_file_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read ``callswitch.toml``; an absent default file is an empty config."""
    explicit = path is not None or "CALLSWITCH_CONFIG" in os.environ
    target = Path(path or os.environ.get("CALLSWITCH_CONFIG") or "callswitch.toml")
    if not target.is_file():
        if explicit:
            raise ConfigurationError(f"config file {target} does not exist")
        return {}
    import tomllib  # only when a file exists: most processes have none (~2 ms of import)

    try:
        with target.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file {target} is not valid TOML: {exc}") from exc
    check_file_config(data, str(target))
    return data


#: The keys ``callswitch.toml`` may hold at the top level.
FILE_KEYS = ("provider", "timeout", "max_retries", "on_unsupported", "providers", "routing")
#: The keys a ``[providers.<name>]`` table may hold.
PROVIDER_KEYS = (
    "base_url",
    "api_key_env",
    "timeout",
    "max_retries",
    "on_unsupported",
    "agent_id",
    "from_number",
)


def check_file_config(data: Mapping[str, Any], source: str = "callswitch.toml") -> None:
    """Refuse keys the file may not hold: an unknown key (a typo would otherwise be
    ignored), an API key, or a ``providers`` entry that is not a table of tables.

    The values themselves are checked where they are used (:func:`resolve_settings`).
    """
    _refuse_unknown(data, FILE_KEYS, source)
    providers = data.get("providers", {})
    if not isinstance(providers, dict):
        raise ConfigurationError(
            f"providers in {source} must be a table of [providers.<name>] tables, got "
            f"{type(providers).__name__}"
        )
    for name, table in providers.items():
        if not isinstance(table, dict):
            raise ConfigurationError(f"[providers.{name}] in {source} must be a table")
        _refuse_unknown(table, PROVIDER_KEYS, f"[providers.{name}] in {source}")


def _refuse_unknown(table: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in table:
        if key in known:
            continue
        if key == "api_key":
            raise ConfigurationError(
                f"{where} must not hold API keys; set the provider's key variable in the "
                "environment (callswitch providers lists them), or api_key_env to name another"
            )
        import difflib

        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigurationError(
            f"unknown key {key!r} in {where}{hint}; the known keys are: {', '.join(known)}"
        )


def _pick(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


def choose_provider(provider: str | None, file_config: Mapping[str, Any]) -> str:
    """The provider name from the argument, ``CALLSWITCH_PROVIDER`` or the file."""
    name = _pick(
        provider, os.environ.get("CALLSWITCH_PROVIDER") or None, file_config.get("provider")
    )
    if not name:
        raise ConfigurationError(
            "no provider chosen: pass one (callswitch.connect('retell'), or --provider NAME "
            'on the command line), set CALLSWITCH_PROVIDER, or set provider = "..." in '
            "callswitch.toml (callswitch providers lists the installed names)"
        )
    if not isinstance(name, str):
        raise ConfigurationError(f"provider must be a string, got {name!r}")
    return name


def routing_names(names: Any, file_config: Mapping[str, Any]) -> tuple[str, ...]:
    """The providers a router tries, in order: ``names``, else ``routing`` in the file."""
    chosen = names if names is not None else file_config.get("routing")
    if chosen is None:
        raise ConfigurationError(
            "no providers to route between: pass them (callswitch.connect_router(['retell', "
            '\'vapi\'])) or set routing = ["retell", "vapi"] in callswitch.toml'
        )
    if (
        isinstance(chosen, str)
        or not isinstance(chosen, list | tuple)
        or not chosen
        or not all(isinstance(name, str) and name for name in chosen)
    ):
        raise ConfigurationError(
            f'routing must be a non-empty list of provider names, e.g. ["retell", "vapi"]; '
            f"got {chosen!r}"
        )
    return tuple(chosen)


def resolve_settings(
    name: str,
    *,
    api_key: str | Secret | None,
    base_url: str | None,
    timeout: float | Timeouts | None,
    max_retries: int | None,
    on_unsupported: str | None,
    default_base_url: str,
    api_key_env: str,
    file_config: Mapping[str, Any],
    control_hosts: Any = None,
    allow_insecure_http: bool = False,
    agent_id: str | None = None,
    from_number: str | None = None,
    env_prefix: str | None = None,
) -> Settings:
    """Merge arguments, environment and file into :class:`Settings` for provider ``name``.

    ``default_base_url`` and ``api_key_env`` are what the provider's plugin declares.
    The key is a :class:`Secret` from the moment it is read, and the environment is never
    held in a local: a traceback printed with its locals shows neither.
    """
    api_key = as_secret(api_key)
    file_cfg = file_config
    per_provider = file_cfg.get("providers", {}).get(name, {})
    if not isinstance(per_provider, dict):
        raise ConfigurationError(f"[providers.{name}] in callswitch.toml must be a table")

    if not isinstance(allow_insecure_http, bool):
        raise ConfigurationError(
            f"allow_insecure_http must be True or False, got {allow_insecure_http!r}"
        )
    url = check_base_url(
        _pick(
            base_url,
            os.environ.get("CALLSWITCH_BASE_URL") or None,
            per_provider.get("base_url"),
            default_base_url,
        ),
        allow_insecure_http=allow_insecure_http,
    )

    key_var = per_provider.get("api_key_env") or api_key_env
    if "api_key" in per_provider or "api_key" in file_cfg:
        raise ConfigurationError(
            "callswitch.toml must not hold API keys; set "
            f"{key_var} in the environment (or api_key_env to name another variable)"
        )
    key = api_key if api_key is not None else Secret(os.environ.get(key_var) or "")
    key = _stripped(key)
    if not key:
        raise ConfigurationError(
            f"no API key for {name}: pass api_key= to connect() or set {key_var}"
        )
    if not _header_safe(key):
        # An HTTP header carries visible ASCII only. httpx would fail on the first request,
        # and h11's error for a control character quotes the header, key and all.
        raise ConfigurationError(
            f"the API key for {name} contains a space, a control character or a non-ASCII "
            "character, which cannot travel in an HTTP header; check that the key was copied "
            f"whole and alone (from api_key= or {key_var})"
        )

    retries = _pick(
        max_retries,
        per_provider.get("max_retries"),
        file_cfg.get("max_retries"),
        DEFAULT_MAX_RETRIES,
    )
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigurationError(f"max_retries must be a whole number >= 0, got {retries!r}")

    policy = _pick(
        on_unsupported, per_provider.get("on_unsupported"), file_cfg.get("on_unsupported"), "error"
    )
    if policy not in ("error", "drop"):
        raise ConfigurationError(f'on_unsupported must be "error" or "drop", got {policy!r}')

    chosen_timeout = _pick(timeout, per_provider.get("timeout"), file_cfg.get("timeout"))
    timeouts = Timeouts.coerce(chosen_timeout)
    defaults = resolve_defaults(
        name,
        env_prefix or name.upper().replace("-", "_"),
        per_provider,
        agent_id=agent_id,
        from_number=from_number,
    )
    return Settings(
        provider=name,
        api_key=key,
        base_url=url,
        timeout=timeouts,
        max_retries=retries,
        on_unsupported=policy,
        timeout_set=chosen_timeout is not None,
        control_hosts=check_control_hosts(control_hosts),
        agent_id=defaults["agent_id"],
        from_number=defaults["from_number"],
    )


def _stripped(key: Secret) -> Secret:
    """The key without surrounding whitespace (a stray copy), still a Secret."""
    return Secret(key.get_secret_value().strip())


def _header_safe(key: Secret) -> bool:
    """True if every character of the key is visible ASCII (what a header may carry)."""
    return all("!" <= char <= "~" for char in key.get_secret_value())


def resolve_defaults(
    name: str,
    env_prefix: str,
    per_provider: Mapping[str, Any],
    **given: str | None,
) -> dict[str, str | None]:
    """The create defaults (``agent_id``, ``from_number``) for provider ``name``:
    ``connect()`` argument, else ``<PREFIX>_AGENT_ID`` / ``<PREFIX>_FROM_NUMBER``, else the
    ``[providers.<name>]`` table. A value that is not a non-empty string is refused."""
    chosen: dict[str, str | None] = {}
    for key in ("agent_id", "from_number"):
        variable = f"{env_prefix}_{key.upper()}"
        value = _pick(given.get(key), os.environ.get(variable) or None, per_provider.get(key))
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigurationError(
                f"{key} for {name} must be a non-empty string (from {key}= in connect(), "
                f"{variable}, or {key} under [providers.{name}]); got {value!r}"
            )
        chosen[key] = value.strip() if isinstance(value, str) else None
    return chosen
