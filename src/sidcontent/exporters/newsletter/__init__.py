"""The built-in newsletter exporter, registered through the public hooks.

Email-safe HTML snippets with a plain-text twin, Markdown and a preview
``.eml``; see :mod:`sidcontent.exporters.newsletter.exporter`.
"""

from __future__ import annotations

from collections.abc import Callable

from sidcontent.exporters.newsletter.exporter import NewsletterExporter
from sidcontent.exporting import Exporter
from sidcontent.hookspecs import hookimpl

__all__ = ["NewsletterExporter", "register_exporters"]


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(NewsletterExporter())
