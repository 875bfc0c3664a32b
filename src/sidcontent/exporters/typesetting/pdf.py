"""Drawing set lines into a PDF page with pikepdf: embedded, subset CID fonts.

Each font used is subset by HarfBuzz (variable fonts instanced at their weight
on the way) and embedded as a Type 0 font with Identity-H encoding: TrueType
outlines as ``FontFile2``, CFF outlines (the CJK faces) as ``FontFile3`` of
subtype ``CIDFontType0C``, which PDF 1.3 and later read, so the same file
suits PDF/X-1a (PDF 1.4) and PDF/X-4. Every font gets its own subset tag.

Text stays text: a ToUnicode map per font, and each line wrapped in a marked
span whose ``ActualText`` is the line in logical order, so extractors read
Arabic, Hebrew and Devanagari back as written, not in drawing order.
"""

from __future__ import annotations

import hashlib
import io
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pikepdf
import uharfbuzz as hb
from fontTools.ttLib import TTFont

from sidcontent.exporters.typesetting.fonts import Font
from sidcontent.exporters.typesetting.text import Glyph, Line

# Tables a PDF viewer never reads from an embedded font: shaping is already done.
_DROP = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "STAT", "DSIG", "VORG", "vhea", "vmtx")

ColourOp = Callable[[str, bool], str]  # (#RRGGBB, stroke?) -> PDF colour operator


def rgb_colour(hex_colour: str, stroke: bool = False) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return f"{_n(r)} {_n(g)} {_n(b)} {'RG' if stroke else 'rg'}"


def _n(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


@dataclass
class _FontUse:
    font: Font
    gids: set[int] = field(default_factory=set)
    texts: dict[int, str] = field(default_factory=dict)
    resource: str = ""


@dataclass
class _TextDraw:
    line: Line
    x: float
    baseline: float
    size: float
    colour: str


@dataclass
class Page:
    """A page's drawing, in PDF points; :meth:`write` adds it to a pikepdf document."""

    width: float
    height: float
    colour: ColourOp = rgb_colour
    _ops: list[str | _TextDraw] = field(default_factory=list)
    _fonts: dict[str, _FontUse] = field(default_factory=dict)

    def fill_rect(self, x0: float, y0: float, x1: float, y1: float, colour: str) -> None:
        self._ops.append(
            f"{self.colour(colour, False)} {_n(x0)} {_n(y0)} {_n(x1 - x0)} {_n(y1 - y0)} re f"
        )

    def fill_rects(self, rects: Iterable[tuple[float, float, float, float]], colour: str) -> None:
        """Many rectangles as one path (a QR code's modules: seamless, and small)."""
        parts = [f"{_n(x)} {_n(y)} {_n(w)} {_n(h)} re" for x, y, w, h in rects]
        if parts:
            self._ops.append(f"{self.colour(colour, False)} " + " ".join(parts) + " f")

    def raw(self, operators: str) -> None:
        """Operators drawn as given (crop marks in registration colour)."""
        self._ops.append(operators)

    def text(self, line: Line, x: float, baseline: float, size: float, colour: str) -> None:
        """``line`` with its left edge at ``x`` and its baseline at ``baseline``."""
        for glyph in line.glyphs:
            use = self._fonts.setdefault(glyph.font.key, _FontUse(glyph.font))
            use.gids.add(glyph.gid)
            if glyph.text and glyph.gid not in use.texts:
                use.texts[glyph.gid] = glyph.text
        self._ops.append(_TextDraw(line, x, baseline, size, colour))

    def write(self, pdf: pikepdf.Pdf, taken_tags: set[str] | None = None) -> pikepdf.Page:
        """Add the page to ``pdf``: fonts subset and embedded, content written."""
        tags = taken_tags if taken_tags is not None else set()
        resources: dict[str, pikepdf.Object] = {}
        codes: dict[str, dict[int, int]] = {}
        for number, (key, use) in enumerate(sorted(self._fonts.items()), start=1):
            use.resource = f"F{number}"
            font_dict, mapping = _embed(pdf, use, tags)
            resources["/" + use.resource] = font_dict
            codes[key] = mapping
        content = "\n".join(
            op if isinstance(op, str) else self._text_ops(op, codes) for op in self._ops
        )
        page = pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=[0, 0, self.width, self.height],
                Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(resources)),
                Contents=pdf.make_stream(content.encode("ascii")),
            )
        )
        pdf.pages.append(page)
        return pdf.pages[-1]

    def _text_ops(self, draw: _TextDraw, codes: dict[str, dict[int, int]]) -> str:
        line, size = draw.line, draw.size
        out = [
            f"/Span <</ActualText {_utf16_hex(line.text)}>> BDC",
            "BT",
            self.colour(draw.colour, False),
        ]
        current_font = ""
        chunk: list[str] = []

        def flush() -> None:
            if chunk:
                out.append("[" + "".join(chunk) + "] TJ")
                chunk.clear()

        for i, glyph in enumerate(line.glyphs):
            use = self._fonts[glyph.font.key]
            code = codes[glyph.font.key][glyph.gid]
            width = _WIDTHS[(glyph.font.key, code)]
            offset = glyph.dx != 0 or glyph.dy != 0
            new_chunk = (
                not chunk or use.resource != current_font or offset or _after_offset(line.glyphs, i)
            )
            if new_chunk:
                flush()
                if use.resource != current_font:
                    out.append(f"/{use.resource} {_n(size)} Tf")
                    current_font = use.resource
                x = draw.x + (glyph.x + glyph.dx) * size
                y = draw.baseline + glyph.dy * size
                out.append(f"1 0 0 1 {_n(x)} {_n(y)} Tm")
            chunk.append(f"<{code:04X}>")
            adjust = (width - glyph.advance * 1000) if not offset else 0
            if abs(adjust) > 0.05:
                chunk.append(_n(adjust))
            if offset:
                flush()
        flush()
        out += ["ET", "EMC"]
        return "\n".join(out)


