"""The social exporter as ``/exporters`` sees it: name, media types, options.

Every process that serves reads imports this module (the built-ins load like
any plugin), so it holds only what listing the exporter and validating its
options need. The work, and the PDF, image and font libraries behind the
share image, live in :mod:`.work` (and :mod:`.cards`, for the image),
imported by ``export`` in the export's own process, or ahead of time by
``preload`` in an export worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sidcontent.exporting import Artifact, ContentBundle, ExportContext, Exporter

from . import options as optionsmod

JSON, CSV, PNG, ZIP = "application/json", "text/csv", "image/png", "application/zip"
MEDIA_TYPES = (JSON, CSV, PNG, ZIP)


class SocialExporter(Exporter):
    name = "social"
    title = "Social posts"
    description = (
        "Posts for each social platform, counted the way each counts (X weighted, "
        "Mastodon and X with URLs as 23, Bluesky graphemes with link and tag facets), with "
        "hashtags within each platform's rules, tracked links, alt text and threads or "
        "shortening for long texts. JSON, CSV for bulk schedulers, a PNG share image, or "
        "a zip of all three."
    )
    media_types: ClassVar[tuple[str, ...]] = MEDIA_TYPES
    options_schema = optionsmod.SocialOptionsSchema

    def preload(self) -> None:
        from . import cards, counting, work  # noqa: F401 (importing them is the preloading)

        counting.preload()

    def export(
        self, bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext
    ) -> Artifact:
        from . import work

        return work.export(bundle, options, context)
