"""Golden examples: the seed's first 2017 message on every platform.

Expected texts are written out in full; their lengths are checked against
each platform's rule computed here by hand (plain ASCII text: one per
character; X and Mastodon count a URL as 23).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from social_kit import make_bundle, make_message

HEADLINE = "Be the change: unite for a better internet"
BODY = (
    "On 7 February 2017, people in more than 130 countries are joining forces for Safer "
    "Internet Day. Whatever your age, one small positive action online can help make the "
    "internet better for everyone."
)
CTA = "Find out how to get involved"
LINK = "https://www.saferinternetday.org/?utm_source={}&utm_medium=social&utm_campaign=sid-2017"
TAGS = "#SaferInternetDay #SID2017"


def single(platform: str, tags: str = TAGS) -> list[str]:
    return [f"{HEADLINE}\n\n{BODY}\n\n{CTA}\n{LINK.format(platform)}\n\n{tags}"]


def two_parts(platform: str) -> list[str]:
    return [
        f"{HEADLINE}\n\n{BODY} 1/2",
        f"{CTA}\n{LINK.format(platform)}\n\n{TAGS} 2/2",
    ]


GOLDEN = {
    "x": two_parts("x"),
    "mastodon": single("mastodon"),
    "bluesky": two_parts("bluesky"),
    "linkedin": single("linkedin"),
    "instagram": [f"{HEADLINE}\n\n{BODY}\n\n{CTA}\nLink in bio\n\n{TAGS}"],
    "threads": single("threads", tags="#SaferInternetDay"),
    "facebook": single("facebook"),
}


def hand_count(platform: str, text: str) -> int:
    """Each platform's count for ASCII text, without twitter-text."""
    assert text.isascii()
    if platform in ("x", "mastodon"):
        for source in GOLDEN:
            url = LINK.format(source)
            if url in text:
                return len(text) - len(url) + 23
    return len(text)


@pytest.fixture(scope="module")
def document(export, seed_bundle) -> dict:
    artifact = export(seed_bundle("sid-2017", "en"), {"messages": [1]})
    assert artifact.media_type == "application/json"
    assert artifact.filename == "sid-2017-en-social.json"
    return json.loads(artifact.content)


@pytest.mark.parametrize("platform", sorted(GOLDEN))
def test_golden_post(document, platform):
    (post,) = [p for p in document["posts"] if p["platform"] == platform]
    assert [part["text"] for part in post["parts"]] == GOLDEN[platform]
    limit = {p["name"]: p["limit"] for p in document["platforms"]}[platform]
    for part in post["parts"]:
        assert part["length"] == hand_count(platform, part["text"]) <= limit
        assert part["limit"] == limit
    assert post["link"] == LINK.format(platform)
    assert post["suggested_time"] == "2017-02-07T08:00"
    assert post["alt_text"] == f"{HEADLINE}. Safer Internet Day 2017"


def test_every_registered_platform_is_exported(document, platforms):
    assert [p["name"] for p in document["platforms"]] == list(platforms)
    assert sorted(platforms) == sorted(GOLDEN)
    limits = {p["name"]: (p["limit"], p["alt_text_limit"]) for p in document["platforms"]}
    assert limits == {
        "x": (280, 1000),
        "mastodon": (500, 1500),
        "bluesky": (300, 2000),
        "linkedin": (3000, None),
        "instagram": (2200, None),
        "threads": (500, None),
        "facebook": (63206, None),
    }


def test_threads_and_instagram_hashtag_rules(document):
    posts = {p["platform"]: p for p in document["posts"]}
    assert posts["threads"]["hashtags"] == ["SaferInternetDay"]
    assert posts["threads"]["dropped"] == ["hashtag #SID2017 (threads allows 1)"]
    assert posts["instagram"]["link"] == LINK.format("instagram")  # for the bio


def test_bluesky_facets_are_utf8_byte_ranges(document):
    (post,) = [p for p in document["posts"] if p["platform"] == "bluesky"]
    assert post["langs"] == ["en"]
    assert post["parts"][0]["facets"] == []
    text = post["parts"][1]["text"].encode("utf-8")
    spans = [
        (text[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0])
        for f in post["parts"][1]["facets"]
    ]
    url = LINK.format("bluesky")
    assert spans == [
        (url, {"$type": "app.bsky.richtext.facet#link", "uri": url}),
        ("#SaferInternetDay", {"$type": "app.bsky.richtext.facet#tag", "tag": "SaferInternetDay"}),
        ("#SID2017", {"$type": "app.bsky.richtext.facet#tag", "tag": "SID2017"}),
    ]


