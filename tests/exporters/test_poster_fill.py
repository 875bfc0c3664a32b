"""Layouts that fill the page (issue 16): whatever the content, no empty band between
blocks taller than 12% of the trim height, measured on the rendered PNG preview, and
every character inside the safe area."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image

MM = 72 / 25.4
WORDS = "stay kind online and ask before you share a photo of a friend today".split()


def _sentence(chars: int) -> str:
    words, text = iter(WORDS * 50), ""
    while len(text) < chars:
        text = f"{text} {next(words)}".strip()
    return text[:chars].rstrip()


def largest_empty_band(png: bytes) -> float:
    """The tallest run of rows of one colour between the first and the last row with
    anything drawn in it, as a share of the image height."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()
    drawn = []
    for y in range(height):
        row = [pixels[x, y] for x in range(0, width, 2)]
        drawn.append(max(row) - min(row) > 24)
    rows = [y for y, d in enumerate(drawn) if d]
    gap = run = 0
    for y in range(rows[0], rows[-1] + 1):
        run = 0 if drawn[y] else run + 1
        gap = max(gap, run)
    return gap / height


def _message(bundle, **fields):
    first = replace(bundle.messages[0], **fields)
    return replace(bundle, messages=(first, *bundle.messages[1:]))


CASES = {
    "10-character headline": ({"headline": "Be kind!!!"}, {}),
    "200-character headline": ({"headline": _sentence(200)}, {}),
    "no body, no call to action": ({"body": None, "call_to_action": None}, {}),
    "long partner name": ({}, {"partner": "The Very Long Name of a Regional Library Consortium"}),
    "landscape": ({"headline": "Think before you share"}, {"orientation": "landscape"}),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_headline_layouts_fill_the_page(seed_bundle, export_poster, read_poster, case):
    fields, options = CASES[case]
    bundle = _message(seed_bundle("sid-2017", "en"), **fields)
    png = export_poster(bundle, "image/png", preview_width=400, **options).content
    assert largest_empty_band(png) <= 0.12, case
    _inside_safe_area(read_poster(export_poster(bundle, **options).content))


@pytest.mark.parametrize("count", [2, 8])
def test_tips_layouts_fill_the_page(seed_bundle, export_poster, read_poster, count):
    bundle = seed_bundle("sid-2017", "en")
    ids = [m.id for m in bundle.messages][:count]
    options = {"layout": "tips", "messages": ids}
    png = export_poster(bundle, "image/png", preview_width=400, **options).content
    assert largest_empty_band(png) <= 0.12, count
    _inside_safe_area(read_poster(export_poster(bundle, **options).content))


def _inside_safe_area(poster) -> None:
    tx0, ty0, tx1, ty1 = poster.box("/TrimBox")
    for ch, (left, bottom, right, top) in poster.char_boxes():
        assert tx0 + 5 * MM <= left and right <= tx1 - 5 * MM, ch
        assert ty0 + 5 * MM <= bottom and top <= ty1 - 5 * MM, ch
