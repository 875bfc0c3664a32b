"""The poster's type: Noto faces per script, set by the shared typesetting engine.

Text from the content goes through :func:`prepare` before layout: control and
invisible format characters are dropped (with a warning), and the text is set
once to find out whether every character has a font: a character no font
draws (an emoji, a script without a configured font) is refused by name, and a
script whose font package is not installed is refused naming the script and
the package. Nothing is ever printed as an empty box.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from sidcontent.exporters.typesetting import fonts as typefaces
from sidcontent.exporters.typesetting.text import Paragraph, Style, UndrawableText, describe
from sidcontent.exporting import ExportError

FAMILY = "Noto Sans"
WEIGHTS = {"regular": 400, "semibold": 600, "bold": 700, "black": 900}
# Spaces that must not become break opportunities (French puts one before ":" and "»").
NO_BREAK_SPACES = "\u00a0\u202f\u2007"
_SPACES = re.compile(r" +")


@dataclass(frozen=True)
class Face:
    """A weight in a locale: what a paragraph is set in."""

    name: str  # regular, semibold, bold, black
    weight: int
    locale: str

    @property
    def style(self) -> Style:
        return Style(self.weight, self.locale)

    @property
    def ascent(self) -> float:
        """Top of the Latin face's tallest glyphs, in em (digits, the tip numbers)."""
        return typefaces.load(typefaces.LATIN, self.weight).ascent

    @property
    def descent(self) -> float:
        return typefaces.load(typefaces.LATIN, self.weight).descent


def faces(locale: str = "en") -> dict[str, Face]:
    return {key: Face(key, weight, locale) for key, weight in WEIGHTS.items()}


def preload() -> None:
    """Load the package fonts now (the host forks a child per export: the child inherits
    them parsed)."""
    for weight in WEIGHTS.values():
        typefaces.load(typefaces.LATIN, weight)


@functools.lru_cache(maxsize=2048)
def paragraph(text: str, face: Face) -> Paragraph:
    return Paragraph(text, face.style)


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


def check(text: str, field: str, face: Face) -> None:
    """Raise :class:`ExportError` naming ``field`` when ``text`` cannot be set."""
    try:
        paragraph(text, face)
    except UndrawableText as error:
        raise ExportError(
            f"{field} has characters the poster fonts cannot draw: {describe(error.chars)}"
            + str(error).partition(describe(error.chars))[2],
            field=field,
        ) from None
    except typefaces.MissingFont as error:
        raise ExportError(f"{field}: {error.message}", field=field) from None


def prepare(text: str, field: str, locale: str = "en") -> Prepared:
    """Normalise ``text`` for print, or raise :class:`ExportError` naming ``field``."""
    cleaned, removed = _normalise(text)
    check(cleaned, field, Face("bold", WEIGHTS["bold"], locale))
    return Prepared(cleaned, tuple(removed))
