"""The social exporter's share images: one message's headline drawn as a PNG.

Its own module so that only exports that draw an image (``image/png``, the
zip) import the PDF, shaping and rasterising libraries behind it; a JSON or
CSV export, such as the studio's live counters, never does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sidcontent.exporting import Artifact, ContentBundle, ExportError, Message

from . import images
from . import options as optionsmod
from . import text as textmod
from .exporter import PNG


def _image_text(bundle: ContentBundle, message: Message) -> tuple[str, str, list[str]]:
    """The headline and footer to draw, emoji left out (with a warning)."""
    headline = textmod.clean(message.headline, one_line=True).text
    campaign = bundle.campaign
    footer = textmod.clean(campaign.name, one_line=True).text
    if campaign.hashtags:
        footer += f" · #{textmod.bare_hashtag(campaign.hashtags[0])}"
    warnings = []
    headline, stripped = images.drawable(headline)
    if stripped:
        warnings.append(f"message {message.id}: emoji left out of the share image")
    footer, _ = images.drawable(footer)
    if not headline:
        raise images.ImageTextError("the headline has nothing to draw")
    return headline, footer, warnings


def render(
    bundle: ContentBundle, message: Message, size_name: str
) -> tuple[bytes, dict[str, Any], list[str]]:
    headline, footer, warnings = _image_text(bundle, message)
    palette = bundle.theme.palette if bundle.theme else None
    png, meta = images.render(
        headline, footer, optionsmod.IMAGE_SIZES[size_name], palette, locale=message.locale
    )
    meta = {"message_id": message.id, "size": size_name, **meta}
    return png, meta, warnings


def png(
    bundle: ContentBundle, messages: Sequence[Message], opts: Mapping[str, Any], stem: str
) -> Artifact:
    if len(messages) != 1:
        raise ExportError(
            "image/png renders one message: pass messages=[id] (or ask for application/zip)",
            field="messages",
        )
    sizes = opts["image_sizes"] or ["card"]
    if len(sizes) != 1:
        raise ExportError(
            "image/png renders one size: pass image_sizes=['card'] or ['square']",
            field="image_sizes",
        )
    message = messages[0]
    try:
        drawn, meta, warnings = render(bundle, message, sizes[0])
    except images.ImageTextError as exc:
        raise ExportError(f"message {message.id}: {exc}", field="headline") from None
    return Artifact(f"{stem}-{message.id}-{sizes[0]}.png", PNG, drawn, meta, tuple(warnings))
