"""Revisions: who changed what and when, and bringing an old state back."""

from __future__ import annotations


def test_history_records_every_change_and_restore_brings_one_back(editing_app, callers):
    client = editing_app.test_client()
    editor = callers["editor"]
    publisher = callers["publisher"]
    path = "/api/v1/messages/8"
    original = client.get(f"{path}?preview=true&locale=fr", headers=editor)
    first_revision = original.get_json()["data"]["revision"]

    edited = client.patch(
        f"{path}?locale=fr",
        json={"translations": {"fr": {"headline": "Nouveau titre"}}, "tags": ["new"]},
        headers={**editor, "If-Match": original.headers["ETag"]},
    )
    assert edited.status_code == 200
    client.post(f"{path}/unpublish", headers=publisher)

    history = client.get(f"{path}/revisions", headers=editor)
    assert history.status_code == 200
    assert history.headers["Cache-Control"] == "private, no-cache"
    assert history.get_json()["meta"] == {"limit": 20, "next_cursor": None}
    entries = history.get_json()["data"]
    assert [(e["number"], e["action"], e["author"]) for e in entries] == [
        (first_revision + 2, "unpublish", "t-publisher"),
        (first_revision + 1, "update", "t-editor"),
        (first_revision, "baseline", None),
    ]
    assert entries[1]["changed"] == ["tags", "translations.fr.headline"]
    assert "status" in entries[0]["changed"]
    assert entries[1]["snapshot"]["translations"]["fr"]["headline"] == "Nouveau titre"
    assert (
        entries[2]["snapshot"]["translations"]["fr"]["headline"]
        == (original.get_json()["data"]["headline"])
    )

    restored = client.post(f"{path}/revisions/{first_revision}/restore?locale=fr", headers=editor)
    assert restored.status_code == 200
    item = restored.get_json()["data"]
    assert item["headline"] == original.get_json()["data"]["headline"]
    assert item["tags"] == original.get_json()["data"]["tags"]
    assert item["revision"] == first_revision + 3
    # Restoring content leaves the workflow alone: it stays unpublished.
    assert item["status"] == "draft"
    newest = client.get(f"{path}/revisions", headers=editor).get_json()["data"][0]
    assert newest["action"] == "restore" and newest["restored_from"] == first_revision
    assert newest["author"] == "t-editor"
    assert "translations.fr.headline" in newest["changed"]
    assert (
        client.get(f"{path}?preview=true&locale=fr", headers=editor).headers["ETag"]
        == restored.headers["ETag"]
    )


def test_create_starts_at_revision_one(editing_app, callers):
    client = editing_app.test_client()
    editor = callers["editor"]
    theme = {
        "slug": "new-theme",
        "palette": {
            "primary": "#112233",
            "secondary": "#445566",
            "accent": "#778899",
            "background": "#FFFFFF",
            "text": "#000000",
        },
        "translations": {"en": {"name": "New"}, "de": {"name": "Neu"}},
    }
    created = client.post("/api/v1/themes", json=theme, headers=editor)
    assert created.status_code == 201
    entries = client.get("/api/v1/themes/new-theme/revisions", headers=editor).get_json()["data"]
    assert len(entries) == 1
    assert entries[0]["number"] == 1 and entries[0]["action"] == "create"
    assert "translations.de.name" in entries[0]["changed"]
    assert entries[0]["snapshot"]["status"] == "draft"


def test_restore_errors(editing_app, callers):
    client = editing_app.test_client()
    editor = callers["editor"]
    assert client.post("/api/v1/messages/8/revisions/1/restore", headers=editor).status_code == 404
    assert client.get("/api/v1/messages/99999/revisions", headers=editor).status_code == 404
    assert client.get("/api/v1/themes/Bad_Slug/revisions", headers=editor).status_code == 404
    etag = client.get("/api/v1/messages/8?preview=true", headers=editor).headers["ETag"]
    client.patch("/api/v1/messages/8", json={"tags": ["a"]}, headers={**editor, "If-Match": etag})
    revision = client.get("/api/v1/messages/8?preview=true", headers=editor).get_json()["data"][
        "revision"
    ]
    stale = client.post(
        f"/api/v1/messages/8/revisions/{revision - 1}/restore",
        headers={**editor, "If-Match": etag},
    )
    assert stale.status_code == 412


def test_restore_of_a_campaign_whose_theme_is_gone_is_a_conflict(editing_app, callers):
    client = editing_app.test_client()
    admin = callers["admin"]
    theme = {
        "slug": "short-lived",
        "palette": {k: "#000000" for k in ("primary", "secondary", "accent", "background", "text")},
        "translations": {"en": {"name": "Short"}},
    }
    client.post("/api/v1/themes", json=theme, headers=admin)
    campaign = {
        "slug": "sid-2040",
        "day": "2040-02-07",
        "theme": "short-lived",
        "translations": {"en": {"name": "SID 2040"}},
    }
    created = client.post("/api/v1/campaigns", json=campaign, headers=admin)
    moved = client.patch(
        "/api/v1/campaigns/sid-2040",
        json={"theme": None},
        headers={**admin, "If-Match": created.headers["ETag"]},
    )
    assert moved.status_code == 200
    theme_etag = client.get("/api/v1/themes/short-lived?preview=true", headers=admin).headers[
        "ETag"
    ]
    deleted = client.delete("/api/v1/themes/short-lived", headers={**admin, "If-Match": theme_etag})
    assert deleted.status_code == 204
    conflict = client.post("/api/v1/campaigns/sid-2040/revisions/1/restore", headers=admin)
    assert conflict.status_code == 409
    assert "short-lived" in conflict.get_json()["detail"]


def test_history_pages_newest_first_with_cursors_and_validators(editing_app, callers):
    client = editing_app.test_client()
    editor = callers["editor"]
    path = "/api/v1/messages/8"
    for n in range(5):
        current = client.get(f"{path}?preview=true", headers=editor)
        changed = client.patch(
            path,
            json={"tags": [f"round-{n}"]},
            headers={**editor, "If-Match": current.headers["ETag"]},
        )
        assert changed.status_code == 200
    everything = client.get(f"{path}/revisions?limit=100", headers=editor).get_json()["data"]
    assert len(everything) == 6

    seen, url = [], f"{path}/revisions?limit=2"
    while url:
        page = client.get(url, headers=editor)
        assert page.status_code == 200
        body = page.get_json()
        assert len(body["data"]) <= 2
        seen.extend(entry["number"] for entry in body["data"])
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            assert "Link" not in page.headers
            url = None
        else:
            link = page.headers["Link"]
            url = link[1 : link.index(">")]
            assert f"cursor={cursor}" in url
    assert seen == [entry["number"] for entry in everything]
    assert seen == sorted(seen, reverse=True)

    first = client.get(f"{path}/revisions", headers=editor)
    again = client.get(
        f"{path}/revisions", headers={**editor, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_history_refuses_foreign_and_broken_cursors(editing_app, callers):
    client = editing_app.test_client()
    editor = callers["editor"]
    listing = client.get("/api/v1/messages?limit=1").get_json()["meta"]["next_cursor"]
    for cursor in (listing, "garbage", "eyJwIjp7fX0.AAAA"):
        response = client.get(f"/api/v1/messages/8/revisions?cursor={cursor}", headers=editor)
        assert response.status_code == 400
        assert "cursor" in response.get_json()["errors"]
    for query in ("limit=0", "limit=101", "limit=1&limit=2", "nope=1"):
        response = client.get(f"/api/v1/messages/8/revisions?{query}", headers=editor)
        assert response.status_code == 400, query
