"""Hostile and awkward input: a clear error naming the field, or a post
that is still right, never a silent loss."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError
from social_kit import make_bundle, make_message
from twitter_text import extract_urls

from sidcontent.exporting import ExportContext, ExportError
from sidcontent.plugins import PluginHost


def posts(export, bundle, **options) -> dict[str, dict]:
    document = json.loads(export(bundle, options).content)
    return {p["platform"]: p for p in document["posts"]}


def test_unknown_platform_and_message_are_named(export, seed_bundle):
    bundle = seed_bundle("sid-2017", "en")
    with pytest.raises(ExportError) as raised:
        export(bundle, {"platforms": ["x", "myspace"]})
    assert raised.value.field == "platforms"
    assert "'myspace'" in raised.value.message
    with pytest.raises(ExportError) as raised:
        export(bundle, {"messages": [1, 9999]})
    assert raised.value.field == "messages"
    assert "9999" in raised.value.message


def test_options_schema_rejects_bad_values(social):
    schema = social.options_schema()
    for bad in (
        {"mode": "tweetstorm"},
        {"hashtags": ["#with-hash"]},
        {"hashtags": ["two words"]},
        {"image_sizes": ["poster"]},
        {"limits": {"mastodon": 0}},
        {"messages": ["1"]},
        {"surprise": True},
    ):
        with pytest.raises(ValidationError):
            schema.load(bad)


def test_unvalidated_options_are_checked_by_the_exporter(social, platforms, seed_bundle):
    context = ExportContext("application/json", platforms)
    with pytest.raises(ExportError) as raised:
        social.export(seed_bundle("sid-2017", "en"), {"mode": "tweetstorm"}, context)
    assert raised.value.field == "mode"


def test_limits_lower_any_platform_but_raise_only_configurable_ones(export, seed_bundle):
    bundle = seed_bundle("sid-2017", "en")
    with pytest.raises(ExportError) as raised:
        export(bundle, {"limits": {"x": 500}})
    assert raised.value.field == "limits"
    raised_limit = posts(
        export, bundle, messages=[1], platforms=["mastodon"], limits={"mastodon": 1000}
    )
    assert raised_limit["mastodon"]["parts"][0]["limit"] == 1000
    lowered = posts(export, bundle, messages=[1], platforms=["mastodon"], limits={"mastodon": 200})
    parts = lowered["mastodon"]["parts"]
    assert len(parts) > 1
    assert all(p["length"] <= 200 and p["limit"] == 200 for p in parts)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://example.org/file",
        "https://user:secret@example.org/",
        "/relative/path",
        "https://example.org:99999/",
    ],
)
def test_bad_links_are_refused(export, link):
    bundle = make_bundle(make_message(link=link))
    with pytest.raises(ExportError) as raised:
        export(bundle)
    assert raised.value.field == "link"
    assert "message 1" in raised.value.message


def test_tracking_keeps_query_and_fragment_and_replaces_old_utm(export):
    bundle = make_bundle(
        make_message(link="https://example.org/kit?lang=fr&utm_source=newsletter&x=%20#part-2")
    )
    tracked = posts(export, bundle, platforms=["x", "mastodon"])
    assert tracked["x"]["link"] == (
        "https://example.org/kit?lang=fr&x=%20"
        "&utm_source=x&utm_medium=social&utm_campaign=sid-2017#part-2"
    )
    assert "utm_source=mastodon" in tracked["mastodon"]["link"]
    untracked = posts(export, bundle, platforms=["x"], utm=False)
    assert (
        untracked["x"]["link"]
        == "https://example.org/kit?lang=fr&utm_source=newsletter&x=%20#part-2"
    )


def test_non_ascii_links_are_encoded_so_x_links_them_in_full(export):
    bundle = make_bundle(make_message(link="https://exämple.org/sécurité?q=vie privée"))
    post = posts(export, bundle, platforms=["x"])["x"]
    assert post["link"].startswith(
        "https://xn--exmple-cua.org/s%C3%A9curit%C3%A9?q=vie%20priv%C3%A9e&utm_source=x"
    )
    assert extract_urls(post["parts"][0]["text"]) == [post["link"]]


def test_invisible_and_invalid_characters_are_removed_with_a_warning(export):
    bundle = make_bundle(
        make_message(headline="Be\x00 kind\ufeff online\x07", body="Stop\ud800 and think.")
    )
    artifact = export(bundle, {"platforms": ["x"]})
    text = json.loads(artifact.content)["posts"][0]["parts"][0]["text"]
    assert text.startswith("Be kind online\n\nStop and think.")
    assert any("removed 4 invisible or invalid" in w for w in artifact.warnings)


def test_a_headline_of_nothing_is_refused(export):
    with pytest.raises(ExportError) as raised:
        export(make_bundle(make_message(headline=" \x00\u200b\n ".replace("\u200b", ""))))
    assert raised.value.field == "headline"


def test_invalid_content_hashtag_is_named(export):
    bundle = make_bundle(make_message(hashtags=("safer internet",)))
    with pytest.raises(ExportError) as raised:
        export(bundle)
    assert raised.value.field == "hashtags"
    assert "'safer internet'" in raised.value.message


def test_hashtags_dedupe_case_insensitively_in_order(export):
    bundle = make_bundle(make_message(hashtags=("sid2017", "Kindness", "#Respect")))
    post = posts(export, bundle, platforms=["x"], hashtags=["KINDNESS", "Online"])["x"]
    assert post["hashtags"] == ["SaferInternetDay", "SID2017", "Kindness", "Respect", "Online"]
    assert post["parts"][0]["text"].endswith(
        "#SaferInternetDay #SID2017 #Kindness #Respect #Online"
    )


def test_instagram_keeps_five_hashtags_counting_those_in_the_text(export):
    bundle = make_bundle(
        make_message(
            body="Join #StaySafe today.",
            hashtags=tuple(f"Tag{n}" for n in range(8)),
        )
    )
    post = posts(export, bundle, platforms=["instagram"])["instagram"]
    assert post["hashtags"] == ["StaySafe", "SaferInternetDay", "SID2017", "Tag0", "Tag1"]
    assert len(post["dropped"]) == 6
    assert "#Tag7 (instagram allows 5)" in post["dropped"][-1]


def test_inline_hashtags_over_the_limit_become_plain_words(export):
    bundle = make_bundle(make_message(body="#Respect and #Kindness and #Trust"), hashtags=())
    artifact = export(bundle, {"platforms": ["threads"]})
    post = json.loads(artifact.content)["posts"][0]
    assert post["parts"][0]["text"] == "Be kind online\n\n#Respect and Kindness and Trust"
    assert post["hashtags"] == ["Respect"]
    assert any("2 in the text became plain words" in w for w in artifact.warnings)


def test_a_word_longer_than_a_post_fails_clearly_instead_of_being_cut(export):
    word = "a" * 400
    bundle = make_bundle(make_message(body=f"Look: {word} ok"))
    with pytest.raises(ExportError) as raised:
        export(bundle, {"platforms": ["linkedin", "x"]})
    assert raised.value.field == "body"
    assert "message 1 on x" in raised.value.message
    assert "cannot be split without cutting a word" in raised.value.message
    # LinkedIn's 3,000 holds it whole.
    assert posts(export, bundle, platforms=["linkedin"])["linkedin"]["mode"] == "single"


def test_shorten_fails_clearly_when_the_headline_alone_is_too_long(export):
    bundle = make_bundle(make_message(headline="respect " * 40))
    with pytest.raises(ExportError) as raised:
        export(bundle, {"platforms": ["x"], "mode": "shorten"})
    assert "dropping every optional part" in raised.value.message


def test_mastodon_counts_a_remote_mention_as_its_local_part(export):
    bundle = make_bundle(make_message(body="Thanks @alice@example.social!"), hashtags=())
    post = posts(export, bundle, platforms=["mastodon"])["mastodon"]
    text = post["parts"][0]["text"]
    assert post["parts"][0]["length"] == len(text) - len("@example.social")


def test_csv_warns_about_formula_like_texts_but_keeps_them(export):
    bundle = make_bundle(make_message(headline='=HYPERLINK("http://evil.example")'))
    artifact = export(bundle, {"platforms": ["x"]}, "text/csv")
    assert '"=HYPERLINK(""http://evil.example"")' in artifact.content.decode()
    assert any("formula" in w for w in artifact.warnings)


def test_a_third_party_platform_gets_posts_without_touching_the_exporter():
    host = PluginHost(builtins=("sidcontent.exporters.social", "social_extra_platform"))
    assert host.social_platforms["tiny"].plugin == "social_extra_platform"
    social = host.exporters["social"].item
    platforms = {n: r.item for n, r in host.social_platforms.items()}
    bundle = make_bundle(
        make_message(body="Think before you post. Ask before you share a photo of a friend.")
    )
    options = social.options_schema().load({"platforms": ["tiny"]})
    document = json.loads(
        social.export(bundle, options, ExportContext("application/json", platforms)).content
    )
    (post,) = document["posts"]
    assert post["mode"] == "thread"
    assert all(len(p["text"]) <= 60 for p in post["parts"])
    # The hashtags fit no part with words (and no part is hashtags alone): dropped.
    assert [p["text"] for p in post["parts"]] == [
        "Be kind online\n\nThink before you post. 1/2",
        "Ask before you share a photo of a friend. 2/2",
    ]
    assert post["dropped"] == ["hashtag #SID2017", "hashtag #SaferInternetDay"]
    assert post["alt_text_limit"] == 100


def test_bluesky_leaves_out_hashtags_it_would_not_link(export):
    long_tag = "Safer" * 14  # 70 characters; Bluesky links tags of at most 64
    bundle = make_bundle(make_message(hashtags=(long_tag,)), hashtags=("SID2017",))
    found = posts(export, bundle, platforms=["bluesky", "x"])
    assert found["bluesky"]["hashtags"] == ["SID2017"]
    assert found["bluesky"]["dropped"] == [f"hashtag #{long_tag} (longer than 64 on bluesky)"]
    assert found["x"]["hashtags"] == ["SID2017", long_tag]


def test_media_types_with_parameters_and_unknown_ones(export, seed_bundle):
    bundle = seed_bundle("sid-2017", "en")
    artifact = export(bundle, {"messages": [1]}, "text/csv; charset=utf-8")
    assert artifact.media_type == "text/csv"
    with pytest.raises(ExportError) as raised:
        export(bundle, {"messages": [1]}, "application/pdf")
    assert raised.value.field == "media_type"


def test_alt_text_over_a_platforms_limit_is_shortened_at_a_word(export):
    headline = "respect " * 150  # 1,200 characters
    bundle = make_bundle(make_message(headline=headline))
    artifact = export(bundle, {"platforms": ["x", "linkedin"]})
    found = {p["platform"]: p for p in json.loads(artifact.content)["posts"]}
    x = found["x"]
    assert x["alt_text_length"] <= 1000 == x["alt_text_limit"]
    assert x["alt_text"].endswith("respect…")
    assert found["linkedin"]["alt_text"].startswith(headline.strip())
    assert any("alt text shortened to 1000 for x" in w for w in artifact.warnings)


def test_suggested_times_spread_over_the_day_at_least_five_minutes_apart(export):
    few = make_bundle(*(make_message(n) for n in range(1, 5)))
    times = [p["suggested_time"] for p in posts_list(export, few)]
    assert times == ["2017-02-07T08:00", "2017-02-07T11:00", "2017-02-07T14:00", "2017-02-07T17:00"]
    many = make_bundle(*(make_message(n) for n in range(1, 201)))
    times = [p["suggested_time"] for p in posts_list(export, many)]
    assert times[:3] == ["2017-02-07T08:00", "2017-02-07T08:05", "2017-02-07T08:10"]
    assert len(set(times)) == 200


def posts_list(export, bundle) -> list[dict]:
    return json.loads(export(bundle, {"platforms": ["facebook"]}).content)["posts"]


def test_no_break_spaces_are_never_a_place_to_cut(export):
    # French puts a no-break space before ':' and inside numbers.
    bundle = make_bundle(
        make_message(
            headline="Sois le changement\u00a0: unissons-nous", body="Plus de 10\u202f000 écoles."
        ),
        hashtags=(),
    )
    found = posts(export, bundle, platforms=["x"], limits={"x": 24})["x"]
    texts = [p["text"] for p in found["parts"]]
    assert "changement\u00a0: 1/" in texts[0] + texts[1]
    assert any("10\u202f000" in t for t in texts)
    assert not any(t.startswith(":") for t in texts)
