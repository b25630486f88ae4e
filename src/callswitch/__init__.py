"""callswitch: one Python API for AI voice-agent calls, whichever vendor runs them.

import callswitch
from callswitch import LiveControl

client = callswitch.connect("retell")          # key from RETELL_API_KEY
if client.supports("control.inject_context"):
    client.calls.control(call_id, LiveControl(inject_context="VIP caller"))
"""

from __future__ import annotations

import os as _os
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from callswitch import config as _config
from callswitch import errors
from callswitch import registry as _registry
from callswitch._version import __version__
from callswitch.capabilities import Capabilities, Capability, CapabilityMatrix, Support
from callswitch.config import OnUnsupported, Secret, Timeouts
from callswitch.models import (
    Call,
    CallDirection,
    CallKind,
    CallStatus,
    CallUpdate,
    ControlResult,
    DataStorage,
    EndReason,
    LiveControl,
    Money,
    Sentiment,
    UpdateResult,
    Utterance,
    UtteranceRole,
)
from callswitch.names import CapabilityName, ProviderName

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from callswitch import webhooks
    from callswitch.capabilities import Capability as _Capability
    from callswitch.client import AsyncClient, Client
    from callswitch.config import Settings
    from callswitch.otel import OpenTelemetryPlugin
    from callswitch.provider import ProviderSpec
    from callswitch.router import AsyncRouter, Router
    from callswitch.webhooks import CallEvent, EventType

__all__ = [
    "AsyncClient",
    "AsyncRouter",
    "Call",
    "CallDirection",
    "CallEvent",
    "CallKind",
    "CallStatus",
    "CallUpdate",
    "Capabilities",
    "Capability",
    "CapabilityMatrix",
    "CapabilityName",
    "Client",
    "ControlResult",
    "DataStorage",
    "EndReason",
    "EventType",
    "LiveControl",
    "Money",
    "ProviderName",
    "Router",
    "Secret",
    "Sentiment",
    "Support",
    "Timeouts",
    "UpdateResult",
    "Utterance",
    "UtteranceRole",
    "__version__",
    "capability_matrix",
    "connect",
    "connect_async",
    "connect_router",
    "connect_router_async",
    "errors",
    "instrument",
    "providers",
    "uninstrument",
    "webhooks",
]


def _resolve(
    provider: str | None,
    api_key: str | Secret | None,
    base_url: str | None,
    timeout: float | Timeouts | None,
    max_retries: int | None,
    on_unsupported: OnUnsupported | None,
    control_hosts: Any = None,
    allow_insecure_http: bool = False,
    agent_id: str | None = None,
    from_number: str | None = None,
    max_response_bytes: int | None = None,
) -> tuple[ProviderSpec, Settings]:
    """The provider's spec and the client settings, from arguments, environment and file."""
    if _os.environ.get("CALLSWITCH_OTEL", "").lower() in ("1", "true", "yes", "on"):
        instrument()
    file_config = _config.load_file_config()
    name = _config.choose_provider(provider, file_config)
    spec = _registry.default_registry().get(name)
    settings = _config.resolve_settings(
        name,
        api_key=api_key,
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        on_unsupported=on_unsupported,
        default_base_url=spec.default_base_url,
        api_key_env=spec.api_key_env,
        file_config=file_config,
        control_hosts=control_hosts,
        allow_insecure_http=allow_insecure_http,
        agent_id=agent_id,
        from_number=from_number,
        env_prefix=spec.env_prefix,
    )
    if max_response_bytes is not None:
        from callswitch._body import check_max_response_bytes

        cap = check_max_response_bytes(max_response_bytes)
        settings = attrs.evolve(settings, max_response_bytes=cap)
    return spec, settings


def connect(
    provider: ProviderName | str | None = None,
    *,
    api_key: str | Secret | None = None,
    base_url: str | None = None,
    timeout: float | Timeouts | None = None,
    max_retries: int | None = None,
    on_unsupported: OnUnsupported | None = None,
    http_client: httpx.Client | None = None,
    control_hosts: list[str] | tuple[str, ...] | None = None,
    allow_insecure_http: bool = False,
    agent_id: str | None = None,
    from_number: str | None = None,
    max_response_bytes: int | None = None,
) -> Client:
    """A synchronous client for ``provider``.

    Anything not passed comes from the environment (``CALLSWITCH_PROVIDER``,
    ``CALLSWITCH_BASE_URL``, the provider's key variable such as ``RETELL_API_KEY``), then
    from ``callswitch.toml``. ``on_unsupported`` is ``"error"`` (default: refuse a request
    that needs a missing capability) or ``"drop"`` (send the rest, report the dropped
    part). ``http_client`` is your own ``httpx.Client`` (proxies, transports, limits);
    callswitch does not close it, and never lets it follow a redirect.
    ``max_response_bytes`` caps a success answer's decoded body (default 64 MiB); a larger
    answer is a ProviderError. ``timeout`` bounds each whole attempt, body included.

    ``control_hosts`` names hosts (with their subdomains) that URLs in vendor answers, such
    as Vapi's control URLs, may point at besides the vendor's own domains and
    ``base_url``'s origin; any other such URL is refused. ``base_url`` must be https://
    unless it is on this machine (127.0.0.1, localhost) or ``allow_insecure_http=True``.

    ``agent_id`` and ``from_number`` are defaults for creates that leave them out; when not
    passed they come from ``<PROVIDER>_AGENT_ID`` / ``<PROVIDER>_FROM_NUMBER`` (e.g.
    ``VAPI_AGENT_ID``), then from ``[providers.<name>]`` in ``callswitch.toml``. A create's
    own argument always wins.
    """
    api_key = _config.as_secret(api_key)  # no frame holds the plain key from here on
    spec, settings = _resolve(
        provider,
        api_key,
        base_url,
        timeout,
        max_retries,
        on_unsupported,
        control_hosts,
        allow_insecure_http,
        agent_id,
        from_number,
        max_response_bytes,
    )
    from callswitch.client import Client

    return Client.from_spec(spec, settings, http_client)


