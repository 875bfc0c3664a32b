"""Print-shop PDF (issue 16): PDF/X-4 and PDF/X-1a pass a pikepdf preflight, and
poppler and qpdf still read them cleanly."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from PIL import Image

from tests.exporters.pdfx_preflight import preflight

pytestmark = pytest.mark.skipif(
    shutil.which("pdffonts") is None or shutil.which("qpdf") is None,
    reason="poppler-utils and qpdf are Debian packages: make system-deps",
)


def _tool(tmp_path, name: str, pdf: bytes, *args: str) -> str:
    path = tmp_path / "poster.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([name, *args, str(path)], capture_output=True, check=False, timeout=60)
    assert result.returncode == 0, (name, result.stdout.decode(), result.stderr.decode())
    return result.stdout.decode()


@pytest.mark.parametrize("standard", ["pdf/x-4", "pdf/x-1a"])
@pytest.mark.parametrize("locale", ["fr", "ja", "ar"])
def test_print_standards_pass_the_preflight(seed_bundle, export_poster, tmp_path, standard, locale):
    slug = "sid-2017" if locale == "fr" else "sid-2025"
    artifact = export_poster(
        seed_bundle(slug, locale), size="A4", bleed=True, print_standard=standard
    )
    assert artifact.metadata["print_standard"] == standard
    assert preflight(artifact.content, standard) == []

    assert "No syntax or stream encoding errors" in _tool(
        tmp_path, "qpdf", artifact.content, "--check"
    )
    info = _tool(tmp_path, "pdfinfo", artifact.content)
    version, subtype = ("1.4", "PDF/X-1:2003") if standard == "pdf/x-1a" else ("1.6", "PDF/X-4")
    assert re.search(rf"PDF version:\s+{re.escape(version)}\n", info), info
    assert re.search(rf"PDF subtype:\s+{re.escape(subtype)}\n", info), info  # poppler agrees
    fonts = _tool(tmp_path, "pdffonts", artifact.content).splitlines()[2:]
    assert fonts
    for row in fonts:
        name, *_rest = row.split()
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, ToUnicode
    tags = [row.split()[0].split("+")[0] for row in fonts]
    assert len(set(tags)) == len(tags)


def test_bleed_defaults_to_pdf_x4_and_screen_posters_stay_rgb(seed_bundle, export_poster):
    bundle = seed_bundle("sid-2017", "en")
    printed = export_poster(bundle, bleed=True)
    assert printed.metadata["print_standard"] == "pdf/x-4"
    assert preflight(printed.content, "pdf/x-4") == []
    screen = export_poster(bundle)
    assert screen.metadata["print_standard"] == "none"
    assert b"/OutputIntents" not in screen.content
    assert preflight(screen.content, "pdf/x-4") != []  # and the preflight notices


def test_theme_colours_are_converted_to_cmyk_not_replaced(seed_bundle, export_poster, read_poster):
    """The CMYK poster renders (through PDFium's naive CMYK) close to the RGB one: the
    conversion went through a profile, it did not pick arbitrary inks."""
    bundle = seed_bundle("sid-2017", "en")
    rgb = read_poster(export_poster(bundle).content).render(scale=0.5)
    cmyk_pdf = export_poster(bundle, print_standard="pdf/x-1a").content
    cmyk = read_poster(cmyk_pdf).render(scale=0.5)
    assert b" rg" not in cmyk_pdf or preflight(cmyk_pdf, "pdf/x-1a") == []
    # Sample the headline band (primary colour) and the page background.
    for x, y in ((10, 10), (10, cmyk.height - 10)):
        a, b = rgb.getpixel((x, y)), cmyk.getpixel((x, y))
        assert abs(a - b) < 60, (x, y, a, b)
    assert isinstance(rgb, Image.Image)


def test_an_unknown_print_standard_is_refused():
    from marshmallow import ValidationError

    from sidcontent.exporters.poster.options import PosterOptionsSchema

    with pytest.raises(ValidationError):
        PosterOptionsSchema().load({"print_standard": "pdf/x-3"})
