"""The poster's typeface: embedded TrueType faces, and what text they can draw.

Source Sans Pro comes from the ``font-source-sans-pro`` wheel (SIL OFL): static
TrueType faces covering Latin, Greek and Cyrillic, which reportlab embeds as
subsets. Static faces matter: the maintained Noto Sans wheels ship only
variable fonts, which reportlab cannot embed per weight, and instancing one
with fontTools takes about 10 s. reportlab's built-in Helvetica is never
used, because it is never embedded and print shops reject that.

Text from the content goes through :func:`prepare` before layout: control and
invisible format characters are dropped (with a warning), right-to-left text
is refused (reportlab does not shape it, so it would print backwards and
unjoined), and any character the faces cannot draw is refused by name rather
than printed as an empty box.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import font_source_sans_pro
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from sidcontent.exporting import ExportError

FAMILY = "Source Sans Pro"
FONT_DIR = Path(font_source_sans_pro.font_directory)
FACE_FILES = {
    "regular": "SourceSansPro-Regular.ttf",
    "semibold": "SourceSansPro-Semibold.ttf",
    "bold": "SourceSansPro-Bold.ttf",
    "black": "SourceSansPro-Black.ttf",
}
# Spaces that must not become break opportunities (French puts one before ":" and "»").
NO_BREAK_SPACES = "\u00a0\u202f\u2007"
_SPACES = re.compile(r" +")


@dataclass(frozen=True)
class Face:
    name: str  # the name registered with reportlab
    ascent: float  # top of the tallest glyph (accented capitals), in em
    descent: float  # bottom of the lowest glyph, in em (positive)


def _ttf(name: str) -> TTFont:
    font = pdfmetrics.getFont(name)
    assert isinstance(font, TTFont), name  # every face here is registered as a TTFont
    return font


@functools.cache
def faces() -> dict[str, Face]:
    """Register the faces with reportlab once per process and describe them."""
    out = {}
    for key, filename in FACE_FILES.items():
        name = f"SIDPoster-{key}"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        face = _ttf(name).face
        # The font's bounding box, not its typographic ascent: a capital with an
        # accent must stay inside the box the layout reserved for the line.
        out[key] = Face(name=name, ascent=face.bbox[3] / 1000, descent=-face.bbox[1] / 1000)
    return out


@functools.cache
def coverage() -> frozenset[int]:
    """Code points every face can draw."""
    sets = [set(_ttf(f.name).face.charToGlyph) for f in faces().values()]
    return frozenset(set.intersection(*sets))


def width(text: str, face: Face, size: float) -> float:
    """Advance width in points. reportlab does not kern, so widths add up exactly:
    fitting measures each word once (cached) and sums."""
    return _width_per_point(text, face.name) * size


@functools.lru_cache(maxsize=65536)
def _width_per_point(text: str, font_name: str) -> float:
    return pdfmetrics.stringWidth(text, font_name, 1.0)


@dataclass(frozen=True)
class Prepared:
    text: str
    removed: tuple[str, ...]  # control or format characters that were dropped


def _normalise(text: str) -> tuple[str, list[str]]:
    text = unicodedata.normalize("NFC", text)
    kept, removed = [], []
    for ch in text:
        if ch in NO_BREAK_SPACES:
            kept.append(ch)
        elif ch.isspace():
            kept.append(" ")  # newlines and tabs have no meaning in a fitted text box
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            removed.append(ch)  # NUL, zero-width and bidi override characters print nothing
        else:
            kept.append(ch)
    return _SPACES.sub(" ", "".join(kept)).strip(), removed


def printable(text: str) -> str:
    """``text`` without invisible control characters, for metadata (which needs no glyphs)."""
    return _normalise(text)[0]


def prepare(text: str, field: str) -> Prepared:
    """Normalise ``text`` for print, or raise :class:`ExportError` naming ``field``."""
    cleaned, removed = _normalise(text)
    rtl = [ch for ch in cleaned if unicodedata.bidirectional(ch) in ("R", "AL")]
    if rtl:
        raise ExportError(
            f"{field} contains right-to-left text ({_sample(rtl)}); the poster exporter "
            "cannot shape right-to-left scripts yet, and refuses rather than print it "
            "reversed and unjoined",
            field=field,
        )
    covered = coverage()
    missing = [ch for ch in cleaned if ch != " " and ord(ch) not in covered]
    if missing:
        raise ExportError(
            f"{field} has characters the poster font ({FAMILY}: Latin, Greek, Cyrillic) "
            f"cannot draw: {_sample(missing)}",
            field=field,
        )
    return Prepared(cleaned, tuple(removed))


def _sample(chars: list[str], limit: int = 8) -> str:
    unique = list(dict.fromkeys(chars))
    named = [f"{ch} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})" for ch in unique]
    more = f" and {len(unique) - limit} more" if len(unique) > limit else ""
    return ", ".join(named[:limit]) + more
