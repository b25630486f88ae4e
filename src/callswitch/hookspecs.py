"""The hooks a callswitch plugin implements.

A plugin is a module named in the ``callswitch.providers`` entry-point group; the entry
point's name is the provider's name. The module implements hooks marked with
:data:`hookimpl`, which plugins import from the plugin SDK, :mod:`callswitch.plugin`::

    from callswitch.plugin import ProviderSpec, hookimpl

    @hookimpl
    def register_providers(register):
        register(ProviderSpec(name="acme", adapter="callswitch_acme.adapter:AcmeAdapter", ...))

Hooks are called with keyword arguments only, so a hook can gain arguments in a later
version without breaking plugins written today (pluggy passes each implementation only
the arguments it names). :data:`callswitch.provider.HOOK_API_VERSION` is the version of
this interface; a spec records the version it was written for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from callswitch.provider import ProviderSpec

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("callswitch")
hookimpl = pluggy.HookimplMarker("callswitch")


@hookspec
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register one or more providers by calling ``register(spec)`` for each.

    The host owns the registry: it refuses a duplicate name and reports a broken plugin
    by name without taking the other providers down.
    """
