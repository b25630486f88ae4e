"""The Vapi provider plugin: registers the ``vapi`` provider with callswitch.

Importing this module is cheap: it reads the capability declarations only. The adapter,
emulator and webhook rules are named as strings and load when first used.
"""

from __future__ import annotations

from collections.abc import Callable

from callswitch.plugin import ProviderSpec, hookimpl
from callswitch_vapi.capabilities import CAPABILITIES

__all__ = ["SPEC", "register_providers"]

SPEC = ProviderSpec(
    name="vapi",
    adapter="callswitch_vapi.adapter:VapiAdapter",
    capabilities=CAPABILITIES,
    default_base_url="https://api.vapi.ai",
    api_key_env="VAPI_API_KEY",
    emulator="callswitch_vapi.emulator:create_app",
    webhooks="callswitch_vapi.webhooks:RULES",
    create_requires={"calls.create_phone": ("agent_id", "from_number")},
    agent_term="assistant",
    description="Vapi voice assistants (api.vapi.ai); live control through monitor.controlUrl.",
)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register the ``vapi`` provider."""
    register(SPEC)
