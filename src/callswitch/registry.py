"""Provider discovery: entry points in the ``callswitch.providers`` group, loaded lazily.

Listing names reads entry-point metadata only; a plugin module is imported the first
time its provider is used, and only once. Built-in providers are found exactly like
third-party ones. A plugin that fails to load is reported by name and does not affect
the others.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

import attrs
import pluggy

from callswitch import hookspecs
from callswitch.capabilities import CapabilityMatrix
from callswitch.errors import ConfigurationError
from callswitch.provider import ProviderSpec

if TYPE_CHECKING:
    from importlib.metadata import Distribution, EntryPoint

__all__ = ["ENTRY_POINT_GROUP", "Registry", "default_registry"]

ENTRY_POINT_GROUP = "callswitch.providers"


def entry_points(group: str) -> list[EntryPoint]:
    """The installed entry points in ``group``, in ``sys.path`` order.

    Same result as ``importlib.metadata.entry_points(group=group)``, which parses every
    installed distribution's entry points into objects before filtering (5-7 ms with 70
    distributions installed, paid at the first provider lookup of a process). Here each
    distribution's ``entry_points.txt`` is read as text and parsed only if it names the
    group. As in ``importlib.metadata``, a distribution found more than once on
    ``sys.path`` counts once, in its first place: a stale copy further down the path adds
    nothing, however its METADATA spells the name.

    ``importlib.metadata`` is imported here, not at module level: its import (~4 ms) is
    only needed once a provider is looked up, not by ``import callswitch``.
    """
    from importlib.metadata import distributions

    found: list[EntryPoint] = []
    seen: set[str] = set()
    for dist in distributions():
        key = _normalized_name(dist)
        if key:  # a distribution without a name cannot be matched with another
            if key in seen:
                continue
            seen.add(key)
        text = dist.read_text("entry_points.txt")
        if text and group in text:
            found.extend(dist.entry_points.select(group=group))
    return found


def _normalized_name(dist: Distribution) -> str:
    """The key ``importlib.metadata`` itself uses to tell two copies of a distribution
    apart: the PEP 503 name with ``_`` for separators. A distribution on disk knows it
    from its folder name without reading METADATA (the private ``_normalized_name``,
    which ``importlib.metadata.entry_points()`` relies on too); others are asked for
    their name."""
    name = getattr(dist, "_normalized_name", None)
    if isinstance(name, str) and name:
        return name
    return re.sub(r"[-_.]+", "_", dist.metadata["Name"] or "").lower()


class Registry:
    """Providers known to one process. Most code uses :func:`default_registry`."""

    def __init__(self, group: str = ENTRY_POINT_GROUP) -> None:
        self._group = group
        self._lock = threading.RLock()
        self._pm = pluggy.PluginManager("callswitch")
        self._pm.add_hookspecs(hookspecs)
        self._entry_points: dict[str, EntryPoint] | None = None
        self._specs: dict[str, ProviderSpec] = {}
        self._failed: dict[str, ConfigurationError] = {}
        self._dists: dict[Distribution, tuple[str, str]] = {}

    # -- discovery ----------------------------------------------------------------------
    def _eps(self) -> dict[str, EntryPoint]:
        if self._entry_points is None:
            found: dict[str, EntryPoint] = {}
            for ep in entry_points(group=self._group):
                other = found.get(ep.name)
                if other is None:
                    found[ep.name] = ep
                elif _dist_name(other) != _dist_name(ep):
                    # Two packages claim one provider name: refuse it rather than let
                    # sys.path order pick one silently.
                    self._failed[ep.name] = ConfigurationError(
                        f"provider {ep.name!r} is installed twice, by {_dist_name(other)} "
                        f"({other.value}) and by {_dist_name(ep)} ({ep.value}); uninstall one"
                    )
            self._entry_points = found
        return self._entry_points

    def names(self) -> tuple[str, ...]:
        """Installed and registered provider names, sorted, without importing any plugin."""
        with self._lock:
            return tuple(sorted(set(self._eps()) | set(self._specs)))

    def register_plugin(self, plugin: object, name: str | None = None) -> tuple[str, ...]:
        """Register a plugin object (a module or instance with hook implementations) now,
        and return the names of the providers it registered.

        ``name`` names the plugin in error messages (default: its ``__name__``). For tests
        and for applications that ship a provider without packaging it; undo with
        :meth:`unregister` for each returned provider name.
        """
        with self._lock:
            label = name or str(getattr(plugin, "__name__", repr(plugin)))
            return tuple(self._collect(plugin, label, None))

    def unregister(self, provider: str) -> None:
        """Forget the provider named ``provider`` (a name :meth:`register_plugin` returned;
        not the plugin object). Unknown names are ignored."""
        with self._lock:
            self._specs.pop(provider, None)
            self._failed.pop(provider, None)

    def _collect(
        self,
        plugin: object,
        plugin_name: str,
        ep: EntryPoint | None,
        dist: tuple[str, str] | None = None,
    ) -> list[str]:
        """Run one plugin's hook and store what it registers, all or nothing.

        A plugin found through an entry point must register exactly the provider its
        entry point names, so that it cannot take over another provider's name. ``dist``
        is the (name, version) of the distribution that installed it, recorded on specs
        that do not declare their own.
        """
        specs: list[ProviderSpec] = []

        def register(spec: ProviderSpec) -> None:
            if not isinstance(spec, ProviderSpec):
                raise ConfigurationError(
                    f"plugin {plugin_name} registered {spec!r}; register() takes a ProviderSpec"
                )
            specs.append(spec)

        try:
            self._pm.register(plugin, name=f"{plugin_name}:{id(plugin)}")
        except pluggy.PluginValidationError as exc:
            # A hook that asks for an argument the spec does not offer, say: the plugin
            # is broken, and the other providers must keep working.
            raise ConfigurationError(
                f"plugin {plugin_name} has an invalid hook: {exc}; the hook is "
                "register_providers(register)"
            ) from exc
        except ValueError as exc:
            raise ConfigurationError(f"plugin {plugin_name} is registered already: {exc}") from exc
        try:
            hook = self._pm.hook.register_providers
            if not any(impl.plugin is plugin for impl in hook.get_hookimpls()):
                raise ConfigurationError(
                    f"plugin {plugin_name} implements no register_providers hook; decorate a "
                    "register_providers(register) function with callswitch.plugin.hookimpl"
                )
            # Only this plugin's hook runs (observers stay registered, see
            # register_observer); pluggy passes each implementation just the arguments it
            # names, so hooks can grow arguments.
            others = [p for p in self._pm.get_plugins() if p is not plugin]
            if others:
                hook = self._pm.subset_hook_caller("register_providers", remove_plugins=others)
            hook(register=register)
        except ConfigurationError:
            raise
        except Exception as exc:
            raise ConfigurationError(
                f"plugin {plugin_name} failed while registering providers "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        finally:
            self._pm.unregister(plugin)

        names = [spec.name for spec in specs]
        if ep is not None and names != [ep.name]:
            raise ConfigurationError(
                f"provider plugin {plugin_name} is installed under the entry-point name "
                f"{ep.name!r} but registered {names or 'nothing'}; a plugin registers exactly "
                "the provider its entry point names"
            )
        if len(set(names)) != len(names):
            raise ConfigurationError(f"plugin {plugin_name} registers a provider name twice")
        for spec in specs:
            if spec.name in self._specs:
                raise ConfigurationError(
                    f"plugin {plugin_name} registers provider {spec.name!r}, which "
                    f"{self._specs[spec.name].package or 'another plugin'} registered already; "
                    "uninstall one of them"
                )
        for spec in specs:
            if dist is not None:
                spec = attrs.evolve(
                    spec, package=spec.package or dist[0], version=spec.version or dist[1]
                )
            self._specs[spec.name] = spec
        if _implements_observer(plugin):
            self.register_observer(plugin, plugin_name)
        return names

    # -- observers ------------------------------------------------------------------------
    def register_observer(self, plugin: object, name: str | None = None) -> None:
        """Register ``plugin`` (a module or instance) for the observer hooks it implements
        (:data:`callswitch.hookspecs.OBSERVER_HOOKS`): from now on, clients call them.

        Undo with :meth:`unregister_observer`. Registering the same object twice is a
        no-op. A provider plugin that implements observer hooks is registered for them
        when it is loaded. Observer hooks are called from the process-wide registry,
        :func:`default_registry`.
        """
        with self._lock:
            label = name or str(getattr(plugin, "__name__", repr(plugin)))
            if self._pm.is_registered(plugin):
                return
            if not _implements_observer(plugin):
                raise ConfigurationError(
                    f"plugin {label} implements no observer hook; decorate one of "
                    f"{', '.join(hookspecs.OBSERVER_HOOKS)} with callswitch.plugin.hookimpl"
                )
            try:
                self._pm.register(plugin, name=f"{label}:{id(plugin)}")
            except pluggy.PluginValidationError as exc:
                raise ConfigurationError(f"plugin {label} has an invalid hook: {exc}") from exc
            self._observers_changed()

    def unregister_observer(self, plugin: object) -> None:
        """Stop calling ``plugin``'s observer hooks. Unknown plugins are ignored."""
        with self._lock:
            if self._pm.is_registered(plugin):
                self._pm.unregister(plugin)
                self._observers_changed()

    def _observers_changed(self) -> None:
        if self is _default:
            # Imported here: a registry lookup (connect(), a webhook parse()) needs no
            # observer machinery until an observer registers.
            from callswitch import _observe

            _observe._refresh(self._pm)

    def _dist_info(self, ep: EntryPoint) -> tuple[str, str] | None:
        """(name, version) of the distribution that installed ``ep``. Read once per
        distribution: ``Distribution.name`` and ``.version`` each parse its METADATA again."""
        if ep.dist is None:
            return None
        if ep.dist not in self._dists:
            metadata = ep.dist.metadata
            self._dists[ep.dist] = (metadata["Name"], metadata["Version"])
        return self._dists[ep.dist]

    def _load_entry_point(self, name: str) -> None:
        ep = self._eps()[name]
        dist_info = self._dist_info(ep)
        dist = dist_info[0] if dist_info is not None else "unknown distribution"
        try:
            module = ep.load()
        except Exception as exc:
            raise ConfigurationError(
                f"provider plugin {name!r} ({ep.value}, from {dist}) failed to import: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        self._collect(module, f"{ep.value} (from {dist})", ep, dist_info)

    # -- lookup -------------------------------------------------------------------------
    def get(self, name: str) -> ProviderSpec:
        """The spec for ``name``, loading its plugin on first use."""
        with self._lock:
            if name in self._specs:
                return self._specs[name]
            self._eps()
            if name in self._failed:
                raise self._failed[name]
            if name not in self._eps():
                installed = ", ".join(self.names()) or "none"
                raise ConfigurationError(
                    f"unknown provider {name!r}; installed providers: {installed}. "
                    "Install the provider's plugin package or fix the name"
                )
            try:
                self._load_entry_point(name)
            except ConfigurationError as exc:
                self._failed[name] = exc
                raise
            return self._specs[name]

    def all(self) -> tuple[ProviderSpec, ...]:
        """Every provider that loads. Broken plugins are skipped; see :meth:`errors`."""
        specs = []
        for name in self.names():
            try:
                specs.append(self.get(name))
            except ConfigurationError:
                continue
        return tuple(specs)

    def errors(self) -> dict[str, ConfigurationError]:
        """Plugins that failed to load, by provider name (after :meth:`all` or :meth:`get`)."""
        with self._lock:
            return dict(self._failed)

    def capability_matrix(self) -> CapabilityMatrix:
        return CapabilityMatrix(tuple(spec.capabilities for spec in self.all()))


def _implements_observer(plugin: object) -> bool:
    """Whether ``plugin`` has a hook implementation named like an observer hook."""
    return any(
        getattr(getattr(plugin, name, None), "callswitch_impl", None) is not None
        for name in hookspecs.OBSERVER_HOOKS
    )


def _dist_name(ep: EntryPoint) -> str:
    return ep.dist.name if ep.dist is not None else "an unknown distribution"


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The process-wide registry of installed providers."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Registry()
    return _default
