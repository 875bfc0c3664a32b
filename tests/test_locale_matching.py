"""CLDR-based locale matching, table-driven, through the API and the plugin helper.

Each row: the locales an item is written in, what the reader asks for, and
what they must be served. The campaign's default locale is ``en``.
"""

from __future__ import annotations

import pytest

from sidcontent.exporting import closest_locale, is_translation

MATCHES = [
    # (available, requested, served)
    (["en", "zh-Hans", "zh-Hant"], "zh-TW", "zh-Hant"),  # Taiwan writes Traditional
    (["en", "zh-Hans", "zh-Hant"], "zh-CN", "zh-Hans"),
    (["en", "zh-Hans", "zh-Hant"], "zh-HK", "zh-Hant"),
    (["en", "zh-Hans"], "zh-TW", "en"),  # Simplified is not a Traditional reader's text
    (["en", "zh"], "zh-TW", "en"),  # zh is zh-Hans
    (["en", "nb"], "no", "nb"),  # Norwegian is Bokmål in practice
    (["en", "no"], "nb", "no"),
    (["en", "nb"], "da", "en"),  # close, but another language
    (["en", "pt", "pt-PT"], "pt-BR", "pt"),  # pt is Brazilian Portuguese
    (["en", "pt-PT"], "pt-BR", "pt-PT"),  # the nearest there is
    (["en", "pt-PT", "es"], "pt-BR", "pt-PT"),
    (["en", "sr-Cyrl"], "sr-Latn", "en"),  # never another script
    (["en", "sr"], "sr-Latn", "en"),  # sr is written in Cyrillic
    (["en", "sr-Latn"], "sr-Latn-RS", "sr-Latn"),
    (["en", "sr-Cyrl", "sr-Latn"], "sr-Latn", "sr-Latn"),
    (["en", "fr", "fr-CA"], "fr-BE", "fr"),  # the tag's own truncation wins a tie
    (["en", "fr-CA"], "fr-BE", "fr-CA"),
    (["en", "fr-BE", "fr"], "fr-BE", "fr-BE"),
    (["en", "es", "es-419"], "es-MX", "es-419"),  # Latin American Spanish
    (["en", "de"], "de-CH", "de"),
    (["en", "de"], "ja", "en"),
    (["de", "en"], "hr", "en"),
]


@pytest.mark.parametrize(("available", "requested", "served"), MATCHES)
def test_closest_locale_table(available, requested, served):
    assert (closest_locale(requested, available) or "en") == served


@pytest.mark.parametrize(
    ("served", "requested", "expected"),
    [
        ("de", "de-AT", True),
        ("pt-PT", "pt-BR", True),
        ("nb", "no", True),
        ("zh-Hant", "zh-TW", True),
        ("en", "de", False),
        ("sr-Cyrl", "sr-Latn", False),
        ("zh-Hans", "zh-TW", False),
        ("nb", "da", False),
    ],
)
def test_is_translation(served, requested, expected):
    assert is_translation(served, requested) is expected


def _translations(locales):
    return {tag: {"headline": f"Headline in {tag}"} for tag in locales}


@pytest.mark.parametrize(("available", "requested", "served"), MATCHES)
def test_api_serves_the_closest_match(editing_app, callers, available, requested, served):
    client = editing_app.test_client()
    auth = callers["editor"]
    body = {
        "campaign": "sid-2017",
        "audience": "parents-carers",
        "kind": "tip",
        "translations": _translations(available),
    }
    created = client.post("/api/v1/messages", json=body, headers=auth)
    assert created.status_code == 201, created.get_json()
    location = created.headers["Location"]
    for asked in (
        {"query_string": {"locale": requested, "preview": "true"}},
        {"query_string": {"preview": "true"}, "headers": {"Accept-Language": requested}},
    ):
        headers = {**auth, **asked.get("headers", {})}
        response = client.get(location, query_string=asked["query_string"], headers=headers)
        data = response.get_json()["data"]
        assert data["locale"] == served, (requested, available)
        assert data["headline"] == f"Headline in {served}"
        assert response.headers["Content-Language"] == served
