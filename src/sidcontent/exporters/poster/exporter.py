"""The poster exporter: options in, a print-ready PDF (or its PNG preview) out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from sidcontent.exporters import fallback
from sidcontent.exporters.poster import fonts, layout
from sidcontent.exporters.poster.options import PosterOptions, PosterOptionsSchema
from sidcontent.exporters.poster.preview import render_png
from sidcontent.exporters.poster.render import render_pdf
from sidcontent.exporting import Artifact, ContentBundle, ExportContext, Exporter, ExportError

PDF = "application/pdf"
PNG = "image/png"


class PosterExporter(Exporter):
    name = "poster"
    title = "Print poster"
    description = (
        "A print-ready PDF poster (A4, A3, A2, US Letter, Tabloid; portrait or landscape; "
        "optional bleed with crop marks) in the theme's colours, with the headline fitted to "
        "its box, embedded fonts and a tracked QR code; or a PNG preview of it."
    )
    media_types = (PDF, PNG)
    options_schema = PosterOptionsSchema

    def __init__(self) -> None:
        # Parse the fonts now, in the process that loads plugins: the host forks a child
        # per export, and a child that inherits parsed fonts saves ~60 ms on every poster.
        fonts.preload()

    def export(
        self, bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext
    ) -> Artifact:
        if context.media_type not in self.media_types:
            raise ExportError(
                f"the poster exporter makes {' or '.join(self.media_types)}, "
                f"not {context.media_type}",
                field="media_type",
            )
        try:
            opts = PosterOptions.from_mapping(options)
        except ValidationError as error:
            # Schema errors are keyed by field (what normalized_messages gives).
            messages = error.messages
            field = next(iter(messages), None) if isinstance(messages, dict) else None
            raise ExportError(f"invalid poster options: {error.messages}", field=field) from error
        bundle = fallback.select(bundle, opts.fallback, resources=False)
        plan = layout.plan(bundle, opts)
        fallback_warnings, locales = fallback.report(bundle, opts.fallback, plan.messages)
        pdf = render_pdf(plan, opts.standard)
        g = plan.geometry
        stem = "-".join(
            [bundle.campaign.slug, bundle.locale, opts.layout, opts.size, opts.orientation]
            + (["bleed"] if opts.bleed else [])
        )
        headline = next(t for t in plan.texts if t.role == "headline")
        metadata = {
            "size": opts.size,
            "orientation": opts.orientation,
            "layout": opts.layout,
            "bleed_mm": round(g.bleed_width * 25.4 / 72, 3),
            "trim_mm": [round(g.trim.width * 25.4 / 72, 1), round(g.trim.height * 25.4 / 72, 1)],
            "headline_pt": headline.size,
            "qr_url": plan.qr.code.url,
            "qr_mm": round(plan.qr.symbol_width * 25.4 / 72, 1),
            "language": plan.metadata.language,
            "print_standard": opts.standard,
            **locales,
        }
        warnings = fallback_warnings + plan.warnings
        if context.media_type == PNG:
            png = render_png(pdf, g, opts.preview_width)
            return Artifact(f"{stem}.png", PNG, png, metadata, warnings)
        return Artifact(f"{stem}.pdf", PDF, pdf, metadata, warnings)
