"""The poster exporter, through the plugin hooks, on real seed content.

Every check reads the PDF back: boxes with pypdf, text positions and pixels
with PDFium, the QR code with zxing-cpp, so a poster that only looks right in
the code fails here.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime

import pytest
from PIL import Image

from sidcontent.exporters.poster.pages import PAGE_SIZES
from sidcontent.exporting import ExportError, Palette
from sidcontent.plugins import BUILTIN_PLUGINS, PluginHost

MM = 72 / 25.4
SAFE = 5 * MM  # print shops ask for text at least 3-5 mm inside the trim
HEADLINE_FR = "Sois le changement : unissons-nous pour un meilleur Internet"
TRACKED_HOME = (
    "https://www.saferinternetday.org/?utm_source=poster&utm_medium=print&utm_campaign=sid-2017"
)
SIZES_MM = {"A4": (210, 297), "A3": (297, 420), "A2": (420, 594)}
SIZES_IN = {"letter": (8.5, 11), "tabloid": (11, 17)}


def test_registered_as_a_builtin_plugin() -> None:
    assert "sidcontent.exporters.poster" in BUILTIN_PLUGINS
    registered = PluginHost().exporters["poster"]
    assert registered.plugin == "sidcontent.exporters.poster"
    assert registered.item.media_types == ("application/pdf", "image/png")


def _expected_trim(size: str, orientation: str) -> tuple[float, float]:
    if size in SIZES_MM:
        w, h = (v * MM for v in SIZES_MM[size])
    else:
        w, h = (v * 72 for v in SIZES_IN[size])
    return (h, w) if orientation == "landscape" else (w, h)


@pytest.mark.parametrize("bleed", [False, True], ids=["trim", "bleed"])
@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
@pytest.mark.parametrize("size", list(PAGE_SIZES))
def test_every_size_orientation_and_bleed_prints(
    seed_bundle, export_poster, read_poster, size, orientation, bleed
) -> None:
    artifact = export_poster(
        seed_bundle(locale="fr"), size=size, orientation=orientation, bleed=bleed
    )
    assert artifact.media_type == "application/pdf"
    assert artifact.content.startswith(b"%PDF-")
    poster = read_poster(artifact.content)

    tx0, ty0, tx1, ty1 = poster.box("/TrimBox")
    width, height = _expected_trim(size, orientation)
    assert (tx1 - tx0, ty1 - ty0) == pytest.approx((width, height), abs=0.01)
    bx0, by0, bx1, by1 = poster.box("/BleedBox")
    bleed_width = (0.125 * 72 if size in SIZES_IN else 3 * MM) if bleed else 0.0
    assert (tx0 - bx0, ty0 - by0, bx1 - tx1, by1 - ty1) == pytest.approx(
        (bleed_width,) * 4, abs=0.01
    )
    mx0, my0, mx1, my1 = poster.box("/MediaBox")
    assert mx0 <= bx0 and my0 <= by0 and mx1 >= bx1 and my1 >= by1

    # Every glyph's ink lies at least 5 mm inside the trim.
    chars = poster.char_boxes()
    assert len(chars) > 100
    outside = [
        (ch, box)
        for ch, (left, bottom, right, top) in chars
        for box in [(left, bottom, right, top)]
        if left < tx0 + SAFE or right > tx1 - SAFE or bottom < ty0 + SAFE or top > ty1 - SAFE
    ]
    assert outside == []
    assert poster.overlapping_chars() == []

    # The headline is there, as text a screen reader or a search can find.
    assert HEADLINE_FR in poster.text()

    # Crop marks only with bleed: dark in the slug, in line with the trim edges.
    image = poster.render(scale=1.0)
    media_height = my1 - my0

    def pixel(x: float, y: float) -> int:
        """The darkest pixel around a point: a 0.25 pt hairline covers a fraction of one."""
        px, py = int(x), int(media_height - y)
        return min(image.getpixel((i, j)) for i in (px - 1, px, px + 1) for j in (py, py + 1))

    mark_y = ty0 - bleed_width - 2.5 * MM
    if bleed:
        assert pixel(tx0, mark_y) < 200 and pixel(tx1, mark_y) < 200
        assert pixel(tx0 + 10 * MM, mark_y) > 200  # nothing else printed in the slug
        assert pixel(mx0 + 1, my0 + 1) > 200
    else:
        assert (mx0, my0, mx1, my1) == pytest.approx((tx0, ty0, tx1, ty1))


def test_qr_code_decodes_to_the_exact_tracked_url(seed_bundle, export_poster, read_poster):
    # A dark theme: the code must still be dark on light, with its own light quiet zone.
    bundle = seed_bundle(locale="fr")
    dark = Palette("#0B1D3A", "#12A3A3", "#F28C28", "#14213D", "#F5F5F5")
    partner = "Fédération nationale des associations de parents d'élèves de l'école publique"
    assert len(partner) <= 80
    artifact = export_poster(
        replace(bundle, theme=replace(bundle.theme, palette=dark)), partner=partner
    )
    poster = read_poster(artifact.content)
    scale = 3.0
    codes = poster.qr_codes(scale=scale)
    assert [c.text for c in codes] == [TRACKED_HOME]
    assert artifact.metadata["qr_url"] == TRACKED_HOME
    code = codes[0]
    assert code.ec_level in ("M", "Q", "H")

    # At least 25 mm wide, from the decoder's own corner positions.
    pos = code.position
    width_pt = (pos.top_right.x - pos.top_left.x) / scale
    assert width_pt / MM >= 25

    # Four modules of light all around the symbol (a version-v symbol is 17 + 4v modules).
    modules = 17 + 4 * int(code.extra["Version"])
    module_px = (pos.top_right.x - pos.top_left.x) / modules
    x0, y0, x1, y1 = pos.top_left.x, pos.top_left.y, pos.bottom_right.x, pos.bottom_right.y
    quiet = 4 * module_px
    image = poster.render(scale=scale)
    ring = [
        image.getpixel((x, y))
        for x in range(int(x0 - quiet) + 1, int(x1 + quiet))
        for y in range(int(y0 - quiet) + 1, int(y1 + quiet))
        if not (x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1)
    ]
    assert len(ring) > 4 * modules * 4 * module_px**2 * 0.8
    assert min(ring) > 200

    # No text runs into the code or its quiet zone.
    q0, q1 = (x0 - quiet) / scale, (x1 + quiet) / scale
    page_height = image.height / scale
    top, bottom = page_height - (y0 - quiet) / scale, page_height - (y1 + quiet) / scale
    assert [
        ch
        for ch, (left, low, right, high) in poster.char_boxes()
        if left < q1 and right > q0 and low < top and high > bottom
    ] == []


def test_qr_link_is_tagged_for_print_and_keeps_the_rest(seed_bundle, export_poster, read_poster):
    bundle = seed_bundle(locale="fr")
    message = replace(
        bundle.messages[0],
        link="https://example.org/kit?utm_source=partner&utm_medium=email&lang=fr#top",
    )
    artifact = export_poster(replace(bundle, messages=(message,)), size="A4")
    expected = (
        "https://example.org/kit?lang=fr&utm_source=poster&utm_medium=print"
        "&utm_campaign=sid-2017#top"
    )
    assert [c.text for c in read_poster(artifact.content).qr_codes(scale=3)] == [expected]


def test_a3_with_bleed_for_a_print_shop(seed_bundle, export_poster, read_poster):
    """The issue's 'done when': 2017 campaign, French, A3 with bleed."""
    artifact = export_poster(seed_bundle("sid-2017", "fr"), size="A3", bleed=True)
    assert artifact.filename == "sid-2017-fr-headline-A3-portrait-bleed.pdf"
    poster = read_poster(artifact.content)
    assert [c.text for c in poster.qr_codes(scale=1.5)] == [TRACKED_HOME]

    # Fonts: every one embedded (a FontFile stream), subset, none of the base 14.
    fonts = poster.fonts()
    assert fonts
    for font in fonts.values():
        descriptor = font["descriptor"]
        assert descriptor is not None, font
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font
        assert "+" in font["base"], font  # a subset tag: only the glyphs used travel
        assert "Helvetica" not in font["base"]
    assert b"/Helvetica" not in artifact.content  # reportlab's unembedded default, nowhere

    # Metadata a print shop and a library catalogue read.
    meta = poster.reader.metadata
    assert HEADLINE_FR in meta.title
    assert "Journée pour un Internet plus sûr 2017" in meta.title
    assert meta.subject == "Sois le changement : unissons-nous pour un meilleur Internet"
    assert meta.author == "Journée pour un Internet plus sûr 2017"
    assert meta.creator.startswith("sidcontent ")
    # Made now, not stamped with reportlab's reproducible 2000-01-01.
    assert meta.creation_date.year >= datetime.now().year - 1
    assert poster.reader.trailer["/Root"]["/Lang"] == "fr"
    assert "7 février 2017" in poster.text()
    assert "#SaferInternetDay" in poster.text()


