"""Link hosts by UTS #46 / IDNA 2008: the shared helper, and a post that carries one."""

from __future__ import annotations

import json

import pytest
from social_kit import make_bundle, make_message

from sidcontent.exporters.links import LinkError, normalize


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # IDNA 2003 (Python's codec) turned these into fass.de: another domain.
        ("https://faß.de/", "https://xn--fa-hia.de/"),
        ("https://FASS.de/", "https://fass.de/"),
        # UTS #46 mapping: the ligature, full-width letters and case fold.
        ("https://ﬁ.example/tips", "https://fi.example/tips"),
        ("https://ｅｘａｍｐｌｅ.org/", "https://example.org/"),
        ("https://Bücher.DE/", "https://xn--bcher-kva.de/"),
        ("https://пример.рф/", "https://xn--e1afmkfd.xn--p1ai/"),
        ("https://παράδειγμα.δοκιμή/", "https://xn--hxajbheg2az3al.xn--jxalpdlp/"),
        ("https://日本語.jp/", "https://xn--wgv71a119e.jp/"),
        ("https://ドメイン名例.jp/", "https://xn--eckwd4c7cu47r2wf.jp/"),  # kana + Han: one mix
        ("https://xn--fa-hia.de/", "https://xn--fa-hia.de/"),  # already ASCII, kept
        ("https://www.saferinternetday.org./x", "https://www.saferinternetday.org/x"),
        ("https://127.0.0.1:8080/a", "https://127.0.0.1:8080/a"),
    ],
)
def test_hosts_are_encoded_by_uts46(url, expected):
    assert normalize(url) == expected


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://раypal.com/", "mixes scripts"),  # Cyrillic р and а among Latin letters
        ("https://xn--ypal-43d9g.com/", "mixes scripts"),  # the same, already in punycode
        ("https://gοogle.com/", "mixes scripts"),  # a Greek omicron
        ("https://a..example/", "not a valid domain name"),
        ("https://-start.example/", "not a valid domain name"),
        ("https://ab--cd.example/", "not a valid domain name"),  # reserved hyphens
        ("https://xn--a.example/", "not a valid domain name"),  # broken punycode
        ("https://a\u200db.example/", "not a valid domain name"),  # a joiner out of context
        ("https://exa_mple.com/", "not a valid domain name"),
        ("https://١٢٣.com/", "not a valid domain name"),  # the bidi rule
    ],
)
def test_invalid_and_mixed_script_hosts_are_refused(url, why):
    with pytest.raises(LinkError, match=why):
        normalize(url)


def test_a_post_links_the_domain_that_was_written(export):
    message = make_message(headline="Tipps für Eltern", link="https://faß.de/eltern", locale="de")
    artifact = export(make_bundle(message), {"platforms": ["mastodon"]})
    post = json.loads(artifact.content)["posts"][0]
    assert post["link"].startswith("https://xn--fa-hia.de/eltern?")
    assert "https://xn--fa-hia.de/eltern?" in post["parts"][0]["text"]
    assert "fass.de" not in artifact.content.decode()
