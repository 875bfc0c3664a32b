"""GET /api/v1/sync: initial pages, deltas, tombstones, tokens, caching."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import make_app
from tests.editing_fixtures import clone_database

READS = {
    "theme": "/api/v1/themes",
    "campaign": "/api/v1/campaigns",
    "message": "/api/v1/messages",
    "resource": "/api/v1/resources",
}


def _follow(client, url, headers=None):
    """Every entry of a sync, following next_page_url; and the next_sync_url."""
    entries = []
    while True:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        entries.extend(body["data"])
        if body["meta"]["next_page_url"] is None:
            assert body["meta"]["next_sync_url"]
            return entries, body["meta"]["next_sync_url"]
        assert body["meta"]["next_sync_url"] is None
        url = body["meta"]["next_page_url"]


def _full_read(client, query="", headers=None):
    """What the read API lists, by (type, key), through its own pages."""
    seen = {}
    for item_type, path in READS.items():
        url = f"{path}?limit=100{query}"
        while url:
            body = client.get(url, headers=headers or {}).get_json()
            for item in body["data"]:
                seen[(item_type, item.get("slug", item.get("id")))] = item
            cursor = body["meta"]["next_cursor"]
            url = f"{path}?limit=100{query}&cursor={cursor}" if cursor else None
    return seen


def _apply(replica, entries):
    for entry in entries:
        if entry["type"].startswith("deleted_"):
            replica.pop((entry["type"].removeprefix("deleted_"), entry["id"]), None)
        else:
            replica[(entry["type"], entry["id"])] = entry["item"]
    return replica


def _etag(client, path, auth):
    return client.get(f"{path}?preview=true", headers=auth).headers["ETag"]


def test_initial_sync_is_the_read_api_in_pages(client):
    entries, _ = _follow(client, "/api/v1/sync?initial=true&limit=7")
    keys = [(e["type"], e["id"]) for e in entries]
    assert len(keys) == len(set(keys)), "an item came twice"
    assert _apply({}, entries) == _full_read(client)


def test_locale_and_type_are_fixed_in_the_token(client):
    entries, next_sync = _follow(client, "/api/v1/sync?initial=true&type=message&locale=fr")
    assert {e["type"] for e in entries} == {"message"}
    assert _apply({}, entries) == {
        k: v for k, v in _full_read(client, "&locale=fr").items() if k[0] == "message"
    }
    again = client.get(next_sync + "&locale=de")
    assert again.status_code == 400
    assert "locale" in again.get_json()["errors"]


def test_a_delta_has_the_changes_and_the_tombstones(editing_app, callers):
    client, auth = editing_app.test_client(), callers["admin"]
    replica_entries, next_sync = _follow(client, "/api/v1/sync?initial=true")
    replica = _apply({}, replica_entries)
    # An edit, an unpublish, a delete, an archive, a new publish.
    path = "/api/v1/messages/8"
    patched = client.patch(
        path,
        json={"translations": {"en": {"headline": "Be kind online"}}},
        headers={**auth, "If-Match": _etag(client, path, auth)},
    )
    assert patched.status_code == 200
    assert client.post("/api/v1/messages/9/unpublish", headers=auth).status_code == 200
    deleted = client.delete(
        "/api/v1/messages/10",
        headers={**auth, "If-Match": _etag(client, "/api/v1/messages/10", auth)},
    )
    assert deleted.status_code == 204
    assert client.post("/api/v1/resources/1/archive", headers=auth).status_code == 200
    assert client.post("/api/v1/messages/20/publish", headers=auth).status_code == 200

    delta, following = _follow(client, next_sync)
    by_key = {(e["type"], e["id"]): e for e in delta}
    assert set(by_key) == {
        ("message", 8),
        ("deleted_message", 9),
        ("deleted_message", 10),
        ("deleted_resource", 1),
        ("message", 20),
    }
    assert by_key[("message", 8)]["item"]["headline"] == "Be kind online"
    assert by_key[("message", 8)]["item"] == client.get(path).get_json()["data"]
    assert _apply(replica, delta) == _full_read(client)
    # Nothing new: an empty delta, the same token, and a 304 for the same ETag.
    quiet = client.get(following)
    assert quiet.get_json() == {
        "data": [],
        "meta": {"limit": 100, "next_page_url": None, "next_sync_url": following},
    }
    assert quiet.headers["Cache-Control"].startswith("public")
    assert (
        client.get(following, headers={"If-None-Match": quiet.headers["ETag"]}).status_code == 304
    )


def test_a_campaigns_view_loses_what_moves_out(editing_app, callers):
    client, auth = editing_app.test_client(), callers["admin"]
    entries, next_sync = _follow(client, "/api/v1/sync?initial=true&campaign=sid-2017")
    assert {e["type"] for e in entries} == {"campaign", "message", "resource"}
    assert 8 in {e["id"] for e in entries if e["type"] == "message"}
    moved = client.patch(
        "/api/v1/messages/8",
        json={"campaign": "sid-2025"},
        headers={**auth, "If-Match": _etag(client, "/api/v1/messages/8", auth)},
    )
    assert moved.status_code == 200, moved.get_json()
    delta, _ = _follow(client, next_sync)
    assert [(e["type"], e["id"]) for e in delta] == [("deleted_message", 8)]


def test_unpublishing_a_campaign_tombstones_its_items(editing_app, callers):
    client, auth = editing_app.test_client(), callers["admin"]
    entries, next_sync = _follow(client, "/api/v1/sync?initial=true")
    replica = _apply({}, entries)
    assert any(v.get("campaign") == "sid-2017" for v in replica.values())
    assert client.post("/api/v1/campaigns/sid-2017/unpublish", headers=auth).status_code == 200
    delta, _ = _follow(client, next_sync)
    assert ("deleted_campaign", "sid-2017") in {(e["type"], e["id"]) for e in delta}
    assert _apply(replica, delta) == _full_read(client)
    assert not any(v.get("campaign") == "sid-2017" for v in replica.values())


def test_a_schedule_arrives_with_no_write(editing_app, callers):
    client, auth = editing_app.test_client(), callers["publisher"]
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    scheduled = client.post(
        "/api/v1/messages/20/publish",
        json={"publish_at": soon.isoformat().replace("+00:00", "Z")},
        headers=auth,
    )
    assert scheduled.status_code == 200
    entries, next_sync = _follow(client, "/api/v1/sync?initial=true&type=message")
    assert 20 not in {e["id"] for e in entries}
    while datetime.now(UTC) <= soon:
        time.sleep(0.2)
    delta, _ = _follow(client, next_sync)
    assert [(e["type"], e["id"]) for e in delta] == [("message", 20)]


def test_previews_need_a_token_and_stay_private(editing_app, callers):
    client = editing_app.test_client()
    assert client.get("/api/v1/sync?initial=true&preview=true").status_code == 401
    marketer = callers["marketer"]
    entries, next_sync = _follow(
        client, "/api/v1/sync?initial=true&preview=true&type=message", marketer
    )
    assert 20 in {e["id"] for e in entries}  # a draft
    assert client.get(next_sync).status_code == 401  # the token says preview
    answer = client.get(next_sync, headers=marketer)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"].startswith("private")
    # Deleting the draft is a tombstone for previewers.
    admin = callers["admin"]
    etag = _etag(client, "/api/v1/messages/20", admin)
    gone = client.delete("/api/v1/messages/20", headers={**admin, "If-Match": etag})
    assert gone.status_code == 204
    delta, _ = _follow(client, next_sync, marketer)
    assert [(e["type"], e["id"]) for e in delta] == [("deleted_message", 20)]


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "initial"),
        ("?sync_token=abc.def", "sync_token"),
        ("?initial=true&limit=501", "limit"),
        ("?initial=true&type=page", "type"),
    ],
)
def test_bad_requests_are_400s(client, query, field):
    response = client.get(f"/api/v1/sync{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert field in str(response.get_json())


def test_a_tampered_token_is_refused(client):
    _, next_sync = _follow(client, "/api/v1/sync?initial=true&type=theme")
    token = next_sync.split("sync_token=")[1]
    body, signature = token.split(".")
    forged = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + signature
    response = client.get(f"/api/v1/sync?sync_token={forged}")
    assert response.status_code == 400


def test_a_token_past_the_retention_is_gone(editing_template, tmp_path, callers):
    with clone_database(editing_template[0], tmp_path) as url:
        app = make_app(url, tmp_path, load_fixtures=False, SYNC_RETENTION_DAYS=1.5 / 86400)
        try:
            client, auth = app.test_client(), callers["publisher"]
            _, next_sync = _follow(client, "/api/v1/sync?initial=true&type=message")
            assert client.post("/api/v1/messages/8/archive", headers=auth).status_code == 200
            time.sleep(2.1)  # the archive's tombstone is now past the retention
            gone = client.get(next_sync)
            assert gone.status_code == 410
            assert gone.mimetype == "application/problem+json"
            assert "initial=true" in gone.get_json()["detail"]
        finally:
            app.extensions["sidcontent.db"].dispose()
