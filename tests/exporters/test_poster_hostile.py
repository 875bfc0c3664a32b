"""Hostile content and options: the poster fits them or refuses clearly, naming the field."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sidcontent.exporting import ContentBundle, ExportContext, ExportError, Palette
from sidcontent.plugins import PluginHost

MM = 72 / 25.4
WORDS = "internet safety respect kindness privacy consent scams trust help online".split()


def _with_message(bundle, **changes):
    message = replace(bundle.messages[0], **changes)
    return replace(bundle, messages=(message, *bundle.messages[1:]))


def _refused(export_poster, bundle, **options) -> ExportError:
    with pytest.raises(ExportError) as error:
        export_poster(bundle, **options)
    return error.value


def _inside_safe_area(poster) -> bool:
    tx0, ty0, tx1, ty1 = poster.box("/TrimBox")
    safe = 5 * MM
    return all(
        left >= tx0 + safe and right <= tx1 - safe and bottom >= ty0 + safe and top <= ty1 - safe
        for _, (left, bottom, right, top) in poster.char_boxes()
    )


def _sentence(chars: int) -> str:
    words, text = iter(WORDS * 100), ""
    while len(text) < chars:
        text = f"{text} {next(words)}".strip()
    return text[:chars].rstrip()


def test_500_character_headline_is_fitted_where_it_can_be_and_refused_where_not(
    seed_bundle, export_poster, read_poster
):
    headline = _sentence(500)
    assert len(headline) == 500
    bundle = _with_message(seed_bundle(locale="fr"), headline=headline)

    # Portrait has room at the smallest headline size: fitted, inside the safe area.
    for options in ({"size": "A4"}, {"size": "tabloid"}):
        poster = read_poster(export_poster(bundle, **options).content)
        assert headline in poster.text()
        assert _inside_safe_area(poster)
        assert poster.overlapping_chars() == []

    # Landscape makes room by growing the band (issue 16's layouts that fill the page);
    # twice as long has no room anywhere (type scales with the sheet, so no size has):
    # refused, naming the field, never overflowing.
    poster = read_poster(export_poster(bundle, orientation="landscape").content)
    assert _inside_safe_area(poster)
    bundle = _with_message(seed_bundle(locale="fr"), headline=_sentence(1000))
    for size in ("A4", "A2"):
        error = _refused(export_poster, bundle, size=size, orientation="landscape")
        assert error.field == "headline"
        assert "does not fit" in error.message and f"{size} landscape" in error.message
        assert "portrait" in error.message


def test_headline_shrinks_to_fit_and_stays_large_when_short(seed_bundle, export_poster):
    short = export_poster(_with_message(seed_bundle(locale="fr"), headline="Be kind online"))
    long = export_poster(_with_message(seed_bundle(locale="fr"), headline=_sentence(160)))
    assert short.metadata["headline_pt"] > long.metadata["headline_pt"] >= 4.5 * 210 * MM / 100


def test_one_80_character_word_headline_is_refused(seed_bundle, export_poster):
    bundle = _with_message(seed_bundle(locale="fr"), headline="a" * 80)
    error = _refused(export_poster, bundle, size="A2", orientation="landscape")
    assert error.field == "headline"


def test_one_80_character_word_in_the_body_is_fitted(seed_bundle, export_poster, read_poster):
    word = "Supercalifragilistic" * 4
    bundle = _with_message(seed_bundle(locale="fr"), body=f"Remember this: {word} and be kind.")
    poster = read_poster(export_poster(bundle, size="A4").content)
    assert word in poster.text().replace(" ", "")
    assert _inside_safe_area(poster)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Stay safe online 😀", "U+1F600"),
        ("ሰላም ኢንተርኔት", "U+1230"),
        ("Stay safe ✅ together", "U+2705"),
    ],
    ids=["emoji", "ethiopic", "symbol"],
)
def test_characters_the_font_cannot_draw_are_named(seed_bundle, export_poster, text, named):
    error = _refused(export_poster, _with_message(seed_bundle(locale="fr"), headline=text))
    assert error.field == "headline"
    assert named in error.message
    assert "cannot draw" in error.message


def test_a_script_without_a_font_is_named(seed_bundle, export_poster):
    error = _refused(export_poster, _with_message(seed_bundle(locale="fr"), body="ሰላም"))
    assert error.field == "body"
    assert "no font is configured for Ethiopic" in error.message


def test_control_characters_are_removed_with_a_warning(seed_bundle, export_poster, read_poster):
    bundle = _with_message(
        seed_bundle(locale="fr"),
        headline="Be\x00 the\u202e change\ttoday\r\nand\u200b every day\x07",
    )
    artifact = export_poster(bundle)
    assert "Be the change today and every day" in read_poster(artifact.content).text()
    (warning,) = artifact.warnings
    assert warning.startswith("headline:")
    for code in ("U+0000", "U+202E", "U+200B", "U+0007"):
        assert code in warning


def test_greek_and_cyrillic_print(seed_bundle, export_poster, read_poster):
    bundle = _with_message(
        seed_bundle(locale="fr"),
        headline="Ασφαλές διαδίκτυο για όλους",
        body="Безопасный интернет для всех.",
    )
    text = read_poster(export_poster(bundle, size="A3").content).text()
    assert "Ασφαλές διαδίκτυο για όλους" in text
    assert "Безопасный интернет для всех." in text


def test_missing_glyphs_in_the_campaign_name_name_that_field(seed_bundle, export_poster):
    bundle = seed_bundle(locale="fr")
    bundle = replace(bundle, campaign=replace(bundle.campaign, name="Safer Internet Day 🚀"))
    error = _refused(export_poster, bundle)
    assert error.field == "campaign.name"


def test_too_many_long_tips_are_refused(seed_bundle, export_poster):
    bundle = seed_bundle("sid-2017", "en")
    body = _sentence(600)
    messages = tuple(replace(m, body=body) for m in bundle.messages[:8])
    error = _refused(
        export_poster,
        replace(bundle, messages=messages),
        layout="tips",
        messages=[m.id for m in messages],
        size="A4",
        orientation="landscape",
    )
    assert error.field == "messages"
    assert "fewer" in error.message


def test_a_bad_palette_colour_is_named(seed_bundle, export_poster):
    bundle = seed_bundle(locale="fr")
    theme = replace(bundle.theme, palette=Palette("blue", "#12A3A3", "#F28C28", "#FFF", "#000"))
    error = _refused(export_poster, replace(bundle, theme=theme))
    assert error.field == "theme.palette.primary"


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "https://user:secret@example.org/", "/relative/path"]
)
def test_a_link_unfit_for_a_qr_code_is_refused(seed_bundle, export_poster, link):
    bundle = _with_message(seed_bundle(locale="fr"), link=link)
    error = _refused(export_poster, bundle)
    assert error.field == "url"
    assert "QR code" in error.message


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"message": 9999}, "message"),
        ({"resource": 9999}, "resource"),
        ({"audience": "astronauts"}, "audience"),
        ({"layout": "tips", "audience": "astronauts"}, "audience"),
        ({"layout": "tips", "messages": [1, 9999]}, "messages"),
    ],
)
def test_unknown_content_is_named(seed_bundle, export_poster, options, field):
    assert _refused(export_poster, seed_bundle(locale="fr"), **options).field == field


def test_raw_options_are_validated_by_the_exporter_too(seed_bundle):
    """A host that forgot to load the options still gets a named field, not a crash."""
    exporter = PluginHost(builtins=("sidcontent.exporters.poster",)).exporters["poster"].item
    with pytest.raises(ExportError) as error:
        exporter.export(seed_bundle(locale="fr"), {"size": "B5"}, ExportContext("application/pdf"))
    assert error.value.field == "size"


def test_the_options_schema_refuses_bad_values():
    from marshmallow import ValidationError

    schema = (
        PluginHost(builtins=("sidcontent.exporters.poster",))
        .exporters["poster"]
        .item.options_schema()
    )
    for bad in (
        {"size": "A5"},
        {"orientation": "diagonal"},
        {"layout": "comic"},
        {"partner": "x" * 81},
        {"preview_width": 10},
        {"layout": "headline", "messages": [1, 2]},
        {"unknown": 1},
    ):
        with pytest.raises(ValidationError):
            schema.load(bad)


def test_a_japanese_bundle_prints_in_japanese(fresh_app, tmp_path, export_poster, read_poster):
    """Issue 16: what used to be refused (the Japanese date included) now prints."""
    import json

    from sidcontent.content import fixtures

    seed = Path(__file__).resolve().parents[2] / "fixtures"
    campaign = next(
        c for c in json.loads((seed / "campaigns.json").read_text()) if c["slug"] == "sid-2017"
    )
    message = next(m for m in json.loads((seed / "messages.json").read_text()) if m["id"] == 1)
    campaign["translations"]["ja"] = {
        "name": "セーファーインターネットデー 2017",
        "tagline": "変化を起こそう",
        "description": "より良いインターネットのために。",
    }
    message["translations"]["ja"] = {
        "headline": "変化を起こそう：より良いインターネットのために",
        "body": "小さな行動が大きな変化になります。",
        "call_to_action": "参加しよう",
    }
    extra = tmp_path / "ja"
    extra.mkdir()
    (extra / "campaigns.json").write_text(json.dumps([campaign], ensure_ascii=False))
    (extra / "messages.json").write_text(json.dumps([message], ensure_ascii=False))
    with fresh_app.extensions["sidcontent.db"].session() as session:
        fixtures.load(session, extra)

    response = fresh_app.test_client().get("/api/v1/campaigns/sid-2017/bundle?locale=ja")
    bundle = ContentBundle.from_api(response.get_json()["data"])
    assert bundle.campaign.locale == "ja"
    poster = read_poster(export_poster(bundle, size="A3", bleed=True).content)
    text = poster.poppler_text()
    assert "セーファーインターネットデー 2017" in text
    assert "2017年2月7日" in text
    assert "変化を起こそう：より良いインターネットのために" in text


@pytest.mark.parametrize("headline", ["", "   ", "\x00\u200b"], ids=["empty", "blank", "invisible"])
@pytest.mark.parametrize("layout", ["headline", "tips"])
def test_an_empty_headline_is_refused(seed_bundle, export_poster, headline, layout):
    bundle = _with_message(seed_bundle(locale="fr"), headline=headline)
    options = {"messages": [bundle.messages[0].id]} if layout == "tips" else {}
    error = _refused(export_poster, bundle, layout=layout, **options)
    assert error.field == "headline"
    assert "empty" in error.message


def test_missing_body_and_call_to_action_are_left_out(seed_bundle, export_poster, read_poster):
    bundle = _with_message(seed_bundle(locale="fr"), body=None, call_to_action="  ")
    text = read_poster(export_poster(bundle).content).text()
    assert "Sois le changement" in text
    assert "Découvrez" not in text and "130 pays" not in text


def test_a_bundle_without_a_theme_uses_default_colours(seed_bundle, export_poster, read_poster):
    artifact = export_poster(replace(seed_bundle(locale="fr"), theme=None), layout="tips")
    assert read_poster(artifact.content).text()


def test_nothing_to_link_to_is_refused(seed_bundle, export_poster):
    bundle = _with_message(seed_bundle(locale="fr"), link=None)
    bundle = replace(bundle, campaign=replace(bundle.campaign, url=None), resources=())
    error = _refused(export_poster, bundle)
    assert error.field == "resource"
