"""The plugin manager: built-ins, registration through hooks, bookkeeping.

Built-in exporters are plugins like any other: they are modules listed in
``BUILTIN_PLUGINS`` and register through the same hooks a third party uses.
One ``PluginHost`` per app (in ``app.extensions``), never a global.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pluggy

from sidcontent import hookspecs
from sidcontent.exporting import Exporter, SocialPlatform

BUILTIN_PLUGINS: tuple[str, ...] = ("sidcontent.exporters.poster",)


class PluginError(Exception):
    """A plugin broke the contract (wrong type, duplicate name, ...)."""


@dataclass(frozen=True)
class Registered:
    """An exporter or platform and the plugin that gave it."""

    item: Any
    plugin: str


class PluginHost:
    def __init__(self, builtins: Iterable[str] = BUILTIN_PLUGINS) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        for name in builtins:
            self.register(importlib.import_module(name), name)
        self.pm.check_pending()
        self.exporters: dict[str, Registered] = {}
        self.social_platforms: dict[str, Registered] = {}
        self._collect()

    def register(self, plugin: ModuleType | object, name: str) -> None:
        self.pm.register(plugin, name=name)

    def _collect(self) -> None:
        for impl in self.pm.hook.register_exporters.get_hookimpls():
            impl.function(register=self._registrar(impl.plugin_name, Exporter, self.exporters))
        for impl in self.pm.hook.register_social_platforms.get_hookimpls():
            impl.function(
                register=self._registrar(impl.plugin_name, SocialPlatform, self.social_platforms)
            )

    @staticmethod
    def _registrar(plugin: str, kind: type, into: dict[str, Registered]) -> Any:
        def register(item: Any) -> None:
            if not isinstance(item, kind):
                raise PluginError(
                    f"plugin {plugin!r} registered {item!r}, which is not a {kind.__name__}"
                )
            if item.name in into:
                raise PluginError(
                    f"{kind.__name__} name {item.name!r} is claimed by both "
                    f"{into[item.name].plugin!r} and {plugin!r}"
                )
            into[item.name] = Registered(item, plugin)

        return register
