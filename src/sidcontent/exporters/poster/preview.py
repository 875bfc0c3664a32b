"""The PNG preview: the PDF itself rendered by PDFium, cropped to the trim.

Rendering the PDF (rather than drawing the layout a second time) means the
preview shows exactly what the print shop gets.
"""

from __future__ import annotations

import io

import pypdfium2

from sidcontent.exporters.poster.pages import Geometry


def render_png(pdf: bytes, g: Geometry, width_px: int) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = width_px / g.trim.width
        # crop is (left, bottom, right, top) in points cut off each side of the media box.
        crop = (g.trim.x0, g.trim.y0, g.media.x1 - g.trim.x1, g.media.y1 - g.trim.y1)
        bitmap = page.render(scale=scale, crop=crop)
        image = bitmap.to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False, compress_level=3)
        return out.getvalue()
    finally:
        document.close()
