"""Drawing a poster plan as a PDF: the shared typesetting page, written by pikepdf.

The page is drawn by :mod:`sidcontent.exporters.typesetting.pdf` (shaped text in
embedded, subset CID fonts) and saved by pikepdf (qpdf), which also writes what
print shops check: TrimBox and BleedBox, the document language, the Info
dictionary and XMP metadata, and for ``print_standard`` PDF/X-4 or PDF/X-1a the
CMYK output intent with its ICC profile (:mod:`.pdfx`).
"""

from __future__ import annotations

import io

import pikepdf

from sidcontent import __version__
from sidcontent.exporters.poster import pdfx
from sidcontent.exporters.poster.layout import Plan
from sidcontent.exporters.poster.pages import crop_mark_lines
from sidcontent.exporters.typesetting.pdf import Page, rgb_colour

CREATOR = f"sidcontent {__version__} poster exporter"


def render_pdf(plan: Plan, print_standard: str = "none") -> bytes:
    g = plan.geometry
    colour = rgb_colour if print_standard == "none" else pdfx.cmyk_colour
    page = Page(g.media.width, g.media.height, colour)

    for fill in plan.fills:
        box = fill.box
        page.fill_rect(box.x0, box.y0, box.x1, box.y1, fill.color)

    _draw_qr(page, plan)

    for block in plan.texts:
        for line, baseline in zip(block.lines, block.baselines(), strict=True):
            page.text(line, block.line_x(line), baseline, block.size, block.color)

    if g.crop_marks:
        # Registration colour (all four inks), so the marks show on every plate.
        segments = " ".join(
            f"{x0:.3f} {y0:.3f} m {x1:.3f} {y1:.3f} l" for x0, y0, x1, y1 in crop_mark_lines(g)
        )
        page.raw(f"q 1 1 1 1 K 0.25 w {segments} S Q")

    pdf = pikepdf.new()
    pdf_page = page.write(pdf)
    pdf_page.obj.TrimBox = pikepdf.Array(list(g.trim.as_tuple()))
    pdf_page.obj.BleedBox = pikepdf.Array(list(g.bleed.as_tuple()))
    pdf.Root.Lang = pikepdf.String(plan.metadata.language)
    pdfx.describe(pdf, plan.metadata, CREATOR, print_standard)
    out = io.BytesIO()
    pdfx.save(pdf, out, print_standard)
    return out.getvalue()


def _draw_qr(page: Page, plan: Plan) -> None:
    """Black modules on a white square that includes the quiet zone: dark on light
    whatever the theme, which is what every scanner expects."""
    placement = plan.qr
    box, module = placement.box, placement.module
    page.fill_rect(box.x0, box.y0, box.x1, box.y1, "#FFFFFF")
    page.fill_rects(
        (
            (box.x0 + col * module, box.y1 - (row + 1) * module, length * module, module)
            for row, col, length in placement.code.runs()
        ),
        "#000000",
    )
