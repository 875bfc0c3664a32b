"""The poster exporter's work: options in, a print-ready PDF (or its PNG preview) out.

Imported only when an export runs (see :mod:`.exporter`): shaping, PDF writing,
the QR code and the PNG preview bring their libraries with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from sidcontent.exporters import fallback
from sidcontent.exporters.poster import layout
from sidcontent.exporters.poster.exporter import MEDIA_TYPES, PDF, PNG
from sidcontent.exporters.poster.options import PosterOptions
from sidcontent.exporters.poster.preview import render_png
from sidcontent.exporters.poster.render import render_pdf
from sidcontent.exporting import Artifact, ContentBundle, ExportContext, ExportError


def export(bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext) -> Artifact:
    """What ``PosterExporter.export`` does, in the export's process."""
    if context.media_type not in MEDIA_TYPES:
        raise ExportError(
            f"the poster exporter makes {' or '.join(MEDIA_TYPES)}, not {context.media_type}",
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
