"""Hostile content: no text field can inject markup into any part of a newsletter."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser
from urllib.parse import urlsplit

import pytest
from newsletter_checks import (
    contrast,
    elements,
    export,
    markdown_to_html,
    parse_strict,
    strip_media_blocks,
    tag,
    text_colour_pairs,
    text_of,
)

from sidcontent.exporting import (
    Campaign,
    ContentBundle,
    ExportError,
    Message,
    Palette,
    Resource,
    Theme,
)

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</style><svg onload=alert(3)>",
    "<a href='javascript:alert(4)'>klick</a>",
    "[klick](javascript:alert(5)) ![x](https://evil.example/x.png)",
    "<!-- --><iframe src=https://evil.example>",
    "**fett** _kursiv_ `code` # nicht",
    "{: onclick=alert(6) } &lt;b&gt; &amp;",
]
MARKUP_TAGS = {"script", "img", "svg", "iframe", "style", "object", "embed", "form", "input"}


def hostile_bundle(payload: str, **overrides: object) -> ContentBundle:
    """Every text field of a bundle carries ``payload``."""
    campaign = Campaign(
        slug="sid-2017",
        name=f"SID {payload}",
        tagline=f"Tagline {payload}",
        description=f"Description {payload}\n\nSecond {payload}",
        day=date(2017, 2, 7),
        edition=14,
        url="https://www.saferinternetday.org/",
        hashtags=(f"tag{payload}",),
        default_locale="en",
        locale="de",
    )
    theme = Theme(
        slug="t",
        name=f"Theme {payload}",
        description=f"Theme description {payload}",
        palette=Palette("#1F5FA8", "#12A3A3", "#F28C28", "#FFFFFF", "#1A1A2E"),
        locale="de",
    )
    messages = tuple(
        Message(
            id=i,
            audience=audience,
            kind=kind,
            headline=f"Headline {i} {payload}",
            body=f"Body {payload}\n\n- {payload}\n1. {payload}",
            call_to_action=f"Action {payload}",
            link=f"https://example.org/m/{i}?q={payload[:8]}",
            hashtags=(f"h{payload}",),
            tags=(f"t{payload}",),
            locale="en" if i % 2 else "de",
        )
        for i, (audience, kind) in enumerate(
            [
                ("parents-carers", "tip"),
                ("general", "key-message"),
                (f"aud{payload}", f"kind{payload}"),
            ],
            start=1,
        )
    )
    resources = (
        Resource(
            id=1,
            type=f"type{payload}",
            title=f"Title {payload}",
            description=f"Resource {payload}",
            url="https://example.org/r/1",
            audiences=("parents-carers", f"aud{payload}"),
            starts_at=datetime(2017, 2, 7, 19, tzinfo=UTC),
            ends_at=None,
            tags=(),
            locale="de",
        ),
    )
    bundle = ContentBundle(
        campaign=campaign, theme=theme, messages=messages, resources=resources, locale="de"
    )
    return dataclasses.replace(bundle, **overrides)  # type: ignore[arg-type]


def visible_text(html: str) -> str:
    return text_of(next(elements(parse_strict(html), "body")))


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("layout", ["digest", "spotlight"])
def test_html_escapes_every_text_field(payload: str, layout: str) -> None:
    options = {"layout": layout, "merge_tags": "mailchimp", "max_messages": 50}
    if layout == "spotlight":
        options["message"] = 3
    body = json.loads(export(hostile_bundle(payload), **options).content)
    root = parse_strict(body["html"])  # parses cleanly: nothing broke out of its element
    assert not [tag(e) for e in elements(root) if tag(e) in MARKUP_TAGS - {"style"}]
    assert len(list(elements(root, "style"))) == 1
    assert all(strip_media_blocks(text_of(s)).strip() == "" for s in elements(root, "style"))
    for element in elements(root):
        assert not [name for name in element.attrib if name.lower().startswith("on")]
        for attr in ("href", "src"):
            if element.get(attr):
                assert urlsplit(element.get(attr)).scheme in ("http", "https")
    # The payload is shown as text, character for character.
    shown = visible_text(body["html"])
    assert f"Headline 3 {payload}" in shown
    assert f"Action {payload}" in shown
    if layout == "digest":
        for text in (
            f"SID {payload}",
            f"Tagline {payload}",
            f"Description {payload}",
            f"Headline 1 {payload}",
            f"Body {payload}",
            f"Title {payload}",
            f"Resource {payload}",
            f"aud{payload}",
            f"type{payload}",
            f"kind{payload}",
            f"#tag{payload}",
        ):
            assert text in shown, text
    assert payload in text_of(next(elements(root, "title"))) or layout == "spotlight"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_is_harmless_when_rendered(payload: str) -> None:
    markdown = export(hostile_bundle(payload), "text/markdown", max_messages=50).content.decode()
    html = markdown_to_html(markdown)
    root = parse_strict(f"<!DOCTYPE html><html><head><title>t</title></head><body>{html}</body>")
    allowed = {
        "html",
        "head",
        "title",
        "body",
        "h1",
        "h2",
        "h3",
        "h4",
        "p",
        "a",
        "em",
        "strong",
        "ul",
        "li",
        "br",
        "hr",
    }
    assert {tag(e) for e in elements(root)} <= allowed
    for element in elements(root):
        assert set(element.attrib) <= {"href"}
        if element.get("href"):
            assert urlsplit(element.get("href")).scheme in ("http", "https")
    shown = text_of(root)
    for text in (
        f"SID {payload}",
        f"Headline 1 {payload}",
        f"Body {payload}",
        f"Title {payload}",
        f"aud{payload}",
        f"- {payload}",
        f"1. {payload}",
    ):
        assert text in shown, text
    # Exactly the links the content has, and no more (no link built from a payload).
    hrefs = {urlsplit(a.get("href")).netloc for a in elements(root, "a")}
    assert hrefs <= {"example.org", "www.saferinternetday.org"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_part_keeps_the_payload_as_plain_text(payload: str) -> None:
    text = export(hostile_bundle(payload), "text/plain", max_messages=50).content.decode()
    assert f"Headline 1 {payload}" in " ".join(text.split())


def test_merge_tags_in_content_are_defused() -> None:
    tags = "*|UNSUB|* {{ subscriber.email }} {% debug %} {# c #}"
    body = json.loads(export(hostile_bundle(tags), merge_tags="mailchimp").content)
    for part in (body["html"], body["text"], body["markdown"]):
        for live in ("*|UNSUB|*", "{{ subscriber.email }}", "{% debug %}", "{# c #}"):
            assert live not in part
    # ... while the greeting's own merge tag stays live, and the words still read the same.
    assert "*|FNAME|*" in body["html"]
    assert "UNSUB" in body["text"] and "subscriber.email" in body["text"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"messages": "javascript:alert(1)"}, "messages[0].link"),
        ({"messages": "data:text/html,<script>alert(1)</script>"}, "messages[0].link"),
        ({"messages": "https://trusted.example@evil.example/"}, "messages[0].link"),
        ({"resources": "vbscript:msgbox(1)"}, "resources[0].url"),
        ({"campaign": "javascript:alert(1)"}, "campaign.url"),
    ],
)
def test_unsafe_urls_are_refused_naming_the_field(overrides: dict, field: str) -> None:
    bundle = hostile_bundle("x")
    ((which, url),) = overrides.items()
    if which == "messages":
        bundle = dataclasses.replace(
            bundle, messages=(dataclasses.replace(bundle.messages[0], link=url),)
        )
    elif which == "resources":
        bundle = dataclasses.replace(
            bundle, resources=(dataclasses.replace(bundle.resources[0], url=url),)
        )
    else:
        bundle = dataclasses.replace(bundle, campaign=dataclasses.replace(bundle.campaign, url=url))
    with pytest.raises(ExportError) as caught:
        export(bundle, "text/html")
    assert caught.value.field == field


def test_urls_are_percent_encoded_in_every_part() -> None:
    bundle = hostile_bundle("x")
    link = 'https://example.org/a b/(x)?q="<b>"'
    bundle = dataclasses.replace(
        bundle, messages=(dataclasses.replace(bundle.messages[0], link=link),)
    )
    body = json.loads(export(bundle, layout="spotlight").content)
    expected = "https://example.org/a%20b/%28x%29?q=%22%3Cb%3E%22"
    assert any(
        a.get("href").startswith(expected) for a in elements(parse_strict(body["html"]), "a")
    )
    assert expected in body["text"] and expected in body["markdown"]


@pytest.mark.parametrize("colour", ["red;}</style><script>alert(1)</script>", "#12345", "blue"])
def test_palette_must_be_hex_colours(colour: str) -> None:
    bundle = hostile_bundle("x")
    theme = dataclasses.replace(
        bundle.theme, palette=dataclasses.replace(bundle.theme.palette, accent=colour)
    )
    with pytest.raises(ExportError) as caught:
        export(dataclasses.replace(bundle, theme=theme), "text/html")
    assert caught.value.field == "theme.palette.accent"


@pytest.mark.parametrize(
    "palette",
    [
        Palette("#FFFF00", "#FFFFAA", "#FFFFFF", "#FFFFFF", "#DDDDDD"),  # all pale
        Palette("#777777", "#808080", "#7F7F7F", "#222222", "#888888"),  # all mid-grey
        Palette("#000000", "#000000", "#000000", "#000000", "#000000"),  # all black
    ],
)
def test_poor_palettes_still_reach_aa_contrast(palette: Palette) -> None:
    bundle = hostile_bundle("x")
    theme = dataclasses.replace(bundle.theme, palette=palette)
    html = export(dataclasses.replace(bundle, theme=theme), "text/html", layout="spotlight")
    root = parse_strict(html.content.decode())
    for dark in (False, True):
        pairs = text_colour_pairs(root, dark=dark)
        assert pairs
        for text, colour, background in pairs:
            assert contrast(colour, background) >= 4.5, (dark, text, colour, background)


def test_no_theme_uses_a_default_palette() -> None:
    html = export(hostile_bundle("x", theme=None), "text/html").content.decode()
    root = parse_strict(html)
    assert all(contrast(c, b) >= 4.5 for _, c, b in text_colour_pairs(root))


def test_eml_headers_cannot_be_injected() -> None:
    evil = "Hallo\r\nBcc: victim@example.org\r\n\r\n<script>"
    bundle = hostile_bundle("x")
    bundle = dataclasses.replace(
        bundle, campaign=dataclasses.replace(bundle.campaign, name=evil, tagline=evil)
    )
    eml = export(bundle, "message/rfc822")
    message = BytesParser(policy=policy.default).parsebytes(eml.content)
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "Bcc: victim" in message["Subject"]
    assert message["From"].addresses[0].display_name.startswith("Hallo Bcc")
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_control_characters_do_not_reach_the_output() -> None:
    payload = "a\x00b\x1bc\u202ed"
    body = json.loads(export(hostile_bundle(payload)).content)
    for part in (body["html"], body["text"], body["markdown"], body["subject"]):
        assert "\x00" not in part and "\x1b" not in part


@pytest.mark.parametrize("locale", ["de\r\nBcc: victim@example.org", 'de" onload="x', ""])
def test_a_locale_that_is_not_a_language_tag_is_refused(locale: str) -> None:
    with pytest.raises(ExportError) as caught:
        export(hostile_bundle("x", locale=locale), "message/rfc822")
    assert caught.value.field == "locale"
