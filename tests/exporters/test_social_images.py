"""Share images: rendered, opened with Pillow, sized, and their contrast measured."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from PIL import Image
from social_kit import make_bundle, make_message

from sidcontent.exporting import ExportError, Palette


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def hex_rgb(value: str) -> tuple[int, int, int]:
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def measured_colours(png: bytes, size: tuple[int, int]) -> tuple[tuple, tuple]:
    """The background and text colours as drawn: the two commonest colours of
    the middle band, where the headline is (the accent bar is at the top)."""
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    assert image.size == size
    width, height = size
    band = image.convert("RGB").crop((0, height // 4, width, height * 3 // 4))
    colours = sorted(band.getcolors(maxcolors=width * height), reverse=True)
    (_, background), (_, foreground) = colours[:2]
    return background, foreground


@pytest.mark.parametrize(("size", "pixels"), [("card", (1200, 630)), ("square", (1080, 1080))])
def test_seed_share_image_opens_at_its_size_with_aa_contrast(export, seed_bundle, size, pixels):
    artifact = export(
        seed_bundle("sid-2017", "en"), {"messages": [1], "image_sizes": [size]}, "image/png"
    )
    assert artifact.media_type == "image/png"
    assert artifact.filename == f"sid-2017-en-social-1-{size}.png"
    background, foreground = measured_colours(artifact.content, pixels)
    assert contrast(background, foreground) >= 4.5
    # The theme's primary blue with white text, as the metadata says.
    assert background == hex_rgb("#1F5FA8") == hex_rgb(artifact.metadata["background"])
    assert foreground == hex_rgb("#FFFFFF") == hex_rgb(artifact.metadata["foreground"])
    assert " ".join(artifact.metadata["lines"]) == "Be the change: unite for a better internet"


@pytest.mark.parametrize(
    "palette",
    [
        # Every colour a mid grey: no pair in the palette reaches 4.5:1.
        Palette("#777777", "#7A7A7A", "#808080", "#767676", "#7F7F7F"),
        # A pale primary: its white text would fail, the dark text colour passes.
        Palette("#FFE66D", "#FFD23F", "#FFFFFF", "#FFFFFF", "#1A1A2E"),
        Palette("#000000", "#000000", "#000000", "#000000", "#000000"),
    ],
)
def test_hostile_palettes_still_reach_aa_contrast(export, palette):
    bundle = make_bundle(make_message(headline="Think before you share"), palette=palette)
    artifact = export(bundle, {}, "image/png")
    background, foreground = measured_colours(artifact.content, (1200, 630))
    assert contrast(background, foreground) >= 4.5


def test_no_theme_uses_the_default_palette(export):
    bundle = make_bundle(make_message(headline="Think before you share"), palette=None)
    artifact = export(bundle, {}, "image/png")
    background, foreground = measured_colours(artifact.content, (1200, 630))
    assert contrast(background, foreground) >= 4.5


def test_emoji_are_left_out_of_the_image_with_a_warning(export):
    bundle = make_bundle(make_message(headline="Be kind 👩‍👩‍👧 online 🇫🇷"))
    artifact = export(bundle, {}, "image/png")
    assert artifact.metadata["lines"] == ["Be kind online"]
    assert any("emoji" in w for w in artifact.warnings)


def test_a_script_the_font_lacks_is_refused_not_drawn_as_boxes(export):
    bundle = make_bundle(make_message(headline="ሰላም ኢንተርኔት"))  # Ethiopic: no font configured
    with pytest.raises(ExportError) as raised:
        export(bundle, {}, "image/png")
    assert raised.value.field == "headline"
    assert "no installed font has glyphs" in raised.value.message
    assert "U+1230" in raised.value.message


def test_a_headline_too_long_for_the_image_is_refused(export):
    bundle = make_bundle(make_message(headline="respect " * 250))
    with pytest.raises(ExportError) as raised:
        export(bundle, {}, "image/png")
    assert "too long to fit" in raised.value.message


def test_png_needs_one_message_and_one_size(export, seed_bundle):
    bundle = seed_bundle("sid-2017", "en")
    with pytest.raises(ExportError) as raised:
        export(bundle, {}, "image/png")
    assert raised.value.field == "messages"
    with pytest.raises(ExportError) as raised:
        export(bundle, {"messages": [1], "image_sizes": ["card", "square"]}, "image/png")
    assert raised.value.field == "image_sizes"


def test_zip_holds_json_csv_and_every_image(export, seed_bundle):
    bundle = seed_bundle("sid-2017", "en")
    ids = [m.id for m in bundle.messages][:3]
    artifact = export(bundle, {"messages": ids}, "application/zip")
    assert artifact.media_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(artifact.content)) as archive:
        names = set(archive.namelist())
        expected_images = {f"images/{i}-{s}.png" for i in ids for s in ("card", "square")}
        assert names == {"posts.json", "posts.csv", *expected_images}
        document = json.loads(archive.read("posts.json"))
        for post in document["posts"]:
            assert post["images"] == [
                f"images/{post['message_id']}-card.png",
                f"images/{post['message_id']}-square.png",
            ]
        with archive.open(f"images/{ids[0]}-square.png") as handle:
            assert Image.open(handle).size == (1080, 1080)
        assert archive.read("posts.csv").startswith(b"platform,message_id,part,text,link,")
    assert artifact.metadata["images"] == 6


def test_zip_skips_an_image_it_cannot_draw_and_says_why(export):
    bundle = make_bundle(
        make_message(1, headline="Be kind online"),
        make_message(2, headline="ሰላም ኢንተርኔት"),  # Ethiopic: no font configured
    )
    artifact = export(bundle, {"image_sizes": ["card"]}, "application/zip")
    with zipfile.ZipFile(io.BytesIO(artifact.content)) as archive:
        assert sorted(n for n in archive.namelist() if n.startswith("images/")) == [
            "images/1-card.png"
        ]
        document = json.loads(archive.read("posts.json"))
    assert {p["message_id"]: p["images"] for p in document["posts"]} == {
        1: ["images/1-card.png"],
        2: [],
    }
    assert any("message 2: no card image" in w for w in artifact.warnings)
