"""Share images: the headline on the theme's colours, as PNG.

Sizes: ``card`` 1200x630 (link cards, 1.91:1) and ``square`` 1080x1080.
The text and background colours are the first pair from the theme's palette
that reaches WCAG AA contrast (4.5:1), trying the primary, secondary,
accent and background colours as backgrounds, in that order, with the
palette's background and text colours, then white and black, as text. One
of white and black always reaches 4.5:1, so a pair is always found.

Text is set by the shared typesetting engine (the poster's): Noto faces per
script, HarfBuzz shaping, ICU bidi and line breaking, so Arabic and Hebrew
read right to left (flush right), Thai breaks between dictionary words and
Japanese keeps its kinsoku. The image is that page drawn as a one-page PDF
and rasterised by PDFium, so an image comes out the same on every machine
and exactly like the poster's type. Emoji are left out of the image (no
font has them); text no font draws is refused rather than drawn as boxes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pikepdf
import pypdfium2
import regex

from sidcontent.exporters.colours import contrast
from sidcontent.exporters.typesetting import fonts as typefaces
from sidcontent.exporters.typesetting.pdf import Page
from sidcontent.exporters.typesetting.text import (
    Line,
    Paragraph,
    Style,
    UndrawableText,
    describe,
    is_rtl,
)
from sidcontent.exporting import Palette

AA_CONTRAST = 4.5
WHITE, BLACK = "#FFFFFF", "#000000"
DEFAULT_PALETTE = Palette(
    primary="#1F3A5F", secondary="#2E6F95", accent="#F2A541", background="#FFFFFF", text="#111111"
)
FONT_FAMILY = "Noto Sans"
HEADLINE_WEIGHT, FOOTER_WEIGHT = 700, 500
LINE_SPACING = 1.18

_EMOJI = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\ufe0e\ufe0f\u200d\u20e3]"
)


_HASHTAG = regex.compile(r"#[\p{L}\p{N}_]+")


class ImageTextError(ValueError):
    """Text that cannot be drawn: a script no font has, or too long to fit."""


# --- colour -------------------------------------------------------------------


@dataclass(frozen=True)
class Colours:
    background: str
    foreground: str
    accent: str
    contrast: float


def choose_colours(palette: Palette | None) -> Colours:
    p = palette or DEFAULT_PALETTE
    backgrounds = (p.primary, p.secondary, p.accent, p.background)
    foregrounds = (p.background, p.text, WHITE, BLACK)
    for background in backgrounds:
        for foreground in foregrounds:
            ratio = contrast(background, foreground)
            if ratio >= AA_CONTRAST:
                others = (c for c in (p.accent, p.secondary, p.primary) if c != background)
                accent = next(others, foreground)
                return Colours(background.upper(), foreground.upper(), accent.upper(), ratio)
    raise AssertionError("white or black always reaches 4.5:1")  # pragma: no cover


# --- text ---------------------------------------------------------------------


def drawable(value: str) -> tuple[str, bool]:
    """``value`` without emoji, and whether any were left out. Whether a font draws the
    rest is known when it is set (:func:`render` raises :class:`ImageTextError`)."""
    stripped = _EMOJI.sub("", value)
    stripped = regex.sub(r"[^\S\n]{2,}", " ", stripped).strip()
    return stripped, stripped != value.strip()


def _paragraph(value: str, weight: int, locale: str) -> Paragraph:
    try:
        return Paragraph(value, Style(weight, locale))
    except UndrawableText as error:
        raise ImageTextError(
            f"no installed font has glyphs for {describe(error.chars)}"
            + str(error).partition(describe(error.chars))[2]
        ) from None
    except typefaces.MissingFont as error:
        raise ImageTextError(error.message) from None


def _fit(
    p: Paragraph, width: float, height: float, low: int, high: int
) -> tuple[int, list[Line]] | None:
    """The largest font size in [low, high] at which the paragraph fits the box."""
    best = None
    while low <= high:
        size = (low + high) // 2
        ranges = p.wrap(width / size)
        if ranges is not None and len(ranges) * size * LINE_SPACING <= height:
            best = (size, ranges)
            low = size + 1
        else:
            high = size - 1
    if best is None:
        return None
    return best[0], [p.line(a, b) for a, b in best[1]]


def render(
    headline: str,
    footer: str,
    size: tuple[int, int],
    palette: Palette | None,
    locale: str = "en",
) -> tuple[bytes, dict[str, Any]]:
    """A PNG share image and what was chosen for it.

    ``headline`` and ``footer`` must already be :func:`drawable`.
    """
    width, height = size
    colours = choose_colours(palette)
    short = min(width, height)
    margin = round(short * 0.08)
    bar = round(short * 0.025)
    rtl = is_rtl(locale)
    if rtl:
        # The footer is ours: its hashtag keeps the "#" in front in right-to-left text.
        footer = _HASHTAG.sub(lambda m: f"\u2068{m.group(0)}\u2069", footer)
    head = _paragraph(headline, HEADLINE_WEIGHT, locale)
    foot = _paragraph(footer, FOOTER_WEIGHT, locale) if footer else None

    # PDF coordinates: y grows upwards, one point per pixel.
    page = Page(width, height)
    page.fill_rect(0, 0, width, height, colours.background)
    page.fill_rect(0, height - bar, width, height, colours.accent)

    def x_for(line: Line, font_size: float) -> float:
        return width - margin - line.width * font_size if rtl else margin

    footer_line: Line | None = None
    # The footer takes the largest size at which it fits one line; a footer
    # that does not fit even small is left out rather than cut.
    footer_size = round(short * 0.025)
    if foot is not None:
        for candidate in range(round(short * 0.045), round(short * 0.025) - 1, -1):
            ranges = foot.wrap((width - 2 * margin) / candidate)
            if ranges is not None and len(ranges) <= 1:
                footer_size, footer_line = candidate, foot.line(*ranges[0])
                break
    footer_top = height - margin - footer_size  # from the top, as the layout reads
    if footer_line is not None:
        baseline = height - (footer_top + footer_line.ascent * footer_size)
        page.text(
            footer_line, x_for(footer_line, footer_size), baseline, footer_size, colours.foreground
        )

    box_top = bar + margin
    box_height = (footer_top - margin // 2 if footer_line else height - margin) - box_top
    fitted = _fit(
        head,
        width - 2 * margin,
        box_height,
        round(short * 0.05),
        round(min(short * 0.14, width * 0.09)),
    )
    if fitted is None:
        raise ImageTextError("the headline is too long to fit a share image")
    font_size, lines = fitted
    line_height = font_size * LINE_SPACING
    top = box_top + (box_height - line_height * len(lines)) / 2
    # Each line's glyphs sit in the middle of its line box.
    for i, line in enumerate(lines):
        inner = (line_height - (line.ascent + line.descent) * font_size) / 2
        baseline = height - (top + i * line_height + inner + line.ascent * font_size)
        page.text(line, x_for(line, font_size), baseline, font_size, colours.foreground)

    pdf = pikepdf.new()
    page.write(pdf)
    buffer = io.BytesIO()
    pdf.save(buffer)
    document = pypdfium2.PdfDocument(buffer.getvalue())
    try:
        image = document[0].render(scale=1.0).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    families = sorted({g.font.family for line in lines for g in line.glyphs})
    return out.getvalue(), {
        "width": width,
        "height": height,
        "background": colours.background,
        "foreground": colours.foreground,
        "contrast": round(colours.contrast, 2),
        "font": ", ".join(families) or FONT_FAMILY,
        "font_size": font_size,
        "lines": [line.text for line in lines],
        "direction": "rtl" if rtl else "ltr",
    }
