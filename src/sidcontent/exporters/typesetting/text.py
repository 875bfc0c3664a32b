"""Setting a paragraph: fonts per script, bidi, line breaks, HarfBuzz shaping.

The steps, each done by a library that implements the Unicode rules:

1. runs: every character gets a script (ICU) and so a font; common characters
   (spaces, digits, punctuation) take the script around them;
2. bidi: embedding levels from ICU's implementation of UAX #9, with the
   paragraph direction of the locale (right to left for Arabic and Hebrew);
3. break opportunities: ICU's line breaker, UAX #14 with the locale's
   tailoring (kinsoku for Japanese with ``lb=strict``, a dictionary for Thai);
   Korean breaks between words (at spaces), as Korean typography does;
4. shaping: HarfBuzz, per run, so joining (Arabic), conjuncts and reordering
   (Indic), mark stacking (Vietnamese) and mirroring come from the font.

Widths are measured once per paragraph in em (shaping does not depend on the
size without hinting), so fitting a box at many sizes costs one shaping pass.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import icu
import uharfbuzz as hb

from sidcontent.exporters.typesetting import fonts
from sidcontent.exporters.typesetting.fonts import Font, FontSource

RTL_LANGUAGES = frozenset({"ar", "he", "iw", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})
_INHERIT = frozenset({"Zyyy", "Zinh", "Zzzz"})


def is_rtl(locale: str) -> bool:
    return locale.replace("_", "-").split("-")[0].lower() in RTL_LANGUAGES


class UndrawableText(ValueError):
    """Characters no installed font draws (emoji, an unsupported script)."""

    def __init__(self, chars: list[str], reason: str = "") -> None:
        self.chars = list(dict.fromkeys(chars))
        super().__init__(f"no font draws {describe(self.chars)}{reason}")


def describe(chars: list[str], limit: int = 8) -> str:
    unique = list(dict.fromkeys(chars))
    named = [f"{ch} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})" for ch in unique]
    more = f" and {len(unique) - limit} more" if len(unique) > limit else ""
    return ", ".join(named[:limit]) + more


@dataclass(frozen=True)
class Glyph:
    font: Font
    gid: int
    x: float  # pen position from the line's left edge, in em
    dx: float  # HarfBuzz offsets, in em
    dy: float
    advance: float  # in em
    text: str  # the characters this glyph stands for ("" for a cluster's later glyphs)


@dataclass(frozen=True)
class Line:
    text: str  # logical order, as the reader reads it
    glyphs: tuple[Glyph, ...]  # visual order, left to right
    width: float  # in em
    rtl: bool  # the paragraph's direction (right-aligned when true)
    ascent: float  # in em, the tallest font on the line
    descent: float
    ink_top: float = 0.0  # in em above the baseline: the highest glyph's ink
    ink_bottom: float = 0.0  # in em, negative below the baseline: the lowest ink


@dataclass(frozen=True)
class Style:
    """What a paragraph is set in: a weight and the locale (fonts, breaks, direction)."""

    weight: int
    locale: str

    @property
    def rtl(self) -> bool:
        return is_rtl(self.locale)


def _script(ch: str) -> str:
    return str(icu.Script.getScript(ch).getShortName())


def _source(script: str, locale: str) -> FontSource | None:
    return fonts.source_for(script, locale)


class Paragraph:
    """One text in one style: measured once, broken into lines at any width."""

    def __init__(self, text: str, style: Style) -> None:
        self.text = text
        self.style = style
        self.fonts = self._assign_fonts()
        self.levels = self._levels()
        self.advances = self._advances()
        self.breaks = self._breaks()
        used = set(self.fonts) or {fonts.load(fonts.LATIN, style.weight)}
        self.ascent = max(f.ascent for f in used)
        self.descent = max(f.descent for f in used)

    # --- analysis -------------------------------------------------------------

    def _assign_fonts(self) -> list[Font]:
        text, locale, weight = self.text, self.style.locale, self.style.weight
        scripts = [_script(ch) for ch in text]
        # Common and inherited characters take the script before them (or after, at
        # the start), so "2024" in Arabic text stays with the Arabic run.
        resolved: list[str] = []
        last = next((s for s in scripts if s not in _INHERIT), "Latn")
        for s in scripts:
            if s not in _INHERIT:
                last = s
            resolved.append(last)
        latin = fonts.load(fonts.LATIN, weight)
        out: list[Font] = []
        missing: list[str] = []
        unsupported: dict[str, str] = {}
        for ch, script, own in zip(text, resolved, scripts, strict=True):
            source = _source(script, locale)
            try:
                font = fonts.load(source, weight) if source else None
            except fonts.MissingFont as error:
                name = fonts.SCRIPT_NAMES.get(script, script)
                raise fonts.MissingFont(f"{name} text needs {error.message}") from None
            if unicodedata.category(ch) == "Cf":
                out.append(out[-1] if out else latin)  # bidi isolates: drawn as nothing
                continue
            if ch == " " or ch in "\u00a0\u202f\u2007":
                out.append(font if font and font.glyph(ch) else latin)
                continue
            if font is not None and font.glyph(ch):
                out.append(font)
            elif own in _INHERIT and latin.glyph(ch):
                out.append(latin)  # punctuation or a digit the script's font lacks
            elif unicodedata.category(ch).startswith("M") and out:
                out.append(out[-1])  # a mark the font composes with its base
            else:
                missing.append(ch)
                if source is None and own not in _INHERIT:
                    long_name = str(icu.Script.getScript(ch).getName()).replace("_", " ")
                    unsupported[own] = fonts.SCRIPT_NAMES.get(own, long_name)
                out.append(latin)
        if missing:
            reason = ""
            if unsupported:
                reason = f" (no font is configured for {', '.join(sorted(unsupported.values()))})"
            raise UndrawableText(missing, reason)
        return out

    def _levels(self) -> list[int]:
        if not self.text:
            return []
        self._bidi = icu.Bidi()
        self._bidi.setPara(icu.UnicodeString(self.text), 1 if self.style.rtl else 0)
        levels16 = self._bidi.getLevels()
        return [levels16[i] for i in _utf16_starts(self.text)]

    def _visual_runs(self, start: int, end: int) -> list[tuple[int, int, bool]]:
        """text[start:end] as ICU's visual runs: (start, end, right to left), left first."""
        starts = _utf16_starts(self.text)
        index = _utf16_to_index(self.text)
        end16 = starts[end] if end < len(self.text) else index_end(self.text)
        line = self._bidi.setLine(starts[start], end16)
        out = []
        for i in range(line.countRuns()):
            logical, length, direction = line.getVisualRun(i)
            a = index[starts[start] + logical]
            b = index[starts[start] + logical + length]
            out.append((a, b, direction == 1))
        return out

    def _items(self, start: int, end: int) -> list[tuple[int, int]]:
        """Maximal ranges in [start, end) of one font and one bidi level."""
        out, a = [], start
        for i in range(start + 1, end + 1):
            if i == end or self.fonts[i] is not self.fonts[a] or self.levels[i] != self.levels[a]:
                out.append((a, i))
                a = i
        return out

    def _advances(self) -> list[float]:
        """Each character's share of the shaped width, in em (a cluster's width goes to
        its first character)."""
        out = [0.0] * len(self.text)
        for a, b in self._items(0, len(self.text)):
            for glyph_cluster, advance in _shape_advances(
                self.text, a, b, self.fonts[a], self.levels[a] % 2 == 1, self.style.locale
            ):
                out[glyph_cluster] += advance
        return out

    def _breaks(self) -> list[int]:
        """Indices where a line may start (ICU's line breaker for the locale)."""
        if not self.text:
            return []
        locale = self.style.locale.replace("-", "_")
        language = locale.split("_")[0].lower()
        breaker = icu.BreakIterator.createLineInstance(
            icu.Locale(f"{locale}@lb=strict" if language in ("ja", "zh") else locale)
        )
        breaker.setText(icu.UnicodeString(self.text))
        index = _utf16_to_index(self.text)
        out = []
        position = breaker.first()
        while True:
            position = breaker.nextBoundary()
            if position == -1:
                break
            i = index[position]
            if 0 < i < len(self.text):
                out.append(i)
        if language == "ko":
            # Korean sets words whole and breaks at the spaces between them.
            spaced = [i for i in out if self.text[i - 1].isspace()]
            out = spaced or out
        return out

    # --- lines ------------------------------------------------------------------

    def units(self) -> list[tuple[int, int]]:
        """The unbreakable pieces: from one break opportunity to the next."""
        edges = [0, *self.breaks, len(self.text)]
        return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]

    def span_width(self, start: int, end: int) -> float:
        """Width in em of text[start:end] without its trailing spaces."""
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return sum(self.advances[start:end])

    def wrap(self, max_width_em: float) -> list[tuple[int, int]] | None:
        """Greedy line ranges no wider than ``max_width_em``; ``None`` when one piece
        alone is wider (words are never cut)."""
        lines: list[tuple[int, int]] = []
        start = end = 0
        for a, b in self.units():
            if self.span_width(a, b) > max_width_em + 1e-9:
                return None
            if end > start and self.span_width(start, b) > max_width_em + 1e-9:
                lines.append((start, end))
                start = a
            end = b
        if end > start:
            lines.append((start, end))
        return lines

    def line(self, start: int, end: int) -> Line:
        """Shape text[start:end] (trailing spaces dropped) in visual order."""
        while end > start and self.text[end - 1].isspace():
            end -= 1
        while start < end and self.text[start].isspace():
            start += 1
        glyphs: list[Glyph] = []
        pen = 0.0
        for run_start, run_end, rtl in self._visual_runs(start, end) if end > start else []:
            items = self._items(run_start, run_end)
            for a, b in reversed(items) if rtl else items:
                font = self.fonts[a]
                shaped = _shape(self.text, a, b, font, rtl, self.style.locale)
                for (gid, cluster, cluster_end, advance, dx, dy), text in zip(
                    shaped, _glyph_texts(self.text, font, shaped), strict=True
                ):
                    if _invisible(self.text[cluster:cluster_end]) and advance == 0:
                        continue  # a bidi control: it ordered the text, it draws nothing
                    glyphs.append(Glyph(font, gid, pen, dx, dy, advance, text))
                    pen += advance
        used = {g.font for g in glyphs} or {fonts.load(fonts.LATIN, self.style.weight)}
        ink_top, ink_bottom = _ink(glyphs)
        return Line(
            ink_top=ink_top,
            ink_bottom=ink_bottom,
            text="".join(ch for ch in self.text[start:end] if not _invisible(ch)),
            glyphs=tuple(glyphs),
            width=pen,
            rtl=self.style.rtl,
            ascent=max(f.ascent for f in used),
            descent=max(f.descent for f in used),
        )


