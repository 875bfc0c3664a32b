"""Share images: the headline on the theme's colours, as PNG.

Sizes: ``card`` 1200x630 (link cards, 1.91:1) and ``square`` 1080x1080.
The text and background colours are the first pair from the theme's palette
that reaches WCAG AA contrast (4.5:1), trying the primary, secondary,
accent and background colours as backgrounds, in that order, with the
palette's background and text colours, then white and black, as text. One
of white and black always reaches 4.5:1, so a pair is always found.

The font is Noto Sans from the ``fontpkg-noto-sans`` package (Latin, Greek,
Cyrillic, Vietnamese), drawn with Pillow's basic layout, so an image comes
out the same on every machine. Emoji are left out of the image (the font
has none); text in a script the font lacks is refused rather than drawn as
empty boxes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import fontpkg
import regex
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from sidcontent.exporters.colours import contrast
from sidcontent.exporting import Palette

from . import text as textmod

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


class ImageTextError(ValueError):
    """Text that cannot be drawn: a script the font lacks, or too long to fit."""


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


# --- font ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _font_path() -> str:
    return str(fontpkg.path(FONT_FAMILY, weight=HEADLINE_WEIGHT))


@lru_cache(maxsize=1)
def _coverage() -> frozenset[int]:
    with TTFont(_font_path(), lazy=True) as font:  # closes the file
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=256)
def _font(size: int, weight: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(_font_path(), size, layout_engine=ImageFont.Layout.BASIC)
    axes = {axis["name"]: axis for axis in font.get_variation_axes()}
    font.set_variation_by_axes(
        [
            float(weight if name == b"Weight" else axis["default"] or 0)
            for name, axis in axes.items()
        ]
    )
    return font


def drawable(value: str) -> tuple[str, bool]:
    """``value`` without emoji, and whether any were left out.

    Raises :class:`ImageTextError` naming the characters the font lacks.
    """
    stripped = _EMOJI.sub("", value)
    stripped = regex.sub(r"[^\S\n]{2,}", " ", stripped).strip()
    covered = _coverage()
    missing = sorted({ch for ch in stripped if not ch.isspace() and ord(ch) not in covered})
    if missing:
        shown = "".join(missing[:10])
        raise ImageTextError(
            f"the image font ({FONT_FAMILY}) has no glyphs for {shown!r}; share images "
            "support Latin, Greek, Cyrillic and Vietnamese text"
        )
    return stripped, stripped != value.strip()


# --- layout -------------------------------------------------------------------


def _wrap(value: str, font: ImageFont.FreeTypeFont, width: float) -> list[str] | None:
    """Lines of ``value`` no wider than ``width``, broken between units; None
    when a single unit is wider."""
    lines: list[list[textmod.Unit]] = []
    for unit in textmod.units(value):
        if font.getlength(unit.text) > width:
            return None
        if lines and font.getlength(textmod.join([*lines[-1], unit])) <= width:
            lines[-1].append(unit)
        else:
            lines.append([unit])
    return [textmod.join(line) for line in lines]


def _fit(
    value: str, width: float, height: float, low: int, high: int
) -> tuple[int, list[str]] | None:
    """The largest font size in [low, high] at which ``value`` fits the box."""
    best = None
    while low <= high:
        size = (low + high) // 2
        lines = _wrap(value, _font(size, HEADLINE_WEIGHT), width)
        if lines is not None and len(lines) * size * LINE_SPACING <= height:
            best = (size, lines)
            low = size + 1
        else:
            high = size - 1
    return best


def render(
    headline: str, footer: str, size: tuple[int, int], palette: Palette | None
) -> tuple[bytes, dict[str, Any]]:
    """A PNG share image and what was chosen for it.

    ``headline`` and ``footer`` must already be :func:`drawable`.
    """
    width, height = size
    colours = choose_colours(palette)
    short = min(width, height)
    margin = round(short * 0.08)
    bar = round(short * 0.025)

    image = Image.new("RGB", size, colours.background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, bar), fill=colours.accent)

    footer_lines: list[str] = []
    # The footer takes the largest size at which it fits one line; a footer
    # that does not fit even small is left out rather than cut.
    for footer_size in range(round(short * 0.045), round(short * 0.025) - 1, -1):
        footer_font = _font(footer_size, FOOTER_WEIGHT)
        wrapped = _wrap(footer, footer_font, width - 2 * margin) if footer else []
        if wrapped is not None and len(wrapped) <= 1:
            footer_lines = wrapped
            break
    footer_top = height - margin - footer_size
    if footer_lines:
        draw.text((margin, footer_top), footer_lines[0], font=footer_font, fill=colours.foreground)

    box_top = bar + margin
    box_height = (footer_top - margin // 2 if footer_lines else height - margin) - box_top
    fitted = _fit(
        headline,
        width - 2 * margin,
        box_height,
        round(short * 0.05),
        round(min(short * 0.14, width * 0.09)),
    )
    if fitted is None:
        raise ImageTextError("the headline is too long to fit a share image")
    font_size, lines = fitted
    font = _font(font_size, HEADLINE_WEIGHT)
    line_height = font_size * LINE_SPACING
    y = box_top + (box_height - line_height * len(lines)) / 2
    for line in lines:
        draw.text((margin, y), line, font=font, fill=colours.foreground)
        y += line_height

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue(), {
        "width": width,
        "height": height,
        "background": colours.background,
        "foreground": colours.foreground,
        "contrast": round(colours.contrast, 2),
        "font": FONT_FAMILY,
        "font_size": font_size,
        "lines": lines,
    }
