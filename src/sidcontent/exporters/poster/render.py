"""Drawing a poster plan as a PDF with reportlab.

reportlab, not fpdf2: on this task (bench/poster_libraries.py) reportlab draws
an A4 poster in about a quarter of fpdf2's time, and its canvas sets the
TrimBox, BleedBox and document language directly. Both embed TrueType
subsets; fpdf2's one edge, harfbuzz shaping for right-to-left scripts, is not
needed while the exporter refuses right-to-left text.
"""

from __future__ import annotations

import io

from reportlab.lib.colors import CMYKColor, HexColor
from reportlab.pdfgen.canvas import Canvas

from sidcontent import __version__
from sidcontent.exporters.poster import fonts
from sidcontent.exporters.poster.layout import Plan
from sidcontent.exporters.poster.pages import crop_mark_lines

# Crop marks in registration colour, so they show on every printing plate.
REGISTRATION = CMYKColor(1, 1, 1, 1)
CREATOR = f"sidcontent {__version__} poster exporter"


def render_pdf(plan: Plan) -> bytes:
    g = plan.geometry
    face = fonts.faces()
    buf = io.BytesIO()
    canvas = Canvas(
        buf,
        pagesize=(g.media.width, g.media.height),
        # Never let reportlab fall back to its unembedded Helvetica, even for an empty state.
        initialFontName=face["regular"].name,  # type: ignore[arg-type]  # stubs say float
        initialFontSize=12,
        trimBox=g.trim.as_tuple(),
        bleedBox=g.bleed.as_tuple(),
        lang=plan.metadata.language,
        # Not invariant: reportlab's reproducible mode stamps every file 2000-01-01, and a
        # print shop reads the creation date.
        invariant=False,
        pageCompression=1,
    )
    meta = plan.metadata
    canvas.setTitle(meta.title)
    canvas.setSubject(meta.subject)
    canvas.setAuthor(meta.author)
    canvas.setCreator(CREATOR)
    canvas.setKeywords(meta.keywords)

    for fill in plan.fills:
        canvas.setFillColor(HexColor(fill.color))
        box = fill.box
        canvas.rect(box.x0, box.y0, box.width, box.height, stroke=0, fill=1)

    _draw_qr(canvas, plan)

    for block in plan.texts:
        text = canvas.beginText()
        text.setFont(block.face.name, block.size, block.leading)
        text.setFillColor(HexColor(block.color))
        for line, baseline in zip(block.lines, block.baselines(), strict=True):
            text.setTextOrigin(block.x, baseline)
            text.textOut(line)
        canvas.drawText(text)

    if g.crop_marks:
        canvas.setStrokeColor(REGISTRATION)
        canvas.setLineWidth(0.25)
        canvas.lines(crop_mark_lines(g))

    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _draw_qr(canvas: Canvas, plan: Plan) -> None:
    """Black modules on a white square that includes the quiet zone: dark on light
    whatever the theme, which is what every scanner expects."""
    placement = plan.qr
    box, module = placement.box, placement.module
    canvas.setFillColor(HexColor("#FFFFFF"))
    canvas.rect(box.x0, box.y0, box.width, box.height, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#000000"))
    path = canvas.beginPath()
    for row, col, length in placement.code.runs():
        path.rect(box.x0 + col * module, box.y1 - (row + 1) * module, length * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
