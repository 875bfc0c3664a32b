"""The newsletter exporter on real seed content, called through the plugin hooks."""

from __future__ import annotations

import dataclasses
import json
import re
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from marshmallow import ValidationError
from newsletter_checks import (
    MAX_WIDTH,
    contrast,
    declarations,
    elements,
    export,
    exporter,
    markdown_to_html,
    media_rules,
    parse_strict,
    pixel_widths,
    strip_media_blocks,
    tag,
    text_colour_pairs,
    text_of,
)

from sidcontent.exporting import ContentBundle, ExportContext, ExportError, Message
from sidcontent.plugins import PluginHost

CLIP_LIMIT = 102_000


@pytest.fixture(scope="module")
def bundle_de(app: Flask) -> ContentBundle:
    response = app.test_client().get("/api/v1/campaigns/sid-2017/bundle?locale=de")
    assert response.status_code == 200
    return ContentBundle.from_api(response.get_json()["data"])


@pytest.fixture(scope="module")
def bundle_en(app: Flask) -> ContentBundle:
    response = app.test_client().get("/api/v1/campaigns/sid-2017/bundle?locale=en")
    return ContentBundle.from_api(response.get_json()["data"])


LAYOUTS = [
    {"layout": "digest", "audiences": ["parents-carers"]},
    {"layout": "digest", "max_messages": 50, "max_resources": 50},
    {"layout": "spotlight"},
    {
        "layout": "spotlight",
        "message": 13,
        "image_url": "https://example.org/banner.png",
        "image_alt": "Eltern und Kind am Tablet",
    },
]


def html_links(html: str) -> list[str]:
    return [a.get("href") for a in elements(parse_strict(html), "a")]


# --- registration and formats -----------------------------------------------------


def test_registered_as_a_builtin_through_the_hook() -> None:
    host = PluginHost()
    registered = host.exporters["newsletter"]
    assert registered.plugin == "sidcontent.exporters.newsletter"
    assert registered.item.media_types[0] == "application/json"
    assert set(registered.item.media_types) == {
        "application/json",
        "text/html",
        "text/plain",
        "text/markdown",
        "message/rfc822",
    }


def test_json_holds_subject_preheader_html_text_and_markdown(bundle_de: ContentBundle) -> None:
    artifact = export(bundle_de, audiences=["parents-carers"])
    body = json.loads(artifact.content)
    assert set(body) == {"subject", "preheader", "html", "text", "markdown"}
    assert body["subject"] == "Safer Internet Day 2017 – Eltern und Erziehungsberechtigte"
    assert body["preheader"] == "Sei der Wandel: Gemeinsam für ein besseres Internet"
    assert artifact.filename == "sid-2017-digest-parents-carers-de.json"
    assert artifact.metadata["html_bytes"] == len(body["html"].encode())
    assert artifact.metadata["clip_limit_bytes"] == CLIP_LIMIT
    # The only warnings: the items that fell back to English (fallback=warn).
    fell_back = (
        artifact.metadata["fallback"]["messages"] + artifact.metadata["fallback"]["resources"]
    )
    assert len(artifact.warnings) == len(fell_back) > 0
    assert all("served in en, not de" in w for w in artifact.warnings)
    # Each single format is the same rendering as the JSON's field.
    for media_type, key in [
        ("text/html", "html"),
        ("text/plain", "text"),
        ("text/markdown", "markdown"),
    ]:
        single = export(bundle_de, media_type, audiences=["parents-carers"])
        assert single.media_type == media_type
        assert single.content.decode() == body[key]


def test_media_type_parameters_are_accepted(bundle_de: ContentBundle) -> None:
    artifact = export(bundle_de, "text/plain; charset=utf-8")
    assert artifact.media_type == "text/plain" and artifact.filename.endswith(".txt")


def test_unknown_media_type_is_an_export_error(bundle_de: ContentBundle) -> None:
    item = exporter()
    with pytest.raises(ExportError) as caught:
        item.export(bundle_de, item.options_schema().load({}), ExportContext("application/pdf"))
    assert caught.value.field == "media_type"