def connect_async(
    provider: ProviderName | str | None = None,
    *,
    api_key: str | Secret | None = None,
    base_url: str | None = None,
    timeout: float | Timeouts | None = None,
    max_retries: int | None = None,
    on_unsupported: OnUnsupported | None = None,
    http_client: httpx.AsyncClient | None = None,
    control_hosts: list[str] | tuple[str, ...] | None = None,
    allow_insecure_http: bool = False,
    agent_id: str | None = None,
    from_number: str | None = None,
    max_response_bytes: int | None = None,
) -> AsyncClient:
    """Like :func:`connect`, for asyncio: the same surface, awaitable."""
    api_key = _config.as_secret(api_key)  # no frame holds the plain key from here on
    spec, settings = _resolve(
        provider,
        api_key,
        base_url,
        timeout,
        max_retries,
        on_unsupported,
        control_hosts,
        allow_insecure_http,
        agent_id,
        from_number,
        max_response_bytes,
    )
    from callswitch.client import AsyncClient

    return AsyncClient.from_spec(spec, settings, http_client)


def connect_router(
    names: list[str] | tuple[str, ...] | None = None,
    *,
    requires: list[CapabilityName | _Capability] | tuple[CapabilityName | _Capability, ...] = (),
    cooldown: float = 30.0,
    **connect_kwargs: Any,
) -> Router:
    """A :class:`Router` over ``connect(name, **connect_kwargs)`` for each name, in order.

    With no names, the providers come from ``routing = ["retell", "vapi"]`` in
    ``callswitch.toml``. Each client reads its key and settings as :func:`connect` does.
    """
    from callswitch.router import Router

    connect_kwargs = _hide_key(connect_kwargs)
    chosen = _config.routing_names(names, _config.load_file_config())
    clients = [connect(name, **connect_kwargs) for name in chosen]
    return Router(clients, requires=requires, cooldown=cooldown)


def connect_router_async(
    names: list[str] | tuple[str, ...] | None = None,
    *,
    requires: list[CapabilityName | _Capability] | tuple[CapabilityName | _Capability, ...] = (),
    cooldown: float = 30.0,
    **connect_kwargs: Any,
) -> AsyncRouter:
    """Like :func:`connect_router`, with :func:`connect_async` clients: an :class:`AsyncRouter`."""
    from callswitch.router import AsyncRouter

    connect_kwargs = _hide_key(connect_kwargs)
    chosen = _config.routing_names(names, _config.load_file_config())
    clients = [connect_async(name, **connect_kwargs) for name in chosen]
    return AsyncRouter(clients, requires=requires, cooldown=cooldown)


def _hide_key(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with ``api_key`` as a Secret, so the router's frames do not hold it plain."""
    if "api_key" not in kwargs:
        return kwargs
    return {**kwargs, "api_key": _config.as_secret(kwargs["api_key"])}


def instrument(
    *,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
) -> OpenTelemetryPlugin:
    """Send spans and metrics for every client's calls to OpenTelemetry.

    Needs the ``otel`` extra (``pip install "callswitch[otel]"``). Idempotent; with no
    providers the global OpenTelemetry ones are used. ``CALLSWITCH_OTEL=1`` in the
    environment does the same at the first ``connect()``. See ``docs/observability.md``.
    """
    try:
        from callswitch import otel
    except ImportError as exc:
        raise errors.ConfigurationError(
            f"callswitch.instrument() needs OpenTelemetry ({exc}); "
            'install it with pip install "callswitch[otel]"'
        ) from exc
    return otel.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)


def uninstrument() -> None:
    """Stop what :func:`instrument` started (a no-op if it was not)."""
    import sys

    otel = sys.modules.get("callswitch.otel")
    if otel is not None:
        otel.uninstrument()


def providers() -> tuple[str, ...]:
    """Names of the installed providers, without importing any of them."""
    return _registry.default_registry().names()


def capability_matrix() -> CapabilityMatrix:
    """The provider x capability table of every installed provider that loads."""
    return _registry.default_registry().capability_matrix()


#: Names that load their module on first access: only some applications need them, and
#: importing them eagerly made ``import callswitch`` cost more (webhooks: ~13 ms). The
#: clients load at the first ``connect()``: ``import callswitch.webhooks`` (which runs
#: this module first) in a webhook handler needs no client, engine or calls surface.
_LAZY = {
    "Client": ("callswitch.client", "Client"),
    "AsyncClient": ("callswitch.client", "AsyncClient"),
    "emulators": ("callswitch.emulators", None),
    "testing": ("callswitch.testing", None),
    "webhooks": ("callswitch.webhooks", None),
    "CallEvent": ("callswitch.webhooks", "CallEvent"),
    "EventType": ("callswitch.webhooks", "EventType"),
    "Router": ("callswitch.router", "Router"),
    "AsyncRouter": ("callswitch.router", "AsyncRouter"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = getattr(module, attr) if attr else module
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'callswitch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
