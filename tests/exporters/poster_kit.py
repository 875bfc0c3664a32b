"""Reading a poster PDF back for the poster exporter's tests: pypdf for structure,
PDFium for text positions and pixels, zxing-cpp for the QR code."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from typing import Any

import pypdfium2
import zxingcpp
from pypdf import PdfReader


@dataclass
class Poster:
    """A poster PDF read back with pypdf (structure) and PDFium (text and pixels)."""

    pdf: bytes

    def __post_init__(self) -> None:
        self.reader = PdfReader(io.BytesIO(self.pdf))
        self.page = self.reader.pages[0]

    def box(self, name: str) -> tuple[float, float, float, float]:
        return tuple(float(v) for v in self.page[name])  # type: ignore[return-value]

    def text(self) -> str:
        """pypdf's text, one space between lines; a line broken after a hyphen (a UAX #14
        break opportunity) is joined back."""
        return re.sub(r"(\w-) (?=\w)", r"\1", " ".join(self.page.extract_text().split()))

    def poppler_text(self) -> str:
        """The text as poppler's pdftotext reads it (it honours each line's ActualText),
        lines joined without their breaks."""
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"],
            input=self.pdf,
            capture_output=True,
            check=True,
            timeout=60,
        )
        return "".join(result.stdout.decode("utf-8").split("\n"))

    def char_boxes(self) -> list[tuple[str, tuple[float, float, float, float]]]:
        """Each drawn character and its tight (ink) box, in PDF points."""
        document = pypdfium2.PdfDocument(self.pdf)
        try:
            textpage = document[0].get_textpage()
            out = []
            for i in range(textpage.count_chars()):
                ch = textpage.get_text_range(i, 1)
                left, bottom, right, top = textpage.get_charbox(i)
                if ch.strip() and right > left and top > bottom:
                    out.append((ch, (left, bottom, right, top)))
            return out
        finally:
            document.close()

    def overlapping_chars(self, share: float = 0.3) -> list[tuple[str, str]]:
        """Pairs of characters whose ink boxes overlap by more than ``share`` of the
        smaller one: text that ran into other text. Neighbouring letters touch at most."""
        chars = sorted(self.char_boxes(), key=lambda c: c[1][0])
        out = []
        for i, (a, (al, ab, ar, at)) in enumerate(chars):
            for b, (bl, bb, br, bt) in chars[i + 1 :]:
                if bl >= ar:
                    break
                w = min(ar, br) - max(al, bl)
                h = min(at, bt) - max(ab, bb)
                smaller = min((ar - al) * (at - ab), (br - bl) * (bt - bb))
                if w > 0 and h > 0 and w * h > share * smaller:
                    out.append((a, b))
        return out

    def render(self, scale: float = 1.0) -> Any:
        document = pypdfium2.PdfDocument(self.pdf)
        try:
            return document[0].render(scale=scale).to_pil().convert("L")
        finally:
            document.close()

    def qr_codes(self, scale: float = 1.0) -> list[Any]:
        return zxingcpp.read_barcodes(self.render(scale), formats=zxingcpp.BarcodeFormat.QRCode)

    def fonts(self) -> dict[str, dict[str, Any]]:
        out = {}
        for name, ref in self.page["/Resources"]["/Font"].items():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            out[name] = {
                "base": str(font["/BaseFont"]),
                "subtype": str(font["/Subtype"]),
                "descriptor": descriptor.get_object() if descriptor is not None else None,
            }
        return out
