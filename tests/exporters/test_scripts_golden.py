"""Issue 16's golden tests: a poster and a share image in every script, over HTTP.

Seed content: Safer Internet Day 2025 and its key message (id 21) in one locale per
script (our own translations, see fixtures/TRANSLATIONS.md). Each poster is read
back three ways: the lines' text in logical order (ActualText, what a reader
extracts) must hold the input, poppler's pdftotext must find it too where the
text runs left to right, and every glyph must come from the embedded font that
has it (no .notdef, no blank glyph for a visible character, ToUnicode giving the
line's characters back). Visually: every character inside the safe area, the QR
code on the reading side's end. Share images: the set lines are the headline,
in the script's font, and the ink stays inside the margins, flush right for
right-to-left scripts.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops

from tests.exporters.script_checks import glyph_problems, logical_text, squeeze
from tests.pluginkit import marketer_client, plugin_app

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MM = 72 / 25.4
# locale, script, font family (embedded BaseFont without spaces), right to left
SCRIPTS = [
    ("vi", "Latin (Vietnamese)", "NotoSans-", False),
    ("el", "Greek", "NotoSans-", False),
    ("ru", "Cyrillic", "NotoSans-", False),
    ("ar", "Arabic", "NotoSansArabic-", True),
    ("he", "Hebrew", "NotoSansHebrew-", True),
    ("hi", "Devanagari", "NotoSansDevanagari-", False),
    ("bn", "Bengali", "NotoSansBengali-", False),
    ("ta", "Tamil", "NotoSansTamil-", False),
    ("th", "Thai", "NotoSansThai-", False),
    ("ja", "Japanese", "NotoSansCJKJP-", False),
    ("ko", "Korean", "NotoSansCJKKR-", False),
    ("zh-Hans", "Simplified Chinese", "NotoSansCJKSC-", False),
    ("zh-Hant", "Traditional Chinese", "NotoSansCJKTC-", False),
]
IDS = [s[0] for s in SCRIPTS]
# Scripts whose fonts draw some letters from shared parts (see glyph_problems).
SHARED_GLYPHS = {"ar", "hi", "th", "bn", "ta"}


def _inputs(locale: str) -> dict[str, str]:
    campaign = next(
        c for c in json.loads((FIXTURES / "campaigns.json").read_text()) if c["slug"] == "sid-2025"
    )
    message = next(m for m in json.loads((FIXTURES / "messages.json").read_text()) if m["id"] == 21)
    return {**campaign["translations"][locale], **message["translations"][locale]}


@pytest.fixture(scope="module")
def marketer(tmp_path_factory):
    with plugin_app(tmp_path_factory.mktemp("scripts-http"), {}) as app:
        yield marketer_client(app)


def _download(client, body):
    response = client.post("/api/v1/exports", json={"campaign": "sid-2025", **body})
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    with client.get(record["artifact"]["url"]) as download:
        assert download.status_code == 200
        return record, download.data


@pytest.mark.parametrize(("locale", "script", "family", "rtl"), SCRIPTS, ids=IDS)
def test_a_poster_in_every_script(marketer, read_poster, locale, script, family, rtl):
    record, pdf = _download(marketer, {"exporter": "poster", "locale": locale, "options": {}})
    assert record["artifact"]["metadata"]["language"] == locale
    inputs = _inputs(locale)

    text = squeeze(logical_text(pdf))
    for key in ("name", "headline", "body", "call_to_action"):
        assert squeeze(inputs[key]) in text, (script, key)
    assert glyph_problems(pdf, to_unicode=locale not in SHARED_GLYPHS) == [], script

    poster = read_poster(pdf)
    bases = [f["base"] for f in poster.fonts().values()]
    assert any(family in base for base in bases), bases
    if not rtl:  # poppler reorders right-to-left lines itself; the ActualText check holds
        assert squeeze(inputs["headline"]) in squeeze(poster.poppler_text())

    # Every character inside the safe area (5 mm at least inside the trim).
    tx0, ty0, tx1, ty1 = poster.box("/TrimBox")
    for ch, (left, bottom, right, top) in poster.char_boxes():
        assert tx0 + 5 * MM <= left and right <= tx1 - 5 * MM, (script, ch)
        assert ty0 + 5 * MM <= bottom and top <= ty1 - 5 * MM, (script, ch)

    # The QR code decodes, and sits where the reading ends: right for LTR, left for RTL.
    image = poster.render(scale=1.0)
    (code,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert code.text == record["artifact"]["metadata"]["qr_url"]
    qr_x = (code.position.top_left.x + code.position.top_right.x) / 2
    assert (qr_x < image.width / 2) == rtl, script


@pytest.mark.parametrize(("locale", "script", "family", "rtl"), SCRIPTS, ids=IDS)
def test_a_share_image_in_every_script(marketer, locale, script, family, rtl):
    record, png = _download(
        marketer,
        {
            "exporter": "social",
            "locale": locale,
            "media_type": "image/png",
            "options": {"messages": [21], "image_sizes": ["card"]},
        },
    )
    meta = record["artifact"]["metadata"]
    assert squeeze("".join(meta["lines"])) == squeeze(_inputs(locale)["headline"]), script
    assert meta["direction"] == ("rtl" if rtl else "ltr")
    families = [f.replace(" ", "") for f in meta["font"].split(", ")]
    assert family.rstrip("-") in families, meta["font"]

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    margin = round(min(width, height) * 0.08)
    bar = round(min(width, height) * 0.025)
    # Ink: anything not the background colour, below the accent bar.
    background = Image.new("RGB", image.size, meta["background"])
    ink = ImageChops.difference(image, background).convert("L").point(lambda v: 255 * (v > 40))
    left, top, right, bottom = ink.crop((0, bar + 1, width, height)).getbbox()
    assert left >= margin * 0.75 and right <= width - margin * 0.75, (script, left, right)
    assert bottom + bar + 1 <= height - margin * 0.25, script
    # Lines start on the reading side: flush right for right to left, flush left otherwise.
    if rtl:
        assert width - margin - right < margin * 0.25, (script, right)
    else:
        assert left - margin < margin * 0.25, (script, left)


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    from tests.conftest import fresh_database, make_app

    tmp_path = tmp_path_factory.mktemp("scripts-cli")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        app.extensions["sidcontent.db"].dispose()
        yield {
            **os.environ,
            "SIDCONTENT_DATABASE_URL": url,
            "SIDCONTENT_INSTANCE_PATH": str(tmp_path / "instance"),
            "SIDCONTENT_SECRET_KEY": "test-secret",
        }


def _cli(env, *args):
    command = [str(Path(sys.executable).parent / "sidcontent"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_the_cli_exports_a_poster_and_a_share_image_in_another_script(cli_env, tmp_path):
    pdf, png = tmp_path / "he.pdf", tmp_path / "ja.png"
    done = _cli(
        cli_env,
        "export",
        "poster",
        "--campaign",
        "sid-2025",
        "--locale",
        "he",
        "--output",
        str(pdf),
    )
    assert done.returncode == 0, done.stderr
    assert squeeze(_inputs("he")["headline"]) in squeeze(logical_text(pdf.read_bytes()))
    done = _cli(
        cli_env,
        "export",
        "social",
        "--campaign",
        "sid-2025",
        "--locale",
        "ja",
        "--media-type",
        "image/png",
        "-o",
        "messages=[21]",
        "-o",
        'image_sizes=["card"]',
        "--output",
        str(png),
    )
    assert done.returncode == 0, done.stderr
    with Image.open(png) as image:
        assert image.size == (1200, 630)


def test_a_missing_font_is_an_error_naming_the_script_and_the_package(cli_env, tmp_path):
    """Without fontconfig's fonts (an empty configuration), Hebrew has no font: the CLI
    says which script and which package, in one line, and writes nothing."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><fontconfig></fontconfig>')
    env = {**cli_env, "FONTCONFIG_FILE": str(config)}
    # A3: options never exported before, so the export runs (an identical one is reused).
    done = _cli(
        env,
        "export",
        "poster",
        "--campaign",
        "sid-2025",
        "--locale",
        "he",
        "-o",
        "size=A3",
        "--output",
        str(tmp_path / "he.pdf"),
    )
    assert done.returncode != 0
    assert "Hebrew" in done.stderr and "fonts-noto-core" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "he.pdf").exists()
