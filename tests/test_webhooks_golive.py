"""A schedule that passes with no write: one ``content.published``, from whoever sees it first.

The content clock is injected (``CLOCK``): the test moves time past the
schedule instead of waiting. Receivers are real (loopback), and verify
every request with ``standardwebhooks``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest

from sidcontent.content.models import utcnow
from tests.editing_fixtures import clone_database
from tests.test_status_truth import Clock, _iso
from tests.test_webhooks import _app, _etag, _subscribe
from tests.webhook_receiver import Receiver

# Drafts and one far-off schedule in the seed content: none public yet.
ITEMS = [("messages", 20), ("messages", 44), ("messages", 46), ("resources", 22)]


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture()
def apps(editing_template, tmp_path):
    """Three apps (three dispatchers) on one database, on one injected clock."""
    clock = Clock(utcnow())
    with clone_database(editing_template[0], tmp_path) as url:
        made = [_app(url, tmp_path / f"app{n}", CLOCK=clock) for n in range(3)]
        try:
            yield made, clock
        finally:
            for app in made:
                app.extensions["sidcontent.webhooks"].stop()
                app.extensions["sidcontent.db"].dispose()


def _schedule(client, auth, path, when):
    answer = client.post(f"/api/v1/{path}/publish", json={"publish_at": _iso(when)}, headers=auth)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["data"]["status"] == "scheduled"


def test_a_passed_schedule_is_announced_once_by_several_processes(apps, callers, receiver):
    (first, *others), clock = apps
    client, admin = first.test_client(), callers["admin"]
    _subscribe(client, admin, receiver)
    when = clock.at + timedelta(hours=1)
    for kind, item_id in ITEMS:
        _schedule(client, admin, f"{kind}/{item_id}", when)
    for app in (first, *others):
        app.extensions["sidcontent.webhooks"].nudge()  # every process polls
        assert app.extensions["sidcontent.webhooks"].running
    time.sleep(2.5)  # a whole poll with the schedule still ahead
    assert receiver.requests == [], "a schedule is not news before it passes"

    clock.at = when + timedelta(seconds=1)
    receiver.wait_for(len(ITEMS))
    time.sleep(2.5)  # every dispatcher polls again: nothing more may come
    payloads = receiver.verified()
    assert len(payloads) == len(ITEMS), [p["data"] for p in payloads]
    assert {p["type"] for p in payloads} == {"content.published"}
    assert sorted((p["data"]["type"] + "s", p["data"]["id"]) for p in payloads) == sorted(ITEMS)
    assert {p["data"]["action"] for p in payloads} == {"go-live"}
    assert {p["timestamp"] for p in payloads} == {_iso(when)}
    assert len({p["webhook-id"] for p in payloads}) == len(ITEMS)
    message = next(p["data"] for p in payloads if p["data"]["id"] == 20)
    assert message["campaign"] == "sid-2017" and message["status"] == "published"
    # What readers see agrees: the item is public now.
    assert client.get("/api/v1/messages/20").status_code == 200

    # An edit of the live item is an update; its go-live is not sent again.
    edited = client.patch(
        "/api/v1/messages/20",
        json={"link": "https://www.saferinternetday.org/"},
        headers={**admin, "If-Match": _etag(client, "/api/v1/messages/20", admin)},
    )
    assert edited.status_code == 200
    receiver.wait_for(len(ITEMS) + 1)
    time.sleep(2.5)
    types = Counter(p["type"] for p in receiver.verified())
    assert types == {"content.published": len(ITEMS), "content.updated": 1}


def test_a_write_before_any_poll_sends_the_go_live_first(apps, callers, receiver):
    (app, *_), clock = apps
    client, admin = app.test_client(), callers["admin"]
    _subscribe(client, admin, receiver)
    when = clock.at + timedelta(hours=1)
    _schedule(client, admin, "messages/20", when)
    # Keep the only running dispatcher busy on another delivery meanwhile.
    receiver.hold = threading.Event()
    assert client.post("/api/v1/messages/8/archive", headers=admin).status_code == 200
    assert receiver.holding.wait(30)

    clock.at = when + timedelta(minutes=5)
    edited = client.patch(
        "/api/v1/messages/20",
        json={"link": "https://www.saferinternetday.org/"},
        headers={**admin, "If-Match": _etag(client, "/api/v1/messages/20", admin)},
    )
    assert edited.status_code == 200
    receiver.hold.set()
    receiver.wait_for(3)
    time.sleep(2.5)  # a poll after the write: it must find the go-live claimed
    payloads = receiver.verified()
    assert [(p["type"], p["data"]["id"]) for p in payloads] == [
        ("content.unpublished", 8),
        ("content.published", 20),
        ("content.updated", 20),
    ]
    published, updated = payloads[1]["data"], payloads[2]["data"]
    assert published["action"] == "go-live" and updated["action"] == "update"
    assert published["revision"] + 1 == updated["revision"]


def test_a_moved_schedule_is_announced_at_its_new_time_only(apps, callers, receiver):
    (app, *_), clock = apps
    client, admin = app.test_client(), callers["admin"]
    _subscribe(client, admin, receiver)
    start = clock.at
    _schedule(client, admin, "messages/20", start + timedelta(hours=1))
    _schedule(client, admin, "messages/20", start + timedelta(hours=2))  # moved, before its time
    clock.at = start + timedelta(hours=1, seconds=1)
    time.sleep(2.5)  # a poll past the first time
    assert receiver.requests == []
    clock.at = start + timedelta(hours=2, seconds=1)
    receiver.wait_for(1)
    time.sleep(2.5)
    (payload,) = receiver.verified()
    assert (payload["type"], payload["data"]["action"]) == ("content.published", "go-live")
    assert payload["timestamp"] == _iso(start + timedelta(hours=2))
