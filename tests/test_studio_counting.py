"""The editor's live counters (POST /studio/count) against a real social export.

The counters must show what the export would post: the post composed from
headline, body, call to action, link and hashtags, counted per platform,
threaded where the platform threads. So each test types a message into the
counting endpoint, saves the same texts, exports them through the API, and
compares platform by platform.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.pluginkit import plugin_app
from tests.studio_kit import make_tokens, sign_in

MESSAGE = 21  # a published message of sid-2025, written in en
CAMPAIGN = "sid-2025"
MERGE = "application/merge-patch+json"
HEADLINE = "Spot the scam 🕵️‍♀️ before it spots you"
BODY = (
    "Scammers copy the shops and games you love 🎮👩‍👩‍👧: check the address, "
    "then check it again at https://example.org/sid?x=1&y=ü before you pay. "
    "Ask someone you trust when an offer looks too good to be true, "
    "and report the fake so nobody else falls for it #SID2025"
)
TEXTS: dict[str, Any] = {
    "headline": HEADLINE,
    "body": BODY,
    "call_to_action": "Share the checklist with your class",
    "link": "https://example.org/checklist",
    "hashtags": ["ScamAware", "OnlineSafety"],
}


def _secret(callers: dict[str, dict[str, str]], role: str) -> str:
    return callers[role]["Authorization"].removeprefix("Bearer ")


def _count(
    client: FlaskClient, csrf: str, message: int = MESSAGE, locale: str = "en", **texts: Any
) -> Any:
    response = client.post(
        "/studio/count",
        json={"message": message, "locale": locale, **texts},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.get_data(True)
    return response.get_json()


# A third party's network (120 characters, counted as code points) and a
# co-branding step that adds a hashtag to every message before any export.
COBRAND = """
from dataclasses import replace

from sidcontent import hookimpl
from sidcontent.exporting import SocialPlatform


class Tiny(SocialPlatform):
    name = "tiny"
    title = "Tiny"
    limit = 120

    def count(self, text):
        return len(text)


@hookimpl
def register_social_platforms(register):
    register(Tiny())


@hookimpl
def prepare_bundle(bundle, exporter, options, settings):
    messages = tuple(replace(m, hashtags=(*m.hashtags, "CoBranded")) for m in bundle.messages)
    return replace(bundle, messages=messages)
