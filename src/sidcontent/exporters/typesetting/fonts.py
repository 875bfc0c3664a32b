"""Which font draws which script, where it comes from, and loading it for HarfBuzz.

Fonts come from Python packages where the Noto family is packaged for PyPI
(``fontpkg-noto-*``: variable fonts, instanced per weight when embedded) and
otherwise from the system through fontconfig (Debian's ``fonts-noto-core`` for
Hebrew and Bengali, ``fonts-noto-cjk`` for Chinese, Japanese and Korean). A
script whose font is not installed is an error naming the script and the
package to install: never a silent fallback to boxes.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

import uharfbuzz as hb

from sidcontent.exporting import ExportError

# Weights the exporters ask for (CSS numbers), and fontconfig's names for them.
FC_WEIGHTS = {400: "regular", 500: "medium", 600: "semibold", 700: "bold", 900: "black"}


@dataclass(frozen=True)
class FontSource:
    family: str
    package: str  # what to install when the font is missing
    via: str  # "pypi" (fontpkg) or "fontconfig"


LATIN = FontSource("Noto Sans", "the PyPI package fontpkg-noto-sans", "pypi")
# ICU script codes (ISO 15924) to the font that draws them.
SCRIPT_FONTS: dict[str, FontSource] = {
    "Latn": LATIN,
    "Grek": LATIN,
    "Cyrl": LATIN,
    "Arab": FontSource("Noto Sans Arabic", "the PyPI package fontpkg-noto-sans-arabic", "pypi"),
    "Deva": FontSource(
        "Noto Sans Devanagari", "the PyPI package fontpkg-noto-sans-devanagari", "pypi"
    ),
    "Taml": FontSource("Noto Sans Tamil", "the PyPI package fontpkg-noto-sans-tamil", "pypi"),
    "Thai": FontSource("Noto Sans Thai", "the PyPI package fontpkg-noto-sans-thai", "pypi"),
    "Hebr": FontSource("Noto Sans Hebrew", "the Debian package fonts-noto-core", "fontconfig"),
    "Beng": FontSource("Noto Sans Bengali", "the Debian package fonts-noto-core", "fontconfig"),
}
CJK_SCRIPTS = frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo", "Hrkt", "Jpan", "Kore"})
SCRIPT_NAMES = {
    "Latn": "Latin",
    "Grek": "Greek",
    "Cyrl": "Cyrillic",
    "Arab": "Arabic",
    "Hebr": "Hebrew",
    "Deva": "Devanagari",
    "Beng": "Bengali",
    "Taml": "Tamil",
    "Thai": "Thai",
    "Hani": "Han (Chinese characters)",
    "Hira": "Hiragana",
    "Kana": "Katakana",
    "Hang": "Hangul",
    "Bopo": "Bopomofo",
}


def cjk_source(locale: str) -> FontSource:
    """The CJK face whose glyph shapes match the locale's conventions (the same code
    point is drawn differently in Japan, Korea, mainland China, Taiwan and Hong Kong)."""
    parts = locale.replace("_", "-").split("-")
    language, rest = parts[0].lower(), {p.upper() for p in parts[1:]}
    if language == "ja":
        region = "JP"
    elif language == "ko":
        region = "KR"
    elif "HK" in rest or "MO" in rest:
        region = "HK"
    elif "HANT" in rest or "TW" in rest:
        region = "TC"
    else:
        region = "SC"
    return FontSource(f"Noto Sans CJK {region}", "the Debian package fonts-noto-cjk", "fontconfig")


def source_for(script: str, locale: str) -> FontSource | None:
    if script in CJK_SCRIPTS:
        return cjk_source(locale)
    return SCRIPT_FONTS.get(script)


class MissingFont(ExportError):
    """The font for a script is not installed."""


@dataclass(frozen=True, eq=False)
class Font:
    """One face at one weight, ready for HarfBuzz (shaping) and for embedding."""

    family: str
    path: str
    index: int  # face index inside a collection (.ttc)
    weight: int
    variable: bool  # a variable font, instanced at ``weight`` when embedded
    hb_face: hb.Face
    hb_font: hb.Font
    upem: int
    ascent: float  # in em: hhea ascender, the line's top
    descent: float  # in em, positive
    cff: bool  # PostScript outlines (embedded as CFF), else TrueType

    @property
    def key(self) -> str:
        return f"{self.path}#{self.index}@{self.weight}"

    def glyph(self, char: str) -> int | None:
        gid = self.hb_font.get_nominal_glyph(ord(char))
        return gid or None


@functools.cache
def load(source: FontSource, weight: int) -> Font:
    """The face of ``source`` nearest ``weight``; raises :class:`MissingFont`."""
    if source.via == "pypi":
        path, index = _from_package(source, weight), 0
    else:
        path, index = _from_fontconfig(source, weight)
    blob = hb.Blob.from_file_path(path)
    face = hb.Face(blob, index)
    font = hb.Font(face)
    variable = "wght" in {axis.tag for axis in face.axis_infos}
    if variable:
        font.set_variations({"wght": float(weight)})
    extents = font.get_font_extents("ltr")
    upem = face.upem
    cff = "CFF " in face.table_tags
    return Font(
        family=source.family,
        path=path,
        index=index,
        weight=weight,
        variable=variable,
        hb_face=face,
        hb_font=font,
        upem=upem,
        ascent=extents.ascender / upem,
        descent=-extents.descender / upem,
        cff=cff,
    )


def _from_package(source: FontSource, weight: int) -> str:
    import fontpkg

    try:
        return str(fontpkg.path(source.family, weight=weight, nearest=True))
    except fontpkg.FontpkgError as error:
        raise MissingFont(
            f"the font {source.family}, which is not installed ({error}): install {source.package}"
        ) from None


@functools.cache
def _from_fontconfig(source: FontSource, weight: int) -> tuple[str, int]:
    missing = MissingFont(
        f"the font {source.family}, which is not installed: install {source.package}"
    )
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise missing
    pattern = f"{source.family}:{FC_WEIGHTS.get(weight, 'regular')}"
    result = subprocess.run(
        [fc_match, "--format=%{file}|%{index}|%{family}", pattern],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    path, _, rest = result.stdout.partition("|")
    index, _, families = rest.partition("|")
    # fc-match always answers with something: only the family asked for will do.
    if source.family not in [f.strip() for f in families.split(",")]:
        raise missing
    return path, int(index or 0)