def _ink(glyphs: list[Glyph]) -> tuple[float, float]:
    """The line's ink from the fonts' glyph extents (HarfBuzz), in em from the baseline."""
    top, bottom = None, None
    for g in glyphs:
        extents = g.font.hb_font.get_glyph_extents(g.gid)
        if extents is None or (extents.width == 0 and extents.height == 0):
            continue  # a space draws nothing
        high = (extents.y_bearing) / g.font.upem + g.dy
        low = (extents.y_bearing + extents.height) / g.font.upem + g.dy
        top = high if top is None else max(top, high)
        bottom = low if bottom is None else min(bottom, low)
    return (top or 0.0), (bottom or 0.0)


def _utf16_starts(text: str) -> list[int]:
    """For each character, its index in UTF-16 code units (ICU counts those)."""
    out, i = [], 0
    for ch in text:
        out.append(i)
        i += 2 if ord(ch) > 0xFFFF else 1
    return out


def index_end(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _invisible(text: str) -> bool:
    return bool(text) and all(unicodedata.category(ch) == "Cf" for ch in text)


def _glyph_texts(
    text: str, font: Font, shaped: tuple[tuple[int, int, int, float, float, float], ...]
) -> list[str]:
    """What each glyph stands for, for the PDF's ToUnicode map: a glyph that is a
    character's own (cmap) glyph stands for it; the cluster's other characters go to
    its first glyph that is not (a ligature, a conjunct, a reordered vowel sign)."""
    out = [""] * len(shaped)
    clusters: dict[int, list[int]] = {}
    ends: dict[int, int] = {}
    for k, (_, cluster, end, *_rest) in enumerate(shaped):
        clusters.setdefault(cluster, []).append(k)
        ends[cluster] = max(ends.get(cluster, cluster), end)
    for cluster, members in clusters.items():
        chars = list(text[cluster : ends[cluster]])
        nominal = {font.glyph(ch): ch for ch in chars}
        if any(shaped[k][0] not in nominal for k in members):
            # The font drew a precomposed letter as base + mark (Vietnamese "ọ" as o and
            # a dot below): map the glyphs to the decomposed characters they draw.
            chars = list(unicodedata.normalize("NFD", "".join(chars)))
            nominal = {font.glyph(ch): ch for ch in chars}
        left = list(chars)
        for k in members:
            ch = nominal.get(shaped[k][0])
            if ch is not None and ch in left:
                out[k] = ch
                left.remove(ch)
        rest = "".join(left)
        if rest:
            k = next((k for k in members if not out[k]), members[0])
            out[k] += rest
    return out


def _utf16_to_index(text: str) -> dict[int, int]:
    starts = _utf16_starts(text)
    out = {u: i for i, u in enumerate(starts)}
    out[(starts[-1] + (2 if ord(text[-1]) > 0xFFFF else 1)) if text else 0] = len(text)
    return out


def _language(locale: str) -> str:
    return locale.replace("_", "-").split("-")[0].lower()


def _buffer(text: str, a: int, b: int, rtl: bool, locale: str) -> hb.Buffer:
    buf = hb.Buffer()
    # The whole text as context, so shaping at a run's edge sees its neighbours.
    buf.add_str(text, item_offset=a, item_length=b - a)
    buf.direction = "rtl" if rtl else "ltr"
    buf.language = _language(locale)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    return buf


@functools.lru_cache(maxsize=4096)
def _shape(
    text: str, a: int, b: int, font: Font, rtl: bool, locale: str
) -> tuple[tuple[int, int, int, float, float, float], ...]:
    """Glyphs of text[a:b] in visual order: (gid, cluster start, cluster end, advance, dx,
    dy), lengths in em, clusters as character indices into ``text``. Only the first glyph
    of a cluster carries its characters (the end of the others equals their start)."""
    buf = _buffer(text, a, b, rtl, locale)
    hb.shape(font.hb_font, buf, {})
    infos, positions = buf.glyph_infos, buf.glyph_positions
    scale = 1.0 / font.upem
    # item_offset counts code points for str input, so clusters are character indices.
    clusters = sorted({info.cluster for info in infos})
    ends = dict(zip(clusters, [*clusters[1:], b], strict=True))
    seen: set[int] = set()
    out = []
    for info, pos in zip(infos, positions, strict=True):
        end = ends[info.cluster] if info.cluster not in seen else info.cluster
        seen.add(info.cluster)
        out.append(
            (
                info.codepoint,
                info.cluster,
                end,
                pos.x_advance * scale,
                pos.x_offset * scale,
                pos.y_offset * scale,
            )
        )
    return tuple(out)


def _shape_advances(
    text: str, a: int, b: int, font: Font, rtl: bool, locale: str
) -> list[tuple[int, float]]:
    return [(c, adv) for _, c, _, adv, _, _ in _shape(text, a, b, font, rtl, locale)]
