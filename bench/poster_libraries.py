"""Which PDF library for the poster exporter: reportlab or fpdf2, measured side by side.

Both draw the same A4 poster (a colour band, a wrapped headline in an embedded
TTF, body text, a vector QR code, metadata), so the figures compare the
libraries, not the layouts. Run: .venv/bin/python bench/poster_libraries.py
"""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path

import font_source_sans_pro
import segno

FONTS = Path(font_source_sans_pro.font_directory)
REGULAR = str(FONTS / "SourceSansPro-Regular.ttf")
BLACK = str(FONTS / "SourceSansPro-Black.ttf")
HEADLINE = "Sois le changement : unissons-nous pour un meilleur Internet — Ελλάδα, Україна"
BODY = (
    "Le 7 février 2017, des habitants de plus de 130 pays se mobilisent pour la Journée "
    "pour un Internet plus sûr. Quel que soit votre âge, un petit geste positif en ligne "
    "peut rendre Internet meilleur pour tout le monde."
)
URL = "https://www.saferinternetday.org/?utm_source=sidcontent&utm_medium=print"
MM = 72 / 25.4
W, H = 210 * MM, 297 * MM


def wrap(text: str, width_of, size: float, max_width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and width_of(trial, size) > max_width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line]


def with_reportlab() -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    if "B-Black" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("B-Regular", REGULAR))
        pdfmetrics.registerFont(TTFont("B-Black", BLACK))
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(W, H), initialFontName="B-Regular", initialFontSize=12)
    c.setTitle(HEADLINE)
    c.setAuthor("sidcontent")
    c.setFillColor("#1F5FA8")
    c.rect(0, H - 120 * MM, W, 120 * MM, stroke=0, fill=1)
    c.setFillColor("#FFFFFF")
    y = H - 30 * MM
    for line in wrap(
        HEADLINE, lambda t, s: pdfmetrics.stringWidth(t, "B-Black", s), 40, W - 30 * MM
    ):
        c.setFont("B-Black", 40)
        c.drawString(15 * MM, y, line)
        y -= 44
    c.setFillColor("#1A1A2E")
    y = H - 140 * MM
    for line in wrap(BODY, lambda t, s: pdfmetrics.stringWidth(t, "B-Regular", s), 14, W - 30 * MM):
        c.setFont("B-Regular", 14)
        c.drawString(15 * MM, y, line)
        y -= 18
    qr = segno.make(URL, error="m")
    module = 30 * MM / (qr.symbol_size(border=4)[0])
    c.setFillColor("#000000")
    path = c.beginPath()
    for r, row in enumerate(qr.matrix_iter(border=4)):
        for col, dark in enumerate(row):
            if dark:
                path.rect(
                    15 * MM + col * module,
                    15 * MM + (len(qr.matrix) + 8 - r) * module,
                    module,
                    module,
                )
    c.drawPath(path, stroke=0, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def with_fpdf2() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(W, H))
    pdf.set_auto_page_break(False)
    pdf.add_font("B-Regular", fname=REGULAR)
    pdf.add_font("B-Black", fname=BLACK)
    pdf.set_title(HEADLINE)
    pdf.set_author("sidcontent")
    pdf.add_page()
    pdf.set_fill_color(0x1F, 0x5F, 0xA8)
    pdf.rect(0, 0, W, 120 * MM, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("B-Black", size=40)
    y = 30 * MM
    for line in wrap(HEADLINE, lambda t, s: pdf.get_string_width(t), 40, W - 30 * MM):
        pdf.text(15 * MM, y, line)
        y += 44
    pdf.set_text_color(0x1A, 0x1A, 0x2E)
    pdf.set_font("B-Regular", size=14)
    y = 140 * MM
    for line in wrap(BODY, lambda t, s: pdf.get_string_width(t), 14, W - 30 * MM):
        pdf.text(15 * MM, y, line)
        y += 18
    qr = segno.make(URL, error="m")
    module = 30 * MM / (qr.symbol_size(border=4)[0])
    pdf.set_fill_color(0, 0, 0)
    top = H - 15 * MM - 30 * MM
    for r, row in enumerate(qr.matrix_iter(border=4)):
        for col, dark in enumerate(row):
            if dark:
                pdf.rect(15 * MM + col * module, top + r * module, module, module, style="F")
    return bytes(pdf.output())


def measure(fn, runs: int = 30) -> tuple[float, int]:
    fn()  # warm: font parsing is cached by both libraries after the first poster
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(out)


def first_poster(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


if __name__ == "__main__":
    cold = {"reportlab": first_poster(with_reportlab), "fpdf2": first_poster(with_fpdf2)}
    for name, fn in (("reportlab", with_reportlab), ("fpdf2", with_fpdf2)):
        ms, size = measure(fn)
        print(
            f"{name:10} first {cold[name]:7.1f} ms  then median {ms:6.1f} ms/poster"
            f"  {size / 1024:6.1f} KiB"
        )