def test_tips_layout_lists_an_audiences_messages(seed_bundle, export_poster, read_poster):
    bundle = seed_bundle("sid-2017", "en")
    artifact = export_poster(
        bundle, layout="tips", audience="parents-carers", partner="Example Library"
    )
    text = read_poster(artifact.content).text()
    expected = [m.headline for m in bundle.messages if m.audience == "parents-carers"]
    assert len(expected) >= 2
    for headline in expected:
        assert headline in text
    assert "Supported by Example Library" in text
    # The QR points to a resource for that audience, tracked.
    assert artifact.metadata["qr_url"].startswith(
        "https://saferinternet.org.uk/safer-internet-day/safer-internet-day-2017/parents-and-carers?"
    )


def test_tips_by_explicit_ids_in_order(seed_bundle, export_poster, read_poster):
    bundle = seed_bundle("sid-2017", "en")
    by_id = {m.id: m for m in bundle.messages}
    artifact = export_poster(bundle, layout="tips", messages=[4, 2], size="A3")
    text = read_poster(artifact.content).text()
    assert text.index(by_id[4].headline) < text.index(by_id[2].headline)


def test_partner_line_in_the_posters_language(seed_bundle, export_poster, read_poster):
    artifact = export_poster(seed_bundle("sid-2017", "fr"), partner="Ligue de l'enseignement")
    assert "Avec le soutien de Ligue de l'enseignement" in read_poster(artifact.content).text()


def test_png_preview_is_the_trimmed_poster(seed_bundle, export_poster, read_poster):
    artifact = export_poster(
        seed_bundle(locale="fr"), media_type="image/png", size="A4", bleed=True, preview_width=900
    )
    assert artifact.media_type == "image/png"
    assert artifact.filename.endswith(".png")
    image = Image.open(io.BytesIO(artifact.content))
    assert image.format == "PNG"
    assert image.width == 900
    assert image.height == pytest.approx(900 * 297 / 210, abs=2)
    # The preview is the print: its QR code scans to the same URL.
    import zxingcpp

    assert [c.text for c in zxingcpp.read_barcodes(image)] == [TRACKED_HOME]


def test_unsupported_media_type_is_refused(seed_bundle):
    from sidcontent.exporting import ExportContext

    exporter = PluginHost(builtins=("sidcontent.exporters.poster",)).exporters["poster"].item
    with pytest.raises(ExportError) as error:
        exporter.export(seed_bundle(locale="fr"), {}, ExportContext(media_type="image/svg+xml"))
    assert error.value.field == "media_type"
