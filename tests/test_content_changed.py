"""The content_changed hook: committed changes reach plugins, read-only, at no risk to the write."""

from __future__ import annotations

import json
import logging
import textwrap

import icalendar
import pytest

from tests.conftest import make_app
from tests.editing_fixtures import clone_database
from tests.pluginkit import write_plugins

RECORDER = textwrap.dedent(
    """\
    import json
    from sidcontent import hookimpl
    from sidcontent.exporting import Setting


    @hookimpl
    def register_settings(register):
        register(Setting("log", "path", required=True))


    @hookimpl
    def content_changed(event, settings):
        try:
            event.data["id"] = "changed by a plugin"
            mutable = True
        except TypeError:
            mutable = False
        bundle = event.bundle()
        line = {
            "type": event.type, "id": event.id, "item": event.data.get("type"),
            "item_id": event.data["id"], "campaign": event.campaign, "mutable": mutable,
            "bundle_messages": None if bundle is None else len(bundle.messages),
        }
        with open(settings["log"], "a") as f:
            f.write(json.dumps(line) + "\\n")
    """
)

NOISY = textwrap.dedent(
    """\
    from sidcontent import hookimpl


    @hookimpl
    def content_changed(event):
        raise RuntimeError("pager down")
    """
)


@pytest.fixture()
def events_app(editing_template, tmp_path):
    plugins_dir = write_plugins(tmp_path / "plugins", {"recorder": RECORDER, "noisy": NOISY})
    feeds = tmp_path / "feeds"
    with clone_database(editing_template[0], tmp_path) as url:
        app = make_app(
            url,
            tmp_path,
            load_fixtures=False,
            PLUGINS_DIR=str(plugins_dir),
            PLUGIN_RECORDER_LOG=str(tmp_path / "events.jsonl"),
            PLUGIN_SIDCONTENT_CALENDAR_FEED_DIR=str(feeds),
        )
        yield app
        app.extensions["sidcontent.db"].dispose()


def recorded(tmp_path):
    path = tmp_path / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def etag(client, path, auth):
    return client.get(f"{path}?preview=true", headers=auth).headers["ETag"]


def test_every_committed_change_reaches_plugins_and_a_failing_one_costs_nothing(
    events_app, callers, tmp_path, caplog
):
    client, auth = events_app.test_client(), callers["admin"]
    with caplog.at_level(logging.ERROR, logger="sidcontent.plugins"):
        assert client.post("/api/v1/messages/20/publish", headers=auth).status_code == 200
        patched = client.patch(
            "/api/v1/messages/20",
            json={"translations": {"en": {"headline": "Think before you share"}}},
            headers={**auth, "If-Match": etag(client, "/api/v1/messages/20", auth)},
        )
        assert patched.status_code == 200
        assert client.post("/api/v1/messages/20/unpublish", headers=auth).status_code == 200
        assert client.post("/api/v1/messages/20/publish", headers=auth).status_code == 200
        deleted = client.delete(
            "/api/v1/messages/20",
            headers={**auth, "If-Match": etag(client, "/api/v1/messages/20", auth)},
        )
        assert deleted.status_code == 204
        exported = client.post(
            "/api/v1/exports",
            json={"exporter": "calendar", "campaign": "sid-2026"},
            headers=callers["marketer"],
        )
        assert exported.status_code == 201

    seen = recorded(tmp_path)
    assert [e["type"] for e in seen] == [
        "content.published",
        "content.updated",
        "content.unpublished",
        "content.published",
        "content.deleted",
        "export.succeeded",
    ]
    assert all(not e["mutable"] for e in seen), "plugins must not change the event"
    assert {(e["item"], e["item_id"], e["campaign"]) for e in seen[:5]} == {
        ("message", 20, "sid-2017")
    }
    assert seen[5]["campaign"] == "sid-2026"
    assert seen[5]["item_id"] == exported.get_json()["data"]["id"]
    # event.bundle() reads what is published after the commit: one message fewer once deleted.
    assert seen[4]["bundle_messages"] == seen[2]["bundle_messages"]
    assert seen[3]["bundle_messages"] == seen[4]["bundle_messages"] + 1

    # The noisy plugin raised on every event: logged against it, and every write stood.
    failures = [
        r for r in caplog.records if "plugin 'noisy' failed in content_changed" in r.message
    ]
    assert len(failures) == 6
    assert "RuntimeError: pager down" in caplog.text
    assert client.get("/api/v1/messages/20", headers=auth).status_code == 404


def test_drafts_are_no_event(events_app, callers, tmp_path):
    client, auth = events_app.test_client(), callers["admin"]
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
    assert created.status_code == 201
    assert recorded(tmp_path) == []


def test_the_calendar_plugin_keeps_its_feed_fresh(events_app, callers, tmp_path):
    client, auth = events_app.test_client(), callers["admin"]
    feed = tmp_path / "feeds" / "sid-2026.ics"
    resources = client.get("/api/v1/resources?campaign=sid-2026&type=webinar").get_json()["data"]
    webinar = resources[0]
    path = f"/api/v1/resources/{webinar['id']}"

    renamed = client.patch(
        path,
        json={"translations": {"en": {"title": "Live: AI and you"}}},
        headers={**auth, "If-Match": etag(client, path, auth)},
    )
    assert renamed.status_code == 200, renamed.get_json()
    summaries = [
        str(e["summary"]) for e in icalendar.Calendar.from_ical(feed.read_bytes()).walk("VEVENT")
    ]
    assert "Live: AI and you" in summaries
    assert len(summaries) == 1 + len(resources)

    assert client.post(f"{path}/unpublish", headers=auth).status_code == 200
    summaries = [
        str(e["summary"]) for e in icalendar.Calendar.from_ical(feed.read_bytes()).walk("VEVENT")
    ]
    assert "Live: AI and you" not in summaries
    assert len(summaries) == len(resources)

    # The campaign itself unpublished: its feed goes, rather than keep stale dates.
    assert client.post("/api/v1/campaigns/sid-2026/unpublish", headers=auth).status_code == 200
    assert not feed.exists()
    assert not list(feed.parent.glob(".*.tmp"))
