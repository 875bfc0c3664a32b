"""The newsletter exporter as ``/exporters`` sees it: name, media types, options.

Every process that serves reads imports this module, so it holds only what
listing the exporter and validating its options need; rendering (templates,
the CSS inliner, email) is in :mod:`.work`, imported in the export's process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import Schema

from sidcontent.exporters.newsletter.options import NewsletterOptions
from sidcontent.exporting import Artifact, ContentBundle, ExportContext, Exporter

EXTENSIONS = {
    "application/json": "json",
    "text/html": "html",
    "text/plain": "txt",
    "text/markdown": "md",
    "message/rfc822": "eml",
}


class NewsletterExporter(Exporter):
    name: ClassVar[str] = "newsletter"
    title: ClassVar[str] = "Newsletter snippet"
    description: ClassVar[str] = (
        "An email-safe HTML snippet (600 px tables, inline CSS, dark mode) with its "
        "plain-text twin, subject and preheader; Markdown; or a complete .eml to preview."
    )
    media_types: ClassVar[tuple[str, ...]] = tuple(EXTENSIONS)
    options_schema: ClassVar[type[Schema]] = NewsletterOptions

    def preload(self) -> None:
        from sidcontent.exporters.newsletter import work  # noqa: F401

    def export(
        self, bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext
    ) -> Artifact:
        from sidcontent.exporters.newsletter import work

        return work.export(bundle, options, context)