def _after_offset(glyphs: tuple[Glyph, ...], i: int) -> bool:
    """A glyph after an offset one starts afresh: the pen moved by the offset glyph's
    width, not its advance."""
    return i > 0 and (glyphs[i - 1].dx != 0 or glyphs[i - 1].dy != 0)


def _utf16_hex(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


# (font key, code) -> width in 1000ths of an em of the embedded glyph.
_WIDTHS: dict[tuple[str, int], float] = {}


def _subset(font: Font, gids: set[int]) -> tuple[bytes, dict[int, int]]:
    inp = hb.SubsetInput()
    for gid in {0, *gids}:
        inp.glyph_set.add(gid)
    for tag in _DROP:
        inp.drop_table_tag_set.add(int.from_bytes(tag.ljust(4).encode("ascii"), "big"))
    inp.flags = (
        hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NO_LAYOUT_CLOSURE | hb.SubsetFlags.NOTDEF_OUTLINE
    )
    if font.variable:
        inp.pin_all_axes_to_default(font.hb_face)
        inp.pin_axis_location(font.hb_face, "wght", float(font.weight))
    plan = hb.SubsetPlan(font.hb_face, inp)
    data = plan.execute().blob.data
    return bytes(data), dict(plan.old_to_new_glyph_mapping)


def _tag(use: _FontUse, taken: set[str]) -> str:
    seed = f"{use.font.key}:{sorted(use.gids)}".encode()
    n = 0
    while True:
        digest = hashlib.sha256(seed + str(n).encode()).digest()
        tag = "".join(string.ascii_uppercase[b % 26] for b in digest[:6])
        if tag not in taken:
            taken.add(tag)
            return tag
        n += 1


def _embed(
    pdf: pikepdf.Pdf, use: _FontUse, taken_tags: set[str]
) -> tuple[pikepdf.Object, dict[int, int]]:
    font = use.font
    data, old_to_new = _subset(font, use.gids)
    parsed = TTFont(io.BytesIO(data), lazy=True)
    upem = parsed["head"].unitsPerEm
    order = parsed.getGlyphOrder()
    hmtx = parsed["hmtx"]
    if font.cff:
        # CID-keyed CFF: content codes are CIDs, which the subset keeps in glyph names.
        cids = {new: (0 if name == ".notdef" else int(name[3:])) for new, name in enumerate(order)}
        mapping = {old: cids[new] for old, new in old_to_new.items()}
        program = pdf.make_stream(parsed.reader["CFF "], Subtype=pikepdf.Name("/CIDFontType0C"))
        file_key, subtype = "/FontFile3", "/CIDFontType0"
    else:
        mapping = dict(old_to_new)
        program = pdf.make_stream(data, Length1=len(data))
        file_key, subtype = "/FontFile2", "/CIDFontType2"
    widths: list[pikepdf.Object | int | float] = []
    for old in sorted(mapping, key=mapping.__getitem__):
        code = mapping[old]
        new = old_to_new[old]
        w = round(hmtx[order[new]][0] * 1000 / upem, 2)
        _WIDTHS[(font.key, code)] = w
        widths += [code, pikepdf.Array([w])]
    head, hhea = parsed["head"], parsed["hhea"]
    os2 = parsed["OS/2"] if "OS/2" in parsed else None
    scale = 1000 / upem
    name = "".join(ch for ch in font.family if ch.isalnum()) + f"-W{font.weight}"
    base = f"{_tag(use, taken_tags)}+{name}"
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/" + base),
            Flags=4,
            FontBBox=[
                round(head.xMin * scale),
                round(head.yMin * scale),
                round(head.xMax * scale),
                round(head.yMax * scale),
            ],
            ItalicAngle=0,
            Ascent=round(hhea.ascent * scale),
            Descent=round(hhea.descent * scale),
            CapHeight=round((getattr(os2, "sCapHeight", 0) or hhea.ascent) * scale),
            StemV=80,
        )
    )
    descriptor[file_key] = pdf.make_indirect(program)
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name(subtype),
        BaseFont=pikepdf.Name("/" + base),
        CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
        ),
        FontDescriptor=descriptor,
        W=pikepdf.Array(widths),
    )
    if not font.cff:
        cid_font.CIDToGIDMap = pikepdf.Name.Identity
    texts = {mapping[gid]: text for gid, text in use.texts.items() if gid in mapping}
    type0 = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        BaseFont=pikepdf.Name("/" + base),
        Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=[pdf.make_indirect(cid_font)],
        ToUnicode=pdf.make_stream(_to_unicode(texts)),
    )
    return pdf.make_indirect(type0), mapping


def _to_unicode(texts: dict[int, str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    items = sorted(texts.items())
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [
            f"<{code:04X}> <{text.encode('utf-16-be').hex().upper()}>" for code, text in chunk
        ]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")
