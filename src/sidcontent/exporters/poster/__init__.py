"""The built-in poster exporter, a plugin registered through the public hooks.

Modules: ``pages`` (sheet sizes and print boxes), ``fonts`` (embedded faces and
what they can draw), ``fitting`` (text to box), ``layout`` (what goes where),
``qr`` (tracked URL and symbol), ``render`` (PDF), ``preview`` (PNG),
``options`` (the schema) and ``exporter`` (the Exporter itself).
"""

from __future__ import annotations

from collections.abc import Callable

from sidcontent.exporters.poster.exporter import PosterExporter
from sidcontent.exporting import Exporter
from sidcontent.hookspecs import hookimpl

__all__ = ["PosterExporter", "register_exporters"]


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(PosterExporter())