# --- the German parents-and-carers digest ------------------------------------------


def test_parents_digest_in_german(bundle_de: ContentBundle) -> None:
    html = export(bundle_de, "text/html", audiences=["parents-carers"]).content.decode()
    root = parse_strict(html)
    assert next(elements(root, "html")).get("lang") == "de"
    headings = [text_of(h) for h in elements(root, "h2")]
    assert headings == ["Eltern und Erziehungsberechtigte", "Für alle"]
    parents = [m for m in bundle_de.messages if m.audience == "parents-carers"]
    for message in parents[:3]:
        assert message.headline in html
    others = [m for m in bundle_de.messages if m.audience not in ("parents-carers", "general")]
    assert not any(m.headline in html for m in others)
    # Items the German edition serves in English (fallback) say so for screen readers.
    english = [m for m in parents if m.locale == "en"]
    assert english
    marked = [e for e in elements(root) if e.get("lang") == "en"]
    assert any(english[0].headline in text_of(e) for e in marked)
    # Without general content, only the parents' section is left.
    only = export(bundle_de, "text/html", audiences=["parents-carers"], include_general=False)
    assert [text_of(h) for h in elements(parse_strict(only.content.decode()), "h2")] == [
        "Eltern und Erziehungsberechtigte"
    ]


def test_full_digest_groups_every_audience_and_lists_each_resource_once(
    bundle_en: ContentBundle,
) -> None:
    html = export(bundle_en, "text/html", max_messages=50, max_resources=50).content.decode()
    root = parse_strict(html)
    headings = [text_of(h) for h in elements(root, "h2")]
    assert headings[0] == "For everyone"
    assert "Parents and carers" in headings and "Children aged 3-7" in headings
    shown = text_of(root)
    for message in bundle_en.messages:
        assert message.headline in shown
    resource_links = [h for h in html_links(html) if "utm_content=resource-" in h]
    assert len(resource_links) == len(bundle_en.resources)
    assert len(set(resource_links)) == len(resource_links)


def test_max_messages_limits_each_section(bundle_en: ContentBundle) -> None:
    artifact = export(bundle_en, "text/html", max_messages=1, max_resources=0)
    root = parse_strict(artifact.content.decode())
    sections = len(list(elements(root, "h2")))
    assert len(list(elements(root, "h3"))) == sections
    assert artifact.metadata["messages"] == sections
    assert artifact.metadata["resources"] == 0


# --- the HTML part, for every layout -------------------------------------------------


@pytest.mark.parametrize("options", LAYOUTS, ids=lambda o: "-".join(map(str, o.values()))[:40])
def test_html_is_email_safe(bundle_de: ContentBundle, options: dict) -> None:
    html = export(bundle_de, "text/html", **options).content.decode()
    root = parse_strict(html)  # raises on any HTML5 parse error

    # Styles: inline everywhere; <style> keeps only @media (dark mode, narrow screens).
    styles = [text_of(s) for s in elements(root, "style")]
    assert styles and all(strip_media_blocks(css).strip() == "" for css in styles)
    assert any("prefers-color-scheme: dark" in css for css in styles)
    assert not list(elements(root, "link"))
    for element in elements(root):
        if element.get("class"):
            assert element.get("style"), f"<{tag(element)} class={element.get('class')}>"

    # Never wider than 600 px, anywhere (Outlook-only comments included).
    assert pixel_widths(html) and max(pixel_widths(html)) <= MAX_WIDTH
    assert 'width="600"' in html

    # Table layout.
    body = next(elements(root, "body"))
    assert [tag(e) for e in body if tag(e) != "div"] == ["table"]
    assert not any(
        tag(e) in {"div", "section", "article", "main"}
        for e in body.iter()
        if e is not body and e.get("class") != "nl-preheader"
    )

    # The hidden preheader comes first.
    preheader = next(iter(body))
    assert "display:none" in preheader.get("style").replace(" ", "")
    assert text_of(preheader).startswith(
        json.loads(export(bundle_de, **options).content)["preheader"]
    )

    # Images: alt text on every one.
    for image in elements(root, "img"):
        assert image.get("alt", "").strip()
        assert int(image.get("width")) <= MAX_WIDTH

    # Every link is http(s) and tracked for email.
    links = html_links(html)
    assert links
    for href in links:
        parts = urlsplit(href)
        assert parts.scheme in ("http", "https")
        assert parse_qs(parts.query)["utm_medium"] == ["email"]
        assert parse_qs(parts.query)["utm_campaign"] == ["sid-2017"]

    # Text reaches WCAG AA (4.5:1) on its background, light and dark.
    for dark in (False, True):
        for text, colour, background in text_colour_pairs(root, dark=dark):
            assert contrast(colour, background) >= 4.5, (dark, text, colour, background)


