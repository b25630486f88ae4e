"""The Retell plugin: registers the ``retell`` provider with callswitch.

Kept light on purpose: it imports only the capability declarations. The adapter, the
emulator and the webhook rules are named by ``"module:attribute"`` and imported on
first use.
"""

from __future__ import annotations

from collections.abc import Callable

from callswitch.plugin import ProviderSpec, hookimpl
from callswitch_retell.capabilities import CAPABILITIES, NAME

__all__ = ["SPEC", "register_providers"]

SPEC = ProviderSpec(
    name=NAME,
    adapter="callswitch_retell.adapter:RetellAdapter",
    capabilities=CAPABILITIES,
    default_base_url="https://api.retellai.com",
    api_key_env="RETELL_API_KEY",
    emulator="callswitch_retell.emulator:create_app",
    webhooks="callswitch_retell.webhooks:RULES",
    create_requires={"calls.create_phone": ("from_number",), "calls.create_web": ("agent_id",)},
    description="Retell AI voice agents (api.retellai.com): phone and web calls, "
    "live control through update-live-call.",
)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register the Retell provider."""
    register(SPEC)
