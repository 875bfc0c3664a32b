"""Reading a poster's text back glyph by glyph, for the per-script golden tests.

pikepdf parses the page content: each line is a marked span whose ActualText is
the line in logical order (what Acrobat and other readers extract), every glyph
code is looked up in the embedded font program itself (fontTools) to prove the
font has it and it is not .notdef, and the ToUnicode map of every glyph on a
line must give back exactly that line's characters (in some order).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import pikepdf
from fontTools.cffLib import CFFFontSet
from fontTools.ttLib import TTFont


@dataclass
class LineRead:
    actual_text: str
    glyphs: list[tuple[str, int]] = field(default_factory=list)  # (font resource, code)


def _font_programs(page: pikepdf.Page) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for name, font in page.obj.Resources.Font.items():
        cid = font.DescendantFonts[0]
        descriptor = cid.FontDescriptor
        to_unicode = _cmap(font.ToUnicode.read_bytes()) if "/ToUnicode" in font else {}
        if "/FontFile2" in descriptor:
            tt = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))
            order = tt.getGlyphOrder()
            glyf = tt["glyf"]
            known = {gid: glyf[name].numberOfContours != 0 for gid, name in enumerate(order)}
        else:
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(descriptor.FontFile3.read_bytes()), None)
            top = cff[cff.fontNames[0]]
            charstrings = top.CharStrings
            known = {}
            for glyph_name in top.charset:
                cid_number = 0 if glyph_name == ".notdef" else int(glyph_name[3:])
                charstring = charstrings[glyph_name]
                charstring.decompile()
                # An empty outline is just "endchar" (with an optional width).
                known[cid_number] = len([t for t in charstring.program if t != "endchar"]) > 1
        out[str(name)] = {"known": known, "to_unicode": to_unicode, "base": str(font.BaseFont)}
    return out


def _cmap(data: bytes) -> dict[int, str]:
    out = {}
    for code, text in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]*)>", data):
        out[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return out


def read_lines(pdf: bytes) -> tuple[list[LineRead], dict[str, dict[str, object]]]:
    document = pikepdf.open(io.BytesIO(pdf))
    page = document.pages[0]
    fonts = _font_programs(page)
    lines: list[LineRead] = []
    current: LineRead | None = None
    font = ""
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "BDC" and len(operands) == 2 and "/ActualText" in operands[1]:
            current = LineRead(str(operands[1].ActualText))
            lines.append(current)
        elif op == "EMC":
            current = None
        elif op == "Tf":
            font = str(operands[0])
        elif op in ("TJ", "Tj") and current is not None:
            items = operands[0] if op == "TJ" else [operands[0]]
            for item in items:
                if isinstance(item, pikepdf.String):
                    raw = bytes(item)
                    for i in range(0, len(raw), 2):
                        current.glyphs.append((font, int.from_bytes(raw[i : i + 2], "big")))
    return lines, fonts


def glyph_problems(pdf: bytes, to_unicode: bool = True) -> list[str]:
    """Glyphs that are .notdef, missing from their embedded font, or drawn blank for a
    character that has ink; with ``to_unicode``, lines whose glyphs' ToUnicode text is
    not the line's characters. That last check only holds where each glyph stands for
    one character everywhere: Arabic fonts share one dotless shape between letters
    (dots are separate glyphs), Devanagari and Thai build vowel signs from parts, so
    a per-glyph map cannot spell every word there, and ActualText carries the text."""
    lines, fonts = read_lines(pdf)
    problems = []
    for line in lines:
        mapped = []
        for font, code in line.glyphs:
            info = fonts[font]
            known = info["known"]
            assert isinstance(known, dict)
            text = info["to_unicode"].get(code, "")  # type: ignore[union-attr]
            if code == 0:
                problems.append(f".notdef in {line.actual_text!r}")
            elif code not in known:
                problems.append(f"code {code} is not in {info['base']} ({line.actual_text!r})")
            elif not known[code] and text.strip():
                problems.append(f"{text!r} drawn with a blank glyph in {info['base']}")
            mapped.append(text)
        got = unicodedata.normalize("NFD", "".join(mapped)).replace(" ", "")
        want = unicodedata.normalize("NFD", line.actual_text).replace(" ", "")
        if to_unicode and Counter(got) != Counter(want):
            problems.append(f"ToUnicode of {line.actual_text!r} gives {''.join(mapped)!r}")
    return problems


def logical_text(pdf: bytes) -> str:
    """The page's lines in logical order, as a reader extracts them (ActualText)."""
    return "\n".join(line.actual_text for line in read_lines(pdf)[0])


def squeeze(text: str) -> str:
    """Without whitespace: CJK and Thai lines break with no space to put back."""
    return re.sub(r"\s+", "", text)