def test_bulletproof_button_is_at_least_44px(bundle_de: ContentBundle) -> None:
    html = export(bundle_de, "text/html", layout="spotlight").content.decode()
    root = parse_strict(html)
    cells = [td for td in elements(root, "td") if "nl-button-cell" in td.get("class", "")]
    assert len(cells) == 1
    cell = cells[0]
    assert int(cell.get("height")) >= 44
    assert int(declarations(cell.get("style"))["height"].removesuffix("px")) >= 44
    link = next(elements(cell, "a"))
    style = declarations(link.get("style"))
    padding = [int(p.removesuffix("px")) for p in style["padding"].split()]
    assert padding[0] + padding[2 % len(padding)] + int(style["line-height"][:-2]) >= 44
    assert style["display"] == "inline-block"
    assert contrast(style["color"], declarations(cell.get("style"))["background-color"]) >= 4.5


def test_dark_mode_rules_cover_the_text(bundle_de: ContentBundle) -> None:
    html = export(bundle_de, "text/html").content.decode()
    root = parse_strict(html)
    css = "".join(text_of(s) for s in elements(root, "style"))
    dark = media_rules(css, "prefers-color-scheme: dark")
    for name in ("nl-text", "nl-muted", "nl-title", "nl-link", "nl-section"):
        assert "color" in dark[name]
    assert 'name="color-scheme" content="light dark"' in html


def test_theme_palette_is_used(bundle_de: ContentBundle) -> None:
    html = export(bundle_de, "text/html").content.decode().lower()
    assert bundle_de.theme is not None
    assert bundle_de.theme.palette.primary.lower() in html  # header band
    assert bundle_de.theme.palette.accent.lower() in html  # button


# --- the text part -------------------------------------------------------------------


@pytest.mark.parametrize("options", LAYOUTS, ids=lambda o: "-".join(map(str, o.values()))[:40])
def test_text_part_holds_every_link_as_a_numbered_reference(
    bundle_de: ContentBundle, options: dict
) -> None:
    body = json.loads(export(bundle_de, **options).content)
    text = body["text"]
    references = dict(re.findall(r"^\[(\d+)\] (\S+)$", text, re.MULTILINE))
    assert list(references) == [str(n) for n in range(1, len(references) + 1)]
    assert set(html_links(body["html"])) == set(references.values())
    main, _, _ = text.rpartition("\nLinks:\n")
    for number in references:
        assert f"[{number}]" in main
    for line in text.splitlines():
        if not re.fullmatch(r"\[\d+\] \S+", line):
            assert len(line) <= 72, line


def test_text_wraps_at_72_and_keeps_all_the_words(bundle_en: ContentBundle) -> None:
    text = export(bundle_en, "text/plain", max_messages=50).content.decode()
    flat = " ".join(text.split())
    for message in bundle_en.messages:
        assert " ".join(message.headline.split()) in flat
        assert " ".join((message.body or "").split()) in flat


# --- Markdown ------------------------------------------------------------------------


