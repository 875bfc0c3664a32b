"""Validators, conditional requests, and cache invalidation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, update

from sidcontent.content import queries
from sidcontent.content.models import Message, utcnow
from tests.conftest import make_app

URLS = [
    "/api/v1/campaigns",
    "/api/v1/campaigns/sid-2017",
    "/api/v1/campaigns/sid-2017/bundle",
    "/api/v1/themes",
    "/api/v1/themes/be-the-change-2017",
    "/api/v1/messages?limit=5",
    "/api/v1/messages/1",
    "/api/v1/resources",
    "/api/v1/resources/1",
]


@pytest.mark.parametrize("url", URLS)
def test_every_get_has_validators_and_revalidates(client, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/"), "strong ETag"
    assert first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert client.get(url).headers["ETag"] == etag, "stable across requests"

    revalidated = client.get(url, headers={"If-None-Match": etag})
    assert revalidated.status_code == 304
    assert revalidated.data == b""
    assert revalidated.headers["ETag"] == etag
    assert "Accept-Language" in revalidated.headers["Vary"]

    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200

    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_etag_differs_per_locale(client):
    en = client.get("/api/v1/campaigns/sid-2017?locale=en").headers["ETag"]
    fr = client.get("/api/v1/campaigns/sid-2017?locale=fr").headers["ETag"]
    assert en != fr


def test_head_matches_get(client):
    get = client.get("/api/v1/messages/1")
    head = client.head("/api/v1/messages/1")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]


def test_change_in_database_invalidates_cached_responses(fresh_app):
    client = fresh_app.test_client()
    before = client.get("/api/v1/messages/1")
    database = fresh_app.extensions["sidcontent.db"]
    with database.session() as session:
        session.execute(
            update(Message).where(Message.id == 1).values(updated_at=utcnow(), revision=2)
        )
        queries.bump_generation(session)
    after = client.get("/api/v1/messages/1", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json()["data"]["revision"] == 2
    assert after.headers["ETag"] != before.headers["ETag"]


def test_scheduled_item_appears_at_its_time_without_a_write(fresh_app):
    client = fresh_app.test_client()
    database = fresh_app.extensions["sidcontent.db"]
    # The app's clock, moved by the test: no real-time window to miss.
    moment = [utcnow()]
    fresh_app.config["CLOCK"] = lambda: moment[0]
    at = moment[0] + timedelta(hours=1)
    with database.session() as session:
        session.execute(
            update(Message).where(Message.id == 1).values(status="scheduled", publish_at=at)
        )
        queries.bump_generation(session)
    url = "/api/v1/messages?campaign=sid-2017&limit=100"
    listed = client.get(url)
    assert 1 not in [m["id"] for m in listed.get_json()["data"]]
    assert client.get("/api/v1/messages/1").status_code == 404
    # Just before its time the cached answers stand (the same list, served again).
    moment[0] = at - timedelta(seconds=1)
    assert client.get(url).headers["ETag"] == listed.headers["ETag"]
    assert client.get("/api/v1/messages/1").status_code == 404
    # No write happened since: the cached list must still expire at publish_at.
    moment[0] = at
    relisted = client.get(url)
    assert 1 in [m["id"] for m in relisted.get_json()["data"]]
    assert client.get("/api/v1/messages/1").status_code == 200


def test_cors_anonymous_reads_from_any_origin(client):
    response = client.get("/api/v1/messages/1", headers={"Origin": "https://partner.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight_with_token_only_for_configured_origins(tmp_path):
    # The setting is given when the app is built, as an operator gives it.
    app = make_app(
        f"sqlite:///{tmp_path / 'cors.sqlite3'}", tmp_path, CORS_ORIGINS=["https://editor.example"]
    )
    client = app.test_client()
    preflight = {
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, content-type, if-match",
    }
    trusted = client.options(
        "/api/v1/messages/1", headers={"Origin": "https://editor.example", **preflight}
    )
    assert trusted.headers["Access-Control-Allow-Origin"] == "https://editor.example"
    stranger = client.options(
        "/api/v1/messages/1", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "Access-Control-Allow-Origin" not in stranger.headers
    app.extensions["sidcontent.db"].dispose()


def test_cached_answers_never_cross_languages(client):
    url = "/api/v1/campaigns/sid-2017"
    for _ in range(2):  # the second round is answered from the cache
        de = client.get(url, headers={"Accept-Language": "de"}).get_json()["data"]
        fr = client.get(url, headers={"Accept-Language": "fr"}).get_json()["data"]
        plain = client.get(url).get_json()["data"]
        assert (de["locale"], fr["locale"], plain["locale"]) == ("de", "fr", "en")


def test_equivalent_queries_share_one_rendering(fresh_app):
    # Equal ETags alone would pass with a cache per URL (the ETag hashes the
    # body): count the statements instead. The second query, the same one
    # spelt in another order, must be answered without rendering again.
    client = fresh_app.test_client()
    engine = fresh_app.extensions["sidcontent.db"].engine
    statements: list[str] = []

    def record(conn, cursor, statement, *_):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        one = client.get("/api/v1/messages?limit=3&kind=tip")
        rendered = len(statements)
        other = client.get("/api/v1/messages?kind=tip&limit=3")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert rendered > 0
    assert len(statements) == rendered, statements[rendered:]
    assert other.get_data() == one.get_data()
    assert one.headers["ETag"] == other.headers["ETag"]
