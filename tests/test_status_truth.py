"""A scheduled item whose time has come reads "published" everywhere (issue 12).

The app's clock is injected (``CLOCK``), so the test moves time instead of
sleeping: before the instant the item is scheduled and hidden; after it, it
is published (with ``published_at``) in details, lists, filters, bundles and
revisions, for anonymous readers and previews alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sidcontent.content.models import utcnow


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture()
def clock(editing_app):
    clock = Clock(utcnow())
    editing_app.config["CLOCK"] = clock
    return clock


def ids(response) -> set[int]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["data"]}


def test_a_scheduled_item_reads_published_once_its_time_has_passed(editing_app, callers, clock):
    client, auth = editing_app.test_client(), callers["publisher"]
    when = clock.at + timedelta(days=1)
    scheduled = client.post(
        "/api/v1/messages/20/publish", json={"publish_at": _iso(when)}, headers=auth
    )
    assert scheduled.status_code == 200, scheduled.get_json()
    item = scheduled.get_json()["data"]
    assert (item["status"], item["published_at"]) == ("scheduled", None)
    assert client.get("/api/v1/messages/20").status_code == 404  # cached until `when`
    listing = "/api/v1/messages?campaign=sid-2017&limit=100"
    assert 20 in ids(client.get(f"{listing}&preview=true&status=scheduled", headers=auth))
    assert 20 not in ids(client.get(f"{listing}&preview=true&status=published", headers=auth))

    clock.at = when + timedelta(seconds=1)

    detail = client.get("/api/v1/messages/20")
    assert detail.status_code == 200
    item = detail.get_json()["data"]
    assert item["status"] == "published"
    assert _moment(item["published_at"]) == when == _moment(item["publish_at"])
    preview = client.get("/api/v1/messages/20?preview=true", headers=auth).get_json()["data"]
    assert preview["status"] == "published"
    assert 20 in ids(client.get(f"{listing}&status=published"))
    assert 20 in ids(client.get(f"{listing}&preview=true&status=published", headers=auth))
    assert 20 not in ids(client.get(f"{listing}&preview=true&status=scheduled", headers=auth))
    listed = {m["id"]: m for m in client.get(listing).get_json()["data"]}
    assert listed[20]["status"] == "published"

    bundle = client.get("/api/v1/campaigns/sid-2017/bundle").get_json()["data"]
    assert {m["id"]: m["status"] for m in bundle["messages"]}[20] == "published"

    revisions = client.get("/api/v1/messages/20/revisions", headers=callers["editor"])
    newest = revisions.get_json()["data"][0]
    assert newest["action"] == "schedule"
    assert newest["snapshot"]["status"] == "published"


def test_seed_items_scheduled_in_the_past_are_published(editing_app, callers, clock):
    client, auth = editing_app.test_client(), callers["marketer"]
    everything = client.get("/api/v1/messages?preview=true&limit=100", headers=auth)
    statuses = {m["status"] for m in everything.get_json()["data"]}
    assert statuses <= {"draft", "published", "scheduled", "archived"}
    for item in everything.get_json()["data"]:
        publish_at = item["publish_at"]
        if item["status"] == "scheduled":
            assert publish_at is not None and _moment(publish_at) > clock.at
        if item["status"] == "published" and publish_at is not None:
            assert item["published_at"] == publish_at
    # Anonymous readers never see an item as scheduled: it is hidden or published.
    assert ids(client.get("/api/v1/messages?status=scheduled&limit=100")) == set()
    assert ids(client.get("/api/v1/resources?status=scheduled&limit=100")) == set()
    published = client.get("/api/v1/messages?status=published&limit=100")
    assert ids(published) == ids(client.get("/api/v1/messages?limit=100"))