def test_markdown_renders_to_the_same_content_and_links(bundle_de: ContentBundle) -> None:
    body = json.loads(export(bundle_de, audiences=["parents-carers"]).content)
    rendered = parse_strict(
        "<!DOCTYPE html><html><head><title>t</title></head><body>"
        + markdown_to_html(body["markdown"])
        + "</body></html>"
    )
    assert set(a.get("href") for a in elements(rendered, "a")) == set(html_links(body["html"]))
    assert text_of(next(elements(rendered, "h1"))) == "Safer Internet Day 2017"
    assert [text_of(h) for h in elements(rendered, "h2")] == [
        "Eltern und Erziehungsberechtigte",
        "Für alle",
    ]
    assert "7. Februar 2017" in text_of(rendered)
    assert not list(elements(rendered, "ol"))  # "7." did not start a list


# --- the .eml ------------------------------------------------------------------------


def test_eml_is_multipart_alternative_with_both_parts(bundle_de: ContentBundle) -> None:
    options = {
        "audiences": ["parents-carers"],
        "from_name": "Schule am See",
        "from_address": "info@schule.example",
        "to_address": "eltern@schule.example",
    }
    eml = export(bundle_de, "message/rfc822", **options)
    assert eml.filename.endswith(".eml")
    message = BytesParser(policy=policy.default).parsebytes(eml.content)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Safer Internet Day 2017 – Eltern und Erziehungsberechtigte"
    assert message["From"].addresses[0].display_name == "Schule am See"
    assert message["From"].addresses[0].addr_spec == "info@schule.example"
    assert message["To"].addresses[0].addr_spec == "eltern@schule.example"
    assert message["MIME-Version"] == "1.0"
    assert message["Date"].datetime is not None
    assert message["Message-ID"].endswith("@schule.example>")
    assert message["Content-Language"] == "de"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    body = json.loads(export(bundle_de, **options).content)
    assert parts[0].get_content().replace("\r\n", "\n") == body["text"]
    # (the email package ends every part with a line break)
    assert parts[1].get_content().replace("\r\n", "\n").rstrip("\n") == body["html"]
    assert all(len(line) <= 998 for line in eml.content.split(b"\r\n"))


# --- options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flavour", "field", "expected"),
    [
        ("none", None, "Hallo,"),
        ("mailchimp", None, "Hallo *|FNAME|*,"),
        ("mailchimp", "FIRSTNAME", "Hallo *|FIRSTNAME|*,"),
        ("django", None, "Hallo {{ subscriber.metadata.first_name }},"),
    ],
)
def test_merge_tag_greeting(bundle_de: ContentBundle, flavour, field, expected) -> None:
    options = {"merge_tags": flavour, "merge_field": field}
    body = json.loads(export(bundle_de, **options).content)
    assert expected in text_of(parse_strict(body["html"]))
    assert expected in body["text"]
    # The Markdown renders to the same greeting the HTML has.
    assert expected in markdown_to_html(body["markdown"])


def test_merge_field_must_be_a_plain_name() -> None:
    with pytest.raises(ValidationError) as caught:
        exporter().options_schema().load({"merge_tags": "django", "merge_field": "x }}{% debug"})
    assert "merge_field" in caught.value.messages


def test_custom_greeting_subject_and_preheader(bundle_de: ContentBundle) -> None:
    body = json.loads(
        export(
            bundle_de, greeting="Liebe Eltern", subject="SID 2017", preheader="Alles für Familien"
        ).content
    )
    assert body["subject"] == "SID 2017"
    assert body["preheader"] == "Alles für Familien"
    assert "Liebe Eltern," in body["text"]
    assert "<title>SID 2017</title>" in body["html"]