"""


def _save_and_export(app: Flask, headers: dict[str, str], texts: dict[str, Any]) -> Any:
    """Write ``texts`` to the message through the API, then export it as JSON."""
    api = app.test_client()
    current = api.get(f"/api/v1/messages/{MESSAGE}", headers=headers)
    patch = {
        "link": texts["link"],
        "hashtags": texts["hashtags"],
        "translations": {
            "en": {k: texts[k] for k in ("headline", "body", "call_to_action")},
        },
    }
    saved = api.patch(
        f"/api/v1/messages/{MESSAGE}",
        json=patch,
        headers={
            **headers,
            "If-Match": current.headers["ETag"],
            "Content-Type": MERGE,
        },
    )
    assert saved.status_code == 200, saved.get_data(True)
    return _export(app, headers, MESSAGE, "en")


def _export(app: Flask, headers: dict[str, str], message: int, locale: str) -> Any:
    """The social export (JSON) of one message in one locale, through the API."""
    api = app.test_client()
    exported = api.post(
        "/api/v1/exports",
        json={
            "exporter": "social",
            "campaign": CAMPAIGN,
            "locale": locale,
            "media_type": "application/json",
            "message_ids": [message],
        },
        headers=headers,
    )
    assert exported.status_code in (200, 201), exported.get_data(True)
    with api.get(exported.get_json()["data"]["artifact"]["url"], headers=headers) as artifact:
        assert artifact.status_code == 200
        return orjson.loads(artifact.get_data())


def _by_platform(counted: Any) -> dict[str, tuple[str, list[int]]]:
    return {p["platform"]: (p["mode"], p["lengths"]) for p in counted["platforms"]}


def _exported(doc: Any) -> dict[str, tuple[str, list[int]]]:
    return {
        post["platform"]: (post["mode"], [part["length"] for part in post["parts"]])
        for post in doc["posts"]
    }


@pytest.fixture()
def editor(editing_app: Flask, callers) -> tuple[FlaskClient, str]:
    client = editing_app.test_client()
    return client, sign_in(client, _secret(callers, "publisher"))


def test_counters_are_the_exported_posts(editing_app: Flask, callers, editor) -> None:
    client, csrf = editor
    counted = _count(client, csrf, **TEXTS)
    assert counted["error"] is None
    doc = _save_and_export(editing_app, callers["publisher"], TEXTS)
    assert _by_platform(counted) == _exported(doc)
    modes = {name: mode for name, (mode, _) in _by_platform(counted).items()}
    # The composed post is longer than the body alone: X and Bluesky thread it,
    # Mastodon's 500 holds it, LinkedIn holds it in one post.
    assert modes["x"] == "thread" and modes["bluesky"] == "thread"
    assert modes["mastodon"] == "single"
    x = next(p for p in counted["platforms"] if p["platform"] == "x")
    assert x["parts"] == len(x["lengths"]) >= 2
    assert "would need a thread of" in x["label"]


def test_a_short_message_is_one_post_each(editing_app: Flask, callers, editor) -> None:
    client, csrf = editor
    short = {**TEXTS, "body": "Check the link 🔗 https://example.org/a #SID2025"}
    counted = _count(client, csrf, **short)
    doc = _save_and_export(editing_app, callers["publisher"], short)
    assert _by_platform(counted) == _exported(doc)
    assert {mode for mode, _ in _by_platform(counted).values()} == {"single"}


def test_a_locale_left_empty_counts_the_fallback(editing_app: Flask, callers, editor) -> None:
    """Message 31 has no French: the editor shows French empty (English greyed),
    and the export of French falls back to the English text, with the English
    "Link in bio" line on Instagram. The counters count that, not French."""
    client, csrf = editor
    headers = callers["publisher"]
    link = "https://example.org/fr-or-not"
    api = editing_app.test_client()
    current = api.get("/api/v1/messages/31?preview=true", headers=headers)
    saved = api.patch(
        "/api/v1/messages/31",
        json={"link": link},
        headers={**headers, "If-Match": current.headers["ETag"], "Content-Type": MERGE},
    )
    assert saved.status_code == 200, saved.get_data(True)
    counted = _count(client, csrf, message=31, locale="fr", link=link)
    doc = _export(editing_app, headers, 31, "fr")
    assert _by_platform(counted) == _exported(doc)
    instagram = next(p for p in doc["posts"] if p["platform"] == "instagram")
    assert "Link in bio" in instagram["parts"][0]["text"]


def test_what_the_export_refuses_is_said_in_place_of_counts(editor) -> None:
    client, csrf = editor
    counted = _count(client, csrf, **{**TEXTS, "headline": "   "})
    assert counted["platforms"] == []
    assert "no headline" in counted["error"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"locale": "en"},
        {"message": "21", "locale": "en"},
        {"message": MESSAGE, "locale": "not a locale"},
        {"message": MESSAGE, "locale": "en", "body": "x" * 20_001},
        {"message": MESSAGE, "locale": "en", "colour": "red"},
    ],
)
def test_bad_requests_are_problems(editor, body: Any) -> None:
    client, csrf = editor
    response = client.post("/studio/count", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_an_unknown_message_is_404(editor) -> None:
    client, csrf = editor
    response = client.post(
        "/studio/count",
        json={"message": 999_999, "locale": "en"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_marketer_may_not_count(editing_app: Flask, callers) -> None:
    client = editing_app.test_client()
    csrf = sign_in(client, _secret(callers, "marketer"))
    response = client.post(
        "/studio/count",
        json={"message": MESSAGE, "locale": "en", **TEXTS},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 403


def test_plugins_count_as_in_the_export(tmp_path) -> None:
    """A plugin's platform gets its counter, and a plugin's prepare_bundle
    changes the counted post as it changes the exported one."""
    with plugin_app(tmp_path, {"cobrand": COBRAND}) as app:
        secrets = make_tokens(app, prefix="p-")
        client = app.test_client()
        csrf = sign_in(client, secrets["publisher"])
        counted = _count(client, csrf, **TEXTS)
        assert counted["error"] is None
        doc = _save_and_export(app, {"Authorization": f"Bearer {secrets['publisher']}"}, TEXTS)
        assert _by_platform(counted) == _exported(doc)
        tiny = next(p for p in counted["platforms"] if p["platform"] == "tiny")
        assert tiny["mode"] == "thread" and tiny["parts"] >= 3
        assert any("#CoBranded" in part["text"] for post in doc["posts"] for part in post["parts"])


HANGS = """
import time

from sidcontent import hookimpl


@hookimpl
def prepare_bundle(bundle, exporter, options, settings):
    time.sleep(30)
"""


def test_a_plugin_that_hangs_costs_the_counters_a_second(tmp_path) -> None:
    """Counting runs in the export sandbox, under the export time limit: a
    plugin stuck in prepare_bundle is stopped, and the counters say why."""
    with plugin_app(tmp_path, {"hangs": HANGS}, EXPORT_TIMEOUT=1) as app:
        secrets = make_tokens(app, prefix="h-")
        client = app.test_client()
        csrf = sign_in(client, secrets["editor"])
        started = time.monotonic()
        counted = _count(client, csrf, **TEXTS)
        assert time.monotonic() - started < 10
        assert counted["platforms"] == []
        assert "ran longer than 1 s" in counted["error"]