def test_bluesky_facets_count_bytes_not_characters(export):
    bundle = make_bundle(
        make_message(headline="Über café 👩‍👩‍👧 #Sécurité", link="https://example.org/é"),
        hashtags=(),
    )
    doc = json.loads(export(bundle, {"platforms": ["bluesky"], "utm": False}).content)
    (part,) = doc["posts"][0]["parts"]
    raw = part["text"].encode("utf-8")
    found = {
        raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in part["facets"]
    }
    assert found["#Sécurité"]["tag"] == "Sécurité"
    assert found["https://example.org/%C3%A9"]["uri"] == "https://example.org/%C3%A9"
    assert part["length"] == len("Über café ") + 1 + len(" #Sécurité\n\nhttps://example.org/%C3%A9")


def test_shorten_mode_drops_in_documented_order(export, seed_bundle):
    doc = json.loads(
        export(seed_bundle("sid-2017", "en"), {"messages": [1], "mode": "shorten"}).content
    )
    posts = {p["platform"]: p for p in doc["posts"]}
    first_sentence = (
        "On 7 February 2017, people in more than 130 countries are joining forces for Safer "
        "Internet Day."
    )
    for platform in ("x", "bluesky"):
        post = posts[platform]
        assert post["mode"] == "shorten"
        # The rest of the hashtags, the call to action, then body sentences from the end.
        assert post["dropped"] == ["hashtag #SID2017", "call to action", "1 of 2 body sentences"]
        (part,) = post["parts"]
        assert part["text"] == (
            f"{HEADLINE}\n\n{first_sentence}\n\n{LINK.format(platform)}\n\n#SaferInternetDay"
        )
        assert part["length"] == hand_count(platform, part["text"]) <= part["limit"]
    assert posts["mastodon"]["mode"] == "single"


def test_french_instagram_says_link_in_bio_in_french(export, seed_bundle):
    doc = json.loads(
        export(seed_bundle("sid-2017", "fr"), {"messages": [1], "platforms": ["instagram"]}).content
    )
    (post,) = doc["posts"]
    assert post["locale"] == "fr"
    text = post["parts"][0]["text"]
    assert "\nLien dans la bio\n" in text
    assert "https://" not in text
    assert text.startswith("Sois le changement : unissons-nous pour un meilleur Internet\n\n")


def test_japanese_thread_counts_ideographs_as_two_on_x(export):
    sentence = "安全なインターネットの日です。"  # 15 characters, each weighs 2 on X
    body = sentence * 12
    bundle = make_bundle(make_message(headline="安全", body=body), hashtags=())
    doc = json.loads(export(bundle, {"platforms": ["x", "mastodon"]}).content)
    posts = {p["platform"]: p for p in doc["posts"]}
    x_parts = [p["text"] for p in posts["x"]["parts"]]
    # (2 + 180) ideographs x 2 + a blank line = 366 weighted: two parts, the first
    # filled to exactly 280 (4 + 2 + 9 sentences x 30 + " 1/2"), cut at a 。.
    assert len(x_parts) == 2
    assert x_parts[0] == "安全\n\n" + sentence * 9 + " 1/2"
    assert x_parts[1] == sentence * 3 + " 2/2"
    assert [p["length"] for p in posts["x"]["parts"]] == [280, 94]
    assert posts["mastodon"]["mode"] == "single"  # 186 graphemes


def test_csv_has_documented_columns_and_one_row_per_part(export, seed_bundle):
    artifact = export(seed_bundle("sid-2017", "en"), {"messages": [1, 2]}, "text/csv")
    assert artifact.media_type == "text/csv"
    assert artifact.filename == "sid-2017-en-social.csv"
    assert b"\r\n" in artifact.content
    rows = list(csv.DictReader(io.StringIO(artifact.content.decode("utf-8"), newline="")))
    assert list(rows[0]) == ["platform", "message_id", "part", "text", "link", "suggested_time"]
    x_rows = [r for r in rows if r["platform"] == "x" and r["message_id"] == "1"]
    assert [r["text"] for r in x_rows] == GOLDEN["x"]
    assert [r["part"] for r in x_rows] == ["1", "2"]
    assert {r["link"] for r in x_rows} == {LINK.format("x")}
    # Message 2 has no link; its posts still come out, at the next slot.
    two = [r for r in rows if r["message_id"] == "2"]
    assert len(two) == 7
    assert {r["link"] for r in two} == {""}
    assert {r["suggested_time"] for r in two} == {"2017-02-07T14:00"}
    assert len(rows) == 7 + 7 + 2  # two messages, seven platforms, X and Bluesky threads
