"""Property tests: random Unicode never yields a post over its platform's limit.

For each generated message, on every platform and in both modes: every part
is within the limit as that platform counts it (recounted here), no part is
empty, and joining the parts loses no word (nothing but white space and the
thread numbering differs, and no word is cut). The only allowed failure is
an ExportError for a word that cannot fit a part on its own.
"""

from __future__ import annotations

import json
import unicodedata

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from social_kit import make_bundle, make_message

from sidcontent.exporting import ExportError

EMOJI = ["👩‍👩‍👧‍👦", "🧑🏽‍💻", "👍🏿", "🏳️‍🌈", "🇫🇷", "🇯🇵", "❤️", "1️⃣", "🫶🏾", "😀"]
NUMBERING = regex.compile(r" \d+/\d+$")
CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}\u3000-\u303f\uff00-\uffef]")

latin = st.text(st.characters(codec="latin-1", categories=("L", "N")), min_size=1, max_size=12)
cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=40)
kana = st.text(st.characters(min_codepoint=0x3041, max_codepoint=0x30FF), min_size=1, max_size=20)
arabic = st.text(st.characters(min_codepoint=0x0621, max_codepoint=0x064A), min_size=1, max_size=10)
hebrew = st.text(st.characters(min_codepoint=0x05D0, max_codepoint=0x05EA), min_size=1, max_size=10)
combining = st.builds(
    lambda base, marks: base + marks,
    st.sampled_from("aeiouxyzAЖλ"),
    st.text(st.characters(min_codepoint=0x0300, max_codepoint=0x036F), min_size=1, max_size=6),
)
long_word = st.text(st.characters(codec="ascii", categories=("L",)), min_size=30, max_size=140)
url = st.builds(
    lambda path, query: f"https://example.org/{path}?q={query}",
    st.text(st.characters(codec="ascii", categories=("L", "N")), max_size=40),
    st.text(st.characters(categories=("L", "N")), max_size=10),
)
anything = st.text(
    st.characters(
        blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"),
        blacklist_characters="\ufeff\ufffe\uffff",
    ),
    min_size=1,
    max_size=8,
)
word = st.one_of(
    latin,
    latin,
    cjk,
    kana,
    arabic,
    hebrew,
    combining,
    st.sampled_from(EMOJI),
    long_word,
    url,
    anything,
)
separator = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", ". ", "! ", "。", "\u3000"])


@st.composite
def texts(draw, min_words=1, max_words=60):
    words = draw(st.lists(word, min_size=min_words, max_size=max_words))
    out = words[0]
    for w in words[1:]:
        out += draw(separator) + w
    return out


def nonspace(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def words(text: str) -> list[str]:
    return [w for w in text.split() if not CJK.search(w)]


def check_export(export, platforms, headline, body, cta, mode):
    bundle = make_bundle(make_message(headline=headline, body=body, call_to_action=cta))
    try:
        doc = json.loads(export(bundle, {"mode": mode, "utm": False}).content)
    except ExportError as exc:
        # Only a word (or, shortening, the headline) too long for a post of its own.
        assert "shorten it" in exc.message
        platform = exc.message.split(" on ", 1)[1].split(":", 1)[0]
        limit = platforms[platform].limit
        content = f"{headline} {body}"
        if mode == "thread" and getattr(platforms[platform], "supports_threads", True):
            assert any(
                platforms[platform].count(w + " 9/9") > limit
                or len((w + " 9/9").encode())
                > (getattr(platforms[platform], "max_bytes", 0) or 1e9)
                for w in unicodedata.normalize("NFC", content).split()
            ), exc.message
        else:
            # Shortening keeps the headline (there is no link here): it alone is too long.
            alone = " ".join(unicodedata.normalize("NFC", headline).split())
            assert platforms[platform].count(alone) > limit, exc.message
        return
    expected_content = nonspace(unicodedata.normalize("NFC", f"{headline}{body}{cta}"))
    for post in doc["posts"]:
        platform = platforms[post["platform"]]
        limit = post["parts"][0]["limit"]
        assert limit == platform.limit
        texts_ = [part["text"] for part in post["parts"]]
        for n, part in enumerate(post["parts"], 1):
            text = part["text"]
            assert text.strip(), "empty part"
            assert part["length"] == platform.count(text) <= limit, post["platform"]
            if post["platform"] == "bluesky":
                assert len(text.encode("utf-8")) <= 3000
            if len(texts_) > 1 and post["mode"] == "thread":
                assert text.endswith(f" {n}/{len(texts_)}")
        bare = [NUMBERING.sub("", t) if post["mode"] == "thread" else t for t in texts_]
        joined = "\n".join(bare)
        if post["mode"] != "shorten":
            # Nothing lost or reordered: the content, then the hashtags.
            flat = nonspace(joined)
            assert flat.startswith(expected_content), post["platform"]
            rest = flat[len(expected_content) :]
            assert regex.fullmatch(r"(#\w+)*", rest), (post["platform"], rest)
            # And no word cut across parts.
            for w in words(unicodedata.normalize("NFC", f"{headline} {body} {cta}")):
                assert any(w in part for part in bare), (post["platform"], w)
        else:
            # Shortening drops whole parts, never the headline nor a word of it.
            assert nonspace(joined).startswith(nonspace(unicodedata.normalize("NFC", headline)))
            for w in words(unicodedata.normalize("NFC", headline)):
                assert w in joined


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    headline=texts(max_words=8),
    body=texts(max_words=70),
    cta=st.one_of(st.just(""), texts(max_words=5)),
)
def test_random_unicode_threads_fit_every_platform(export, platforms, headline, body, cta):
    check_export(
        export, platforms, headline.replace("\n", " "), body, cta.replace("\n", " "), "thread"
    )


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(headline=texts(max_words=6), body=texts(max_words=70))
def test_random_unicode_shortened_posts_fit_every_platform(export, platforms, headline, body):
    check_export(export, platforms, headline.replace("\n", " "), body, "", "shorten")


ascii_url = st.builds(
    lambda path, query: f"https://example.org/{path}?q={query}",
    st.text(st.characters(codec="ascii", categories=("L", "N")), max_size=60),
    st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=30),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(urls=st.lists(ascii_url, min_size=5, max_size=40))
def test_many_urls_count_as_23_on_x_and_mastodon(export, platforms, urls):
    body = " ".join(urls)
    check_export(export, platforms, "Links", body, "", "thread")
    bundle = make_bundle(make_message(headline="Links", body=body), hashtags=())
    doc = json.loads(export(bundle, {"platforms": ["x", "mastodon"]}).content)
    for post in doc["posts"]:
        for part in post["parts"]:
            text = part["text"]
            found = text.split()[1 if text.startswith("Links") else 0 : -1] + [text.split()[-1]]
            found = [u for u in found if u.startswith("https://")]
            # Every URL weighs 23, whatever its length; the rest is ASCII.
            expected = len(text) - sum(map(len, found)) + 23 * len(found)
            assert part["length"] == expected, text
