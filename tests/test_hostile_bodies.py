"""Hostile request bodies on every write route and on /exports.

Each case is what an attacker tried (issue 11): a trailing newline that
``re.match`` lets through, control characters, NUL and DEL in URLs, URLs
with credentials or other schemes, two spellings of one locale, deep
nesting, lone surrogates, bodies that are not JSON. Every one must be a 4xx
problem+json, and the whole database (every table, every row) must be
byte-identical before and after: nothing half-stored.

Runs on SQLite, and on PostgreSQL when SIDCONTENT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, select

from tests.auth_helpers import bearer, make_token
from tests.conftest import fresh_database, make_app

PALETTE = {
    "primary": "#112233",
    "secondary": "#445566",
    "accent": "#778899",
    "background": "#ffffff",
    "text": "#000000",
}

# A valid document per type: each case changes one member of it.
DOCUMENTS: dict[str, dict[str, Any]] = {
    "themes": {
        "slug": "hostile-theme",
        "palette": PALETTE,
        "translations": {"en": {"name": "Hostile", "description": "Two\nlines."}},
    },
    "campaigns": {
        "slug": "hostile-campaign",
        "day": "2028-02-08",
        "theme": "save-the-date-2027",
        "url": "https://www.saferinternetday.org/",
        "hashtags": ["SID2028"],
        "translations": {"en": {"name": "SID 2028", "tagline": "Together"}},
    },
    "messages": {
        "campaign": "sid-2017",
        "audience": "parents-carers",
        "kind": "tip",
        "link": "https://www.saferinternetday.org/",
        "hashtags": ["SID2017"],
        "tags": ["privacy"],
        "translations": {"en": {"headline": "Talk early", "body": "Ask.\nListen."}},
    },
    "resources": {
        "campaign": "sid-2017",
        "type": "guide",
        "audiences": ["parents-carers"],
        "url": "https://www.saferinternetday.org/guide",
        "tags": ["privacy"],
        "translations": {"en": {"title": "A guide"}},
    },
}
# An existing item of each type, for PUT, PATCH and publish.
ITEMS = {
    "themes": "save-the-date-2027",
    "campaigns": "sid-2027",  # a draft: publishing it would change the database
    "messages": "20",
    "resources": "22",
}
EXPORT = {"exporter": "social", "campaign": "sid-2017", "locale": "en"}

# Per category, (member path, hostile value) per type. A path is dotted.
CASES: dict[str, dict[str, list[tuple[str, Any]]]] = {
    "trailing-newline": {
        "themes": [
            ("slug", "repro-nl\n"),
            ("palette.primary", "#112233\n"),
            ("default_locale", "fr\n"),
            ("translations.en.name", "Hostile\n"),
        ],
        "campaigns": [
            ("slug", "sid-2027-x\n"),
            ("theme", "save-the-date-2027\n"),
            ("hashtags", ["SID2028\n"]),
            ("translations.en.tagline", "Together\n"),
        ],
        "messages": [
            ("campaign", "sid-2017\n"),
            ("tags", ["privacy\n"]),
            ("hashtags", ["SID2017\n"]),
            ("translations.en.headline", "Talk early\n"),
        ],
        "resources": [("tags", ["privacy\n"]), ("campaign", "sid-2017\n")],
        "exports": [
            ("campaign", "sid-2017\n"),
            ("exporter", "social\n"),
            ("locale", "en\n"),
            ("media_type", "application/json\n"),
        ],
    },
    "control-characters": {
        "themes": [
            ("translations.en.name", "Hos\x00tile"),
            ("translations.en.name", "Hos\ttile"),
            ("translations.en.name", "Hos\u2028tile"),
            ("translations.en.description", "Nul \x00 inside"),
            ("translations.en.description", "Escape \x1b[31m"),
        ],
        "campaigns": [
            ("translations.en.name", "SID\x7f2028"),
            ("translations.en.tagline", "C1 \x85 next line"),
        ],
        "messages": [
            ("translations.en.headline", "Bell \x07"),
            ("translations.en.call_to_action", "Tab\tbed"),
            ("translations.en.body", "Vertical \x0b tab"),
        ],
        "resources": [("translations.en.title", "A\x00guide")],
        "exports": [
            ("options", {"hashtags": ["a\x00b"]}),
            ("exporter", "soc\x00ial"),
            ("media_type", "application/\x01json"),
            ("options", {"x\x00y": 1}),
        ],
    },
    "urls": {
        "campaigns": [
            ("url", "https://www.saferinternetday.org/\x00"),
            ("url", "https://www.saferinternetday.org/\x7f"),
            ("url", "https://user:secret@www.saferinternetday.org/"),
            ("url", "javascript:alert(1)"),
            ("url", "ftp://www.saferinternetday.org/"),
            ("url", "https://www.saferinternetday.org/a b"),
            ("url", "https://www.saferinternetday.org/\n"),
            ("url", "https:///no-host"),
        ],
        "messages": [
            ("link", "https://www.saferinternetday.org/\x00"),
            ("link", "http://www.saferinternetday.org/\x7f"),
            ("link", "https://@www.saferinternetday.org/"),
            ("link", "https://www.saferinternetday.org:0/"),
            ("link", "data:text/html,<script>alert(1)</script>"),
        ],
        "resources": [
            ("url", "https://www.saferinternetday.org/\x00"),
            ("url", "https://www.saferinternetday.org/\x9b"),
            ("url", "https://u@www.saferinternetday.org/"),
            ("url", "file:///etc/passwd"),
        ],
    },
    "same-locale-twice": {
        kind: [("translations", "same-locale")]
        for kind in ("themes", "campaigns", "messages", "resources")
    },
    "deep-nesting": {
        **{kind: [("translations", "deep")] for kind in ("themes", "campaigns", "messages")},
        "resources": [("tags", "deep")],
        "exports": [("options", "deep")],
    },
}
# Raw bodies: lone surrogates (valid JSON text, invalid Unicode), not JSON.
RAW = {
    "lone-surrogate": (b'"\\ud800"', "application/json", 400),
    "not-json": (b"slug=x&palette=y", "application/x-www-form-urlencoded", 415),
    "text-plain": (b"{}", "text/plain", 415),
    "malformed": (b'{"slug": ', "application/json", 400),
    "invalid-utf8": (b'{"slug": "\xff"}', "application/json", 400),
}


def _set(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    *parents, last = path.split(".")
    target = doc
    for name in parents:
        target = target[name]
    if value == "same-locale":
        existing = next(iter(target[last].values()))
        target[last] = {"en": existing, "EN": existing}
    elif value == "deep":
        nested: Any = "x"
        for _ in range(40):
            nested = {"a": nested}
        target[last] = nested if last != "tags" else [[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]
    else:
        target[last] = value
    return doc


def db_dump(app: Flask) -> bytes:
    """Every row of every table, in key order: what "nothing changed" means."""
    engine = app.extensions["sidcontent.db"].engine
    metadata = MetaData()
    metadata.reflect(engine)
    lines = []
    with engine.connect() as conn:
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            order = list(table.primary_key.columns) or list(table.columns)
            for row in conn.execute(select(table).order_by(*order)):
                lines.append(f"{table.name} {tuple(row)!r}")
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, dict[str, str]]]:
    """One app for the module: every request must leave it unchanged anyway."""
    tmp_path: Path = tmp_path_factory.mktemp("hostile")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        yield app, bearer(make_token(app, "attacker", "admin"))
        app.extensions["sidcontent.db"].dispose()


def _etag(client: FlaskClient, kind: str, auth: dict[str, str]) -> str:
    response = client.get(f"/api/v1/{kind}/{ITEMS[kind]}?preview=true", headers=auth)
    assert response.status_code == 200
    return response.headers["ETag"]


def _requests(
    client: FlaskClient, kind: str, auth: dict[str, str], body: dict[str, Any]
) -> Iterator[tuple[str, str, dict[str, str], dict[str, Any]]]:
    """(method, path, headers, body) for each route that takes ``body``."""
    if kind == "exports":
        yield "POST", "/api/v1/exports", auth, body
        return
    yield "POST", f"/api/v1/{kind}", auth, body
    etag = {**auth, "If-Match": _etag(client, kind, auth)}
    yield "PUT", f"/api/v1/{kind}/{ITEMS[kind]}", etag, body
    yield "PATCH", f"/api/v1/{kind}/{ITEMS[kind]}", etag, body


def _assert_refused(
    app: Flask, client: FlaskClient, method: str, path: str, headers: dict[str, str], **kw: Any
) -> dict[str, Any]:
    before = db_dump(app)
    response = client.open(path, method=method, headers=headers, **kw)
    assert 400 <= response.status_code < 500, (method, path, response.status_code, kw)
    assert response.mimetype == "application/problem+json", (method, path)
    assert db_dump(app) == before, f"{method} {path} changed the database: {kw}"
    problem: dict[str, Any] = response.get_json()
    assert problem["status"] == response.status_code
    return problem


_PARAMS = [
    (category, kind, path, value)
    for category, per_kind in CASES.items()
    for kind, cases in per_kind.items()
    for path, value in cases
]


@pytest.mark.parametrize(
    ("category", "kind", "member", "value"),
    _PARAMS,
    ids=[f"{c}-{k}-{m}-{i}" for i, (c, k, m, _) in enumerate(_PARAMS)],
)
def test_hostile_member_is_a_4xx_and_stores_nothing(hostile, category, kind, member, value):
    app, auth = hostile
    client = app.test_client()
    base = EXPORT if kind == "exports" else DOCUMENTS[kind]
    body = _set(base, member, value)
    for method, path, headers, payload in _requests(client, kind, auth, body):
        problem = _assert_refused(app, client, method, path, headers, json=payload)
        if category == "same-locale-twice" and problem["status"] == 422:
            # Both spellings are named, not one silently dropped.
            assert "'en' and 'EN'" in json.dumps(problem["errors"]), problem


@pytest.mark.parametrize("kind", ["themes", "campaigns", "messages", "resources", "exports"])
@pytest.mark.parametrize("raw", sorted(RAW))
def test_hostile_bytes_are_a_4xx_and_store_nothing(hostile, kind, raw):
    app, auth = hostile
    client = app.test_client()
    data, media_type, status = RAW[raw]
    for method, path, headers, _ in _requests(client, kind, auth, {}):
        problem = _assert_refused(
            app, client, method, path, headers, data=data, content_type=media_type
        )
        assert problem["status"] == status, (method, path, problem)


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        (b'{"publish_at": "2030-01-01T00:00:00Z\\n"}', "application/json"),
        (b'{"publish_at": "2030-01-01T00:00:00Z\\u0000"}', "application/json"),
        (b'{"publish_at": "\\ud800"}', "application/json"),
        (json.dumps({"publish_at": "2030-01-01T00:00:00Z", "x": {"a": {}}}).encode(), None),
        (b'{"publish_at": null}', "text/plain"),
    ],
)
@pytest.mark.parametrize("kind", ["campaigns", "messages", "resources"])
def test_hostile_publish_bodies_store_nothing(hostile, kind, body, media_type):
    app, auth = hostile
    client = app.test_client()
    _assert_refused(
        app,
        client,
        "POST",
        f"/api/v1/{kind}/{ITEMS[kind]}/publish",
        auth,
        data=body,
        content_type=media_type or "application/json",
    )


def test_locale_query_parameter_is_matched_whole(hostile):
    app, auth = hostile
    client = app.test_client()
    headers = {**auth, "If-Match": _etag(client, "messages", auth)}
    _assert_refused(
        app, client, "PATCH", "/api/v1/messages/20?locale=fr%0A", headers, json={"tags": []}
    )
    response = client.get("/api/v1/messages/1?locale=fr%0A")
    assert response.status_code == 400


@pytest.mark.parametrize("export_id", ["%00", "abc%00def", "0" * 31 + "%0A", "x" * 300])
def test_hostile_export_ids_are_404(hostile, export_id):
    app, auth = hostile
    client = app.test_client()
    for suffix in ("", "/artifact"):
        response = client.get(f"/api/v1/exports/{export_id}{suffix}", headers=auth)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


def test_the_documents_are_valid_so_each_case_tests_one_member(hostile):
    # Without this, every case could be refused for some other reason.
    app, auth = hostile
    client = app.test_client()
    for kind, document in DOCUMENTS.items():
        created = client.post(f"/api/v1/{kind}", json=document, headers=auth)
        assert created.status_code == 201, created.get_json()
    exported = client.post("/api/v1/exports", json=EXPORT, headers=auth)
    assert exported.status_code == 201, exported.get_json()
