"""The built-in social exporter, a plugin like any other.

It registers the ``social`` exporter and the seven built-in networks
through the public hooks; another plugin adds a network by registering a
:class:`sidcontent.exporting.SocialPlatform` of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from sidcontent.exporting import Exporter, SocialPlatform
from sidcontent.hookspecs import hookimpl

from .exporter import SocialExporter
from .platforms import BUILTIN_PLATFORMS

__all__ = ["SocialExporter", "register_exporters", "register_social_platforms"]


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(SocialExporter())


@hookimpl
def register_social_platforms(register: Callable[[SocialPlatform], None]) -> None:
    for platform in BUILTIN_PLATFORMS:
        register(platform())
