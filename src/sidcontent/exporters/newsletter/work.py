"""The newsletter exporter's work: one Newsletter, rendered in the format asked for.

Imported only when an export runs (see :mod:`.exporter`), with its CSS inliner
and templates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sidcontent.exporters import fallback
from sidcontent.exporters.newsletter.document import Newsletter, build
from sidcontent.exporters.newsletter.eml import render_eml
from sidcontent.exporters.newsletter.exporter import EXTENSIONS as _EXTENSIONS
from sidcontent.exporters.newsletter.html import render_html
from sidcontent.exporters.newsletter.markdown import render_markdown
from sidcontent.exporters.newsletter.options import CLIP_LIMIT_BYTES
from sidcontent.exporters.newsletter.text import render_text
from sidcontent.exporting import Artifact, ContentBundle, ExportContext, ExportError


def export(bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext) -> Artifact:
    """What ``NewsletterExporter.export`` does, in the export's process."""
    # Parameters such as "; charset=utf-8" do not change what is made (always UTF-8).
    media_type = context.media_type.split(";", 1)[0].strip().lower()
    if media_type not in _EXTENSIONS:
        raise ExportError(
            f"the newsletter exporter makes {', '.join(_EXTENSIONS)}, not {media_type}",
            field="media_type",
        )
    bundle = fallback.select(bundle, options["fallback"])
    newsletter = build(bundle, options)
    fallback_warnings, locales = _locales(bundle, options["fallback"], newsletter)
    html = render_html(newsletter)
    size = len(html.encode("utf-8"))
    warnings: tuple[str, ...] = ()
    if size > CLIP_LIMIT_BYTES:
        problem = (
            f"the HTML is {size} bytes; Gmail clips messages over {CLIP_LIMIT_BYTES} "
            "bytes (choose fewer audiences or lower max_messages / max_resources)"
        )
        if options["fail_if_clipped"]:
            raise ExportError(problem, field="fail_if_clipped")
        warnings = (problem,)
    if media_type == "text/html":
        content = html.encode("utf-8")
    elif media_type == "text/plain":
        content = render_text(newsletter).encode("utf-8")
    elif media_type == "text/markdown":
        content = render_markdown(newsletter).encode("utf-8")
    elif media_type == "message/rfc822":
        content = render_eml(newsletter, render_text(newsletter), html, options)
    else:
        content = json.dumps(
            {
                "subject": newsletter.subject,
                "preheader": newsletter.preheader,
                "html": html,
                "text": render_text(newsletter),
                "markdown": render_markdown(newsletter),
            },
            ensure_ascii=False,
        ).encode("utf-8")
    return Artifact(
        filename=_filename(newsletter, options, _EXTENSIONS[media_type]),
        media_type=media_type,
        content=content,
        metadata={**_metadata(newsletter, size), **locales},
        warnings=fallback_warnings + warnings,
    )


def _locales(
    bundle: ContentBundle, mode: str, newsletter: Newsletter
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Fallback warnings and per-item locales for the items the newsletter shows."""
    message_ids = {e.id for s in newsletter.sections for e in s.entries}
    resource_ids = {r.id for s in newsletter.sections for r in s.listings}
    return fallback.report(
        bundle,
        mode,
        [m for m in bundle.messages if m.id in message_ids],
        [r for r in bundle.resources if r.id in resource_ids],
    )


def _filename(newsletter: Newsletter, options: Mapping[str, Any], extension: str) -> str:
    # Slugs, audience values and locales are [a-z0-9-]; nothing to sanitise twice.
    parts = [newsletter.slug, newsletter.layout, *options["audiences"], newsletter.locale]
    return "-".join(p for p in parts if p) + f".{extension}"


def _metadata(newsletter: Newsletter, html_bytes: int) -> dict[str, Any]:
    return {
        "subject": newsletter.subject,
        "preheader": newsletter.preheader,
        "layout": newsletter.layout,
        "locale": newsletter.locale,
        "html_bytes": html_bytes,
        "clip_limit_bytes": CLIP_LIMIT_BYTES,
        "messages": sum(len(s.entries) for s in newsletter.sections),
        "resources": sum(len(s.listings) for s in newsletter.sections),
        "links": len({link.url for link in newsletter.links()}),
    }
