"""The fast read path serves exactly what the schemas define.

Reads are rendered from rows (content/rendering.py); the contract is
``representation`` + the marshmallow read schemas, which writes, sync and
exports still use. These tests hold the two together: over every seed item,
every locale of the seed (and some that only fall back), every list and
detail route and every bundle, anonymous and in preview, the bytes served
equal ``orjson.dumps`` of the schema's dump. The response cache is off, so
every request renders, from fragments where an earlier request made them.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from flask import Flask
from sqlalchemy import event, text
from werkzeug.serving import make_server

from sidcontent.api import read_connections
from sidcontent.api.listing import content_language
from sidcontent.content import queries, representation
from sidcontent.content.schemas import (
    BundleSchema,
    CampaignSchema,
    MessageSchema,
    ResourceSchema,
    ThemeSchema,
)
from tests.auth_helpers import bearer, make_token
from tests.conftest import TEST_DATABASE_URL, fresh_database, make_app
from tests.test_connection_reuse import BOUND, open_connections

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # two seed schedules passed, one to come
SEED_LOCALES = sorted(
    {
        *("ar", "bn", "cy", "de", "el", "en", "es", "fr", "fr-BE", "he", "hi", "ja", "ko"),
        *("ru", "ta", "th", "vi", "zh-Hans", "zh-Hant"),
    }
)
# Fallbacks: region to language, script by region, another region, no match.
FALLBACK_LOCALES = ["fr-CA", "zh-TW", "de-AT", "pt-BR", "qq"]
LOCALES = [None, *SEED_LOCALES, *FALLBACK_LOCALES]

# type -> (list path, detail path of a row, ORM list, representation, schema)
TYPES: dict[str, tuple[str, Any, Any, Any, Any]] = {
    "themes": (
        "/api/v1/themes",
        lambda row: f"/api/v1/themes/{row.slug}",
        queries.list_themes,
        representation.theme,
        ThemeSchema,
    ),
    "campaigns": (
        "/api/v1/campaigns",
        lambda row: f"/api/v1/campaigns/{row.slug}",
        queries.list_campaigns,
        representation.campaign,
        CampaignSchema,
    ),
    "messages": (
        "/api/v1/messages",
        lambda row: f"/api/v1/messages/{row.id}",
        queries.list_messages,
        representation.message,
        MessageSchema,
    ),
    "resources": (
        "/api/v1/resources",
        lambda row: f"/api/v1/resources/{row.id}",
        queries.list_resources,
        representation.resource,
        ResourceSchema,
    ),
}
FILTERED = [
    ("messages", {"campaign": "sid-2017", "audience": "parents-carers"}),
    ("messages", {"kind": "tip"}),
    ("messages", {"tag": "privacy"}),
    ("messages", {"theme": "be-the-change-2017", "q": "internet"}),
    ("messages", {"status": "scheduled"}),
    ("resources", {"type": "webinar"}),
    ("resources", {"audience": "educators", "campaign": "sid-2017"}),
    ("campaigns", {"year": 2017}),
    ("themes", {"q": "change"}),
]


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, dict[str, str]]]:
    tmp_path: Path = tmp_path_factory.mktemp("fast-reads")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path, RESPONSE_CACHE_SIZE=0, CLOCK=lambda: NOW)
        token = bearer(make_token(app, "t-reader", "marketer"))
        yield app, token
        app.extensions["sidcontent.db"].dispose()


def _requested(locale: str | None) -> tuple[str, ...]:
    return (locale,) if locale else ()


def _query(locale: str | None, preview: bool, **more: Any) -> dict[str, Any]:
    args: dict[str, Any] = dict(more)
    if locale:
        args["locale"] = locale
    if preview:
        args["preview"] = "true"
    return args


def _expected(payload: Any) -> bytes:
    return orjson.dumps(payload)


@pytest.mark.parametrize("preview", [False, True], ids=["anonymous", "preview"])
@pytest.mark.parametrize("kind", list(TYPES))
def test_every_detail_in_every_locale_is_the_schema_dump(reader, kind, preview):
    app, token = reader
    client = app.test_client()
    _, detail_path, listing, represent, schema = TYPES[kind]
    with app.extensions["sidcontent.db"].session() as session:
        rows = listing(session, {}, None, 1000, NOW, preview).items
        assert rows, f"no seed {kind}"
        checked = 0
        for row in rows:
            for locale in LOCALES:
                item = represent(row, _requested(locale), NOW)
                response = client.get(
                    detail_path(row),
                    query_string=_query(locale, preview),
                    headers=token if preview else {},
                )
                assert response.status_code == 200, response.get_json()
                where = f"{detail_path(row)} locale={locale}"
                assert response.data == _expected({"data": schema().dump(item)}), where
                assert response.headers["Content-Language"] == item["locale"], where
                assert response.headers["ETag"].startswith(f'"r{row.revision}-'), where
                checked += 1
    assert checked == len(rows) * len(LOCALES)


def _pages(client, path, args, headers, limit):
    """Every page of a list, following meta.next_cursor."""
    cursor = None
    while True:
        query = dict(args, limit=limit, **({"cursor": cursor} if cursor else {}))
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 200, response.get_json()
        yield response
        cursor = response.get_json()["meta"]["next_cursor"]
        if cursor is None:
            return


@pytest.mark.parametrize("preview", [False, True], ids=["anonymous", "preview"])
@pytest.mark.parametrize(
    ("kind", "filters"),
    [(kind, {}) for kind in TYPES] + FILTERED,
    ids=lambda v: v if isinstance(v, str) else "&".join(f"{k}={x}" for k, x in v.items()) or "-",
)
def test_every_list_page_in_every_locale_is_the_schema_dump(reader, kind, filters, preview):
    app, token = reader
    client = app.test_client()
    path, _, listing, represent, schema = TYPES[kind]
    with app.extensions["sidcontent.db"].session() as session:
        rows = listing(session, dict(filters), None, 1000, NOW, preview).items
    for locale in LOCALES:
        requested = _requested(locale)
        expected_items = schema(many=True).dump([represent(r, requested, NOW) for r in rows])
        served: list[Any] = []
        # Pages of 7, so assembling pages from fragments and cursors are both exercised.
        for response in _pages(
            client, path, _query(locale, preview, **filters), token if preview else {}, 7
        ):
            page = expected_items[len(served) : len(served) + 7]
            meta = response.get_json()["meta"]
            where = f"{path} {filters} locale={locale} page at {len(served)}"
            assert response.data == _expected({"data": page, "meta": meta}), where
            if page:
                assert (
                    response.headers["Content-Language"]
                    == (content_language(page)["Content-Language"])
                ), where
            served.extend(response.get_json()["data"])
        assert served == expected_items


@pytest.mark.parametrize("preview", [False, True], ids=["anonymous", "preview"])
def test_every_bundle_in_every_locale_is_the_schema_dump(reader, preview):
    app, token = reader
    client = app.test_client()
    with app.extensions["sidcontent.db"].session() as session:
        campaigns = queries.list_campaigns(session, {}, None, 100, NOW, preview=True).items
        assert len(campaigns) > 1
        for campaign in campaigns:
            rows = queries.get_bundle(session, campaign.slug, NOW, preview)
            for locale in LOCALES:
                response = client.get(
                    f"/api/v1/campaigns/{campaign.slug}/bundle",
                    query_string=_query(locale, preview),
                    headers=token if preview else {},
                )
                where = f"bundle {campaign.slug} locale={locale}"
                if rows is None:
                    assert response.status_code == 404, where
                    continue
                assert response.status_code == 200, where
                payload = BundleSchema().dump(representation.bundle(rows, _requested(locale), NOW))
                assert response.data == _expected({"data": payload}), where
                assert response.headers["Content-Language"] == payload["locale"], where


class Statements:
    """The SQL an app runs while the block is open."""

    def __init__(self, app: Flask) -> None:
        # Reads run on an engine of their own (api/read_connections.py).
        reads = read_connections.for_app(app)
        self.engines = [app.extensions["sidcontent.db"].engine]
        self.engines += [reads.engine] if reads is not None else []
        self.seen: list[tuple[str, Any]] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append((statement, parameters))

    def __enter__(self) -> Statements:
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._record)

    def reading(self, table: str) -> list[Any]:
        return [p for s, p in self.seen if s.lstrip().startswith("SELECT") and f"FROM {table}" in s]


def _patch(client, path, body, auth):
    etag = client.get(path, query_string={"preview": "true"}, headers=auth).headers["ETag"]
    response = client.patch(path, json=body, headers={**auth, "If-Match": etag})
    assert response.status_code == 200, response.get_json()
    return response


def test_a_write_re_renders_only_the_item_it_changed(editing_app, callers):
    client, auth = editing_app.test_client(), callers["editor"]
    listing = "/api/v1/messages?campaign=sid-2017&limit=20"
    before = client.get(listing).get_json()["data"]
    changed = before[3]["id"]
    _patch(
        client,
        f"/api/v1/messages/{changed}",
        {"translations": {"en": {"headline": "A new headline"}}},
        auth,
    )

    with Statements(editing_app) as statements:
        after = client.get(listing).get_json()["data"]
    assert [m["id"] for m in after] == [m["id"] for m in before]
    assert next(m for m in after if m["id"] == changed)["headline"] == "A new headline"
    assert [m for m in after if m["id"] != changed] == [m for m in before if m["id"] != changed]
    # Texts and tags were read for the changed message alone.
    for table in ("message_translations", "message_tags"):
        reads = statements.reading(table)
        assert len(reads) == 1, (table, statements.seen)
        params = reads[0]
        values = tuple(params.values()) if isinstance(params, dict) else tuple(params)
        assert values == (changed,), (table, reads)


def test_what_items_point_at_is_never_served_stale(editing_app, callers):
    """A campaign's slug (on its messages) and a theme's slug (on its campaigns)
    change without the items' revisions: their fragments must not outlive them."""
    client, auth = editing_app.test_client(), callers["editor"]
    message = client.get("/api/v1/messages?campaign=sid-2017&limit=1").get_json()["data"][0]
    campaign = client.get("/api/v1/campaigns/sid-2017").get_json()["data"]
    assert campaign["theme"] is not None
    _patch(client, "/api/v1/campaigns/sid-2017", {"slug": "sid-2017-renamed"}, auth)
    _patch(client, f"/api/v1/themes/{campaign['theme']}", {"slug": "renamed-theme"}, auth)

    served = client.get(f"/api/v1/messages/{message['id']}").get_json()["data"]
    assert served["campaign"] == "sid-2017-renamed"
    assert served["revision"] == message["revision"]
    renamed = client.get("/api/v1/campaigns/sid-2017-renamed").get_json()["data"]
    assert renamed["theme"] == "renamed-theme"


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL: a server that drops connections")
def test_a_read_survives_the_server_dropping_its_kept_connection(fresh_app):
    client = fresh_app.test_client()
    assert client.get("/api/v1/messages?limit=5").status_code == 200
    with fresh_app.extensions["sidcontent.db"].engine.connect() as conn:
        dropped = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    assert dropped
    # Another URL, so the response cache cannot answer: the read runs again.
    response = client.get("/api/v1/messages?limit=6")
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["data"]) == 6


def test_kept_read_connections_end_with_their_threads(tmp_path):
    """A thread per request (werkzeug's threaded server) must not leave one
    kept read connection behind per request thread."""
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path, RESPONSE_CACHE_SIZE=0)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            for number in range(40):  # every one rendered: the response cache is off
                path = f"/api/v1/messages?limit={number % 20 + 1}"
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    assert response.status == 200
            held = open_connections(url)
        finally:
            server.shutdown()
            thread.join(10)
            app.extensions["sidcontent.db"].dispose()
    assert held <= BOUND, f"{held} connections held after 40 request threads"
