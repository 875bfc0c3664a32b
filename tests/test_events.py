"""Content events: derived from writes, in the outbox, announced after commit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sidcontent.content.events import EventNotifier, OutboxEvent


@pytest.fixture()
def heard(editing_app):
    """Every event the app's notifier announces, in order."""
    notifier: EventNotifier = editing_app.extensions["sidcontent.events"]
    got: list = []
    unsubscribe = notifier.subscribe(got.append)
    yield got
    unsubscribe()


def _outbox(app) -> list[dict]:
    with app.extensions["sidcontent.db"].session() as session:
        rows = session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).all()
        return [{"id": r.event_id, **r.payload} for r in rows]


def _etag(client, path, auth):
    return client.get(f"{path}?preview=true", headers=auth).headers["ETag"]


def test_a_public_items_life_is_four_events(editing_app, callers, heard):
    client, auth = editing_app.test_client(), callers["admin"]
    assert client.post("/api/v1/messages/20/publish", headers=auth).status_code == 200
    patched = client.patch(
        "/api/v1/messages/20",
        json={"translations": {"en": {"headline": "Think before you share"}}},
        headers={**auth, "If-Match": _etag(client, "/api/v1/messages/20", auth)},
    )
    assert patched.status_code == 200
    assert client.post("/api/v1/messages/20/unpublish", headers=auth).status_code == 200
    assert client.post("/api/v1/messages/20/publish", headers=auth).status_code == 200
    deleted = client.delete(
        "/api/v1/messages/20",
        headers={**auth, "If-Match": _etag(client, "/api/v1/messages/20", auth)},
    )
    assert deleted.status_code == 204

    types = [e.type for e in heard]
    assert types == [
        "content.published",
        "content.updated",
        "content.unpublished",
        "content.published",
        "content.deleted",
    ]
    updated = heard[1].payload()
    assert set(updated) == {"type", "timestamp", "data"}
    assert updated["timestamp"].endswith("Z")
    assert updated["data"]["type"] == "message" and updated["data"]["id"] == 20
    assert updated["data"]["campaign"] == "sid-2017"
    assert "translations.en.headline" in updated["data"]["changed"]
    # The outbox holds exactly what was announced, with the same ids.
    outbox = _outbox(editing_app)
    assert [e["id"] for e in outbox] == [e.id for e in heard]
    assert [e["type"] for e in outbox] == types


def test_drafts_are_nobodys_business(editing_app, callers, heard):
    client, auth = editing_app.test_client(), callers["admin"]
    created = client.post(
        "/api/v1/messages",
        json={
            "campaign": "sid-2017",
            "audience": "educators",
            "kind": "tip",
            "translations": {"en": {"headline": "A draft"}},
        },
        headers=auth,
    )
    assert created.status_code == 201, created.get_json()
    path = created.headers["Location"]
    edited = client.patch(
        path,
        json={"translations": {"en": {"headline": "Still a draft"}}},
        headers={**auth, "If-Match": created.headers["ETag"]},
    )
    assert edited.status_code == 200
    assert heard == [] and _outbox(editing_app) == []


def test_a_refused_write_announces_nothing(editing_app, callers, heard):
    client, auth = editing_app.test_client(), callers["admin"]
    stale = client.patch(
        "/api/v1/messages/8",
        json={"link": "https://example.org/x"},
        headers={**auth, "If-Match": '"r999-00000000000000000000"'},
    )
    assert stale.status_code == 412
    assert client.post("/api/v1/messages/20/unpublish", headers=auth).status_code == 409
    assert heard == [] and _outbox(editing_app) == []


def test_a_failing_subscriber_costs_nothing(editing_app, callers, heard):
    notifier: EventNotifier = editing_app.extensions["sidcontent.events"]

    def broken(event):
        raise RuntimeError("subscriber bug")

    unsubscribe = notifier.subscribe(broken)
    try:
        client, auth = editing_app.test_client(), callers["publisher"]
        assert client.post("/api/v1/messages/8/archive", headers=auth).status_code == 200
    finally:
        unsubscribe()
    assert [e.type for e in heard] == ["content.unpublished"]
    assert heard[0].data["action"] == "archive"


def test_exports_announce_how_they_ended(editing_app, callers, heard):
    client = editing_app.test_client()
    response = client.post(
        "/api/v1/exports",
        json={"exporter": "calendar", "campaign": "sid-2026"},
        headers=callers["marketer"],
    )
    assert response.status_code == 201, response.get_json()
    assert [e.type for e in heard] == ["export.succeeded"]
    data = heard[0].data
    assert data["id"] == response.get_json()["data"]["id"]
    assert data["exporter"] == "calendar" and data["campaign"] == "sid-2026"
    assert [e["type"] for e in _outbox(editing_app)] == ["export.succeeded"]
