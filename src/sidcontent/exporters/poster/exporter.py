"""The poster exporter as ``/exporters`` sees it: name, media types, options.

Every process that serves reads imports this module, so it holds only what
listing the exporter and validating its options need; the layout, fonts,
PDF and PNG work is in :mod:`.work`, imported in the export's own process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sidcontent.exporters.poster.options import PosterOptionsSchema
from sidcontent.exporting import Artifact, ContentBundle, ExportContext, Exporter

PDF = "application/pdf"
PNG = "image/png"
MEDIA_TYPES = (PDF, PNG)


class PosterExporter(Exporter):
    name = "poster"
    title = "Print poster"
    description = (
        "A print-ready PDF poster (A4, A3, A2, US Letter, Tabloid; portrait or landscape; "
        "optional bleed with crop marks) in the theme's colours, with the headline fitted to "
        "its box, embedded fonts and a tracked QR code; or a PNG preview of it."
    )
    media_types = MEDIA_TYPES
    options_schema = PosterOptionsSchema

    def preload(self) -> None:
        # Parsed fonts too: each export's forked child inherits them, ~60 ms a poster.
        from sidcontent.exporters.poster import fonts, work  # noqa: F401

        fonts.preload()

    def export(
        self, bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext
    ) -> Artifact:
        from sidcontent.exporters.poster import work

        return work.export(bundle, options, context)
