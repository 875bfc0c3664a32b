"""Publishing: draft -> published or scheduled -> unpublished -> archived."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture()
def api(editing_app, callers):
    return editing_app.test_client(), callers["publisher"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_publish_now_makes_a_draft_public(api):
    client, auth = api
    # Warm the anonymous cache first: publishing must invalidate it.
    listed = client.get("/api/v1/messages?campaign=sid-2017&limit=100").get_json()["data"]
    assert 20 not in {m["id"] for m in listed}
    assert client.get("/api/v1/messages/20").status_code == 404
    published = client.post("/api/v1/messages/20/publish", headers=auth)
    assert published.status_code == 200
    item = published.get_json()["data"]
    assert item["status"] == "published" and item["publish_at"] is not None
    public = client.get("/api/v1/messages/20")
    assert public.status_code == 200
    assert public.headers["ETag"] == published.headers["ETag"]
    listed = client.get("/api/v1/messages?campaign=sid-2017&limit=100").get_json()["data"]
    assert 20 in {m["id"] for m in listed}
    again = client.post("/api/v1/messages/20/publish", headers=auth)
    assert again.status_code == 409


def test_a_message_waits_for_its_campaign(api):
    client, auth = api
    refused = client.post("/api/v1/messages/49/publish", headers=auth)
    assert refused.status_code == 409
    assert "sid-2027" in refused.get_json()["detail"]
    assert client.post("/api/v1/campaigns/sid-2027/publish", headers=auth).status_code == 200
    assert client.post("/api/v1/messages/49/publish", headers=auth).status_code == 200
    assert client.get("/api/v1/messages/49").status_code == 200
    # Taking the campaign down takes its messages with it.
    assert client.post("/api/v1/campaigns/sid-2027/unpublish", headers=auth).status_code == 200
    assert client.get("/api/v1/messages/49").status_code == 404


def test_scheduled_items_appear_at_their_time(api):
    client, auth = api
    client.get("/api/v1/messages/20")  # cache the 404 too
    soon = datetime.now(UTC) + timedelta(seconds=1.5)
    scheduled = client.post(
        "/api/v1/messages/20/publish", json={"publish_at": _iso(soon)}, headers=auth
    )
    assert scheduled.status_code == 200
    assert scheduled.get_json()["data"]["status"] == "scheduled"
    assert client.get("/api/v1/messages/20").status_code == 404
    deadline = time.monotonic() + 10
    while client.get("/api/v1/messages/20").status_code == 404:
        assert time.monotonic() < deadline, "the scheduled message never appeared"
        time.sleep(0.2)
    assert datetime.now(UTC) >= soon.replace(microsecond=0)


def test_unpublish_and_archive(api):
    client, auth = api
    assert client.post("/api/v1/messages/20/unpublish", headers=auth).status_code == 409
    down = client.post("/api/v1/messages/8/unpublish", headers=auth)
    assert down.status_code == 200
    assert down.get_json()["data"]["status"] == "draft"
    assert client.get("/api/v1/messages/8").status_code == 404
    archived = client.post("/api/v1/messages/8/archive", headers=auth)
    assert archived.get_json()["data"]["status"] == "archived"
    assert client.post("/api/v1/messages/8/archive", headers=auth).status_code == 409
    preview = client.get("/api/v1/messages/8?preview=true", headers=auth)
    assert preview.get_json()["data"]["status"] == "archived"
    assert client.get("/api/v1/messages/8").status_code == 404
    assert client.post("/api/v1/messages/8/publish", headers=auth).status_code == 200
    assert client.get("/api/v1/messages/8").status_code == 200


def test_schedule_cancelled_by_unpublish(api):
    client, auth = api
    later = datetime.now(UTC) + timedelta(days=3)
    client.post("/api/v1/resources/22/publish", json={"publish_at": _iso(later)}, headers=auth)
    down = client.post("/api/v1/resources/22/unpublish", headers=auth)
    assert down.status_code == 200
    assert down.get_json()["data"]["publish_at"] is None


def test_publish_bodies_are_validated(api):
    client, auth = api
    for body in (
        {"publish_at": "tomorrow"},
        {"when": "now"},
        [],
        {"publish_at": "2027-02-09T10:00"},
    ):
        response = client.post("/api/v1/messages/20/publish", json=body, headers=auth)
        assert response.status_code == 422, body
    wrong_type = client.post(
        "/api/v1/messages/20/publish", data="x", content_type="text/plain", headers=auth
    )
    assert wrong_type.status_code == 415
    assert (
        client.get("/api/v1/messages/20?preview=true", headers=auth).get_json()["data"]["status"]
        == "draft"
    )


def test_actions_honour_if_match(api):
    client, auth = api
    etag = client.get("/api/v1/messages/20?preview=true", headers=auth).headers["ETag"]
    client.post("/api/v1/messages/20/publish", headers={**auth, "If-Match": etag})
    stale = client.post("/api/v1/messages/20/unpublish", headers={**auth, "If-Match": etag})
    assert stale.status_code == 412
    assert client.get("/api/v1/messages/20").status_code == 200


def test_a_theme_stays_out_while_its_campaigns_are_live(api):
    client, auth = api
    refused = client.post("/api/v1/themes/together-2025/unpublish", headers=auth)
    assert refused.status_code == 409
    assert "sid-2025" in refused.get_json()["detail"]
    assert client.post("/api/v1/themes/together-2025/archive", headers=auth).status_code == 409
    assert client.post("/api/v1/campaigns/sid-2025/unpublish", headers=auth).status_code == 200
    assert client.post("/api/v1/themes/together-2025/unpublish", headers=auth).status_code == 200
    assert client.get("/api/v1/themes/together-2025").status_code == 404
    # ...and a campaign cannot go out before its theme.
    assert client.post("/api/v1/campaigns/sid-2025/publish", headers=auth).status_code == 409