def test_tracking_can_be_changed_or_turned_off(bundle_de: ContentBundle) -> None:
    html = export(
        bundle_de, "text/html", utm_source="schule-am-see", utm_campaign="sid17"
    ).content.decode()
    for href in html_links(html):
        query = parse_qs(urlsplit(href).query)
        assert query["utm_source"] == ["schule-am-see"]
        assert query["utm_campaign"] == ["sid17"]
    untracked = export(bundle_de, "text/html", tracking=False).content.decode()
    assert html_links(untracked) and not any("utm_" in h for h in html_links(untracked))


def test_spotlight_shows_one_message_with_its_resources(bundle_de: ContentBundle) -> None:
    artifact = export(bundle_de, "text/html", layout="spotlight", message=13)
    root = parse_strict(artifact.content.decode())
    message = next(m for m in bundle_de.messages if m.id == 13)
    assert text_of(next(elements(root, "h2"))) == message.headline
    assert artifact.metadata["subject"] == message.headline
    assert artifact.metadata["messages"] == 1
    links = html_links(artifact.content.decode())
    # Both parents' resources are there (audience match), ranked before the rest.
    assert "utm_content=resource-2" in links[1] or "utm_content=resource-3" in links[1]
    assert any("resource-2" in h for h in links) and any("resource-3" in h for h in links)
    # Default: the first key message.
    default = export(bundle_de, layout="spotlight")
    key = next(m for m in bundle_de.messages if m.kind == "key-message")
    assert default.metadata["subject"] == key.headline


def test_spotlight_of_a_missing_message_names_the_field(bundle_de: ContentBundle) -> None:
    with pytest.raises(ExportError) as caught:
        export(bundle_de, layout="spotlight", message=99999)
    assert caught.value.field == "message"
    with pytest.raises(ValidationError):
        exporter().options_schema().load({"layout": "digest", "message": 13})


def test_an_audience_without_content_is_an_export_error(bundle_de: ContentBundle) -> None:
    only_general = dataclasses.replace(
        bundle_de,
        messages=tuple(m for m in bundle_de.messages if m.audience == "general"),
        resources=(),
    )
    with pytest.raises(ExportError) as caught:
        export(only_general, audiences=["educators"], include_general=False)
    assert caught.value.field == "audiences"
    assert "educators" in caught.value.message


def test_image_needs_alt_text() -> None:
    with pytest.raises(ValidationError) as caught:
        exporter().options_schema().load({"image_url": "https://example.org/a.png"})
    assert "image_alt" in caught.value.messages
    with pytest.raises(ValidationError):
        exporter().options_schema().load({"image_url": "javascript:alert(1)", "image_alt": "x"})


# --- size guard ------------------------------------------------------------------------


def _big(bundle: ContentBundle, count: int) -> ContentBundle:
    body = "Ein langer Absatz über Sicherheit im Netz. " * 60
    extra = tuple(
        Message(
            id=1000 + i,
            audience="parents-carers",
            kind="tip",
            headline=f"Tipp {i}",
            body=body,
            call_to_action="Mehr",
            link=f"https://example.org/tipp/{i}",
            hashtags=(),
            tags=(),
            locale="de",
        )
        for i in range(count)
    )
    return dataclasses.replace(bundle, messages=bundle.messages + extra)


def test_size_guard_warns_over_gmails_clipping_limit(bundle_de: ContentBundle) -> None:
    # fallback=allow: the English items of the seed would add warnings of their own.
    small = export(_big(bundle_de, 10), "text/html", max_messages=50, fallback="allow")
    assert small.metadata["html_bytes"] < CLIP_LIMIT and small.warnings == ()
    big = export(_big(bundle_de, 60), "text/html", max_messages=50, fallback="allow")
    assert big.metadata["html_bytes"] == len(big.content) > CLIP_LIMIT
    assert len(big.warnings) == 1 and "Gmail" in big.warnings[0]
    with pytest.raises(ExportError) as caught:
        export(_big(bundle_de, 60), "text/html", max_messages=50, fail_if_clipped=True)
    assert caught.value.field == "fail_if_clipped"
    assert str(big.metadata["html_bytes"]) in caught.value.message
