"""The Truedy plugin: registers the ``truedy`` provider (entry point ``callswitch.providers``).

Kept light on purpose: the adapter, emulator and webhook rules are named by strings and
imported only when first used.
"""

from __future__ import annotations

from collections.abc import Callable

from callswitch.plugin import ProviderSpec, hookimpl
from callswitch_truedy.capabilities import CAPABILITIES, NAME

__all__ = ["register_providers"]


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register Truedy."""
    register(
        ProviderSpec(
            name=NAME,
            adapter="callswitch_truedy.adapter:TruedyAdapter",
            capabilities=CAPABILITIES,
            default_base_url="https://api.truedy.ai/api/public/v1",
            api_key_env="TRUEDY_API_KEY",
            emulator="callswitch_truedy.emulator:create_app",
            webhooks="callswitch_truedy.webhooks:RULES",
            create_requires={
                "calls.create_phone": ("agent_id",),
                "calls.create_web": ("agent_id",),
            },
            description=(
                "Truedy public API v1: get, list, create phone calls (idempotent) and "
                "update call settings and variables; no live control, end or delete"
            ),
        )
    )
