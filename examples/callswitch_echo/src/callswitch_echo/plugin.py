"""The entry-point module: registers the ``echo`` provider. Imports nothing heavy."""

from __future__ import annotations

from collections.abc import Callable

from callswitch.plugin import ProviderSpec, hookimpl
from callswitch_echo.capabilities import CAPABILITIES, NAME

SPEC = ProviderSpec(
    name=NAME,
    adapter="callswitch_echo.adapter:EchoAdapter",
    capabilities=CAPABILITIES,
    default_base_url="https://api.echo-voice.invalid/v1",
    api_key_env="ECHO_API_KEY",
    description="Echo Voice (fictional): an example third-party plugin.",
)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register the Echo provider."""
    register(SPEC)
