"""Running exporters over HTTP: records, artifacts, validation, reuse."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import icalendar
import jsonschema_rs
import orjson
import pytest
from sqlalchemy import update

from sidcontent.content.models import Message, MessageTranslation
from tests.pluginkit import exporter_source, marketer_client, plugin_app

# An exporter that shows what it was given, so tests can see the bundle.
PROBE = exporter_source(
    "probe",
    """
    import json
    data = {
        "locale": bundle.locale,
        "campaign": [bundle.campaign.name, bundle.campaign.locale],
        "messages": [[m.id, m.locale] for m in bundle.messages],
        "resources": [r.id for r in bundle.resources],
        "theme": bundle.theme.slug if bundle.theme else None,
        "options": dict(options),
        "media_type": context.media_type,
        "revision": bundle.revision,
    }
    name = options.get("filename") or "probe.json"
    return Artifact(name, context.media_type, json.dumps(data).encode(), {"n": 1}, ("careful",))
    """,
    '("application/json", "text/plain")',
).replace(
    "class E(Exporter):",
    "from marshmallow import Schema, fields, validate\n\n"
    "class Options(Schema):\n"
    "    size = fields.String(load_default='a4', validate=validate.OneOf(['a4', 'a3']))\n"
    "    filename = fields.String(load_default=None)\n\n"
    "class E(Exporter):\n"
    "    options_schema = Options",
)


@pytest.fixture(scope="module")
def probe_app(tmp_path_factory):
    # One app for the module: each test asks for a request of its own (a
    # distinct filename option) so reuse between tests cannot hide anything.
    with plugin_app(tmp_path_factory.mktemp("exports"), {"probe": PROBE}) as app:
        yield app


@pytest.fixture(scope="module")
def probe(probe_app):
    return marketer_client(probe_app)


def export(client, **body):
    return client.post(
        "/api/v1/exports", json={"exporter": "probe", "campaign": "sid-2017", **body}
    )


def artifact_json(client, response):
    with client.get(response.get_json()["data"]["artifact"]["url"]) as artifact:
        assert artifact.status_code == 200
        return orjson.loads(artifact.data)


def test_export_record_and_artifact(probe):
    response = export(probe, locale="fr-BE", options={"size": "a3", "filename": "record.json"})
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    assert response.headers["Location"] == f"/api/v1/exports/{record['id']}"
    assert record["status"] == "succeeded"
    assert (record["exporter"], record["plugin"]) == ("probe", "probe")
    # A drop-in that declares no __version__ is versioned by its file's digest.
    assert re.fullmatch(r"sha256:[0-9a-f]{12}", record["plugin_version"])
    assert (record["campaign"], record["locale"], record["requested_locale"]) == (
        "sid-2017",
        "fr",
        "fr-BE",
    )
    assert record["options"] == {"size": "a3", "filename": "record.json"}
    assert record["media_type"] == "application/json"
    assert record["warnings"] == ["careful"]
    assert record["error"] is None and record["failed_plugin"] is None
    assert record["duration_ms"] > 0
    assert record["created_at"] <= record["started_at"] <= record["finished_at"]
    assert len(record["content_revision"]) == 32

    seen = artifact_json(probe, response)
    assert seen["locale"] == "fr" and seen["campaign"][1] == "fr"  # fr-BE falls back to fr
    assert seen["options"] == {"size": "a3", "filename": "record.json"}
    assert seen["revision"] == record["content_revision"]
    assert seen["theme"] == "be-the-change-2017"

    again = probe.get(f"/api/v1/exports/{record['id']}")
    assert again.status_code == 200 and again.get_json()["data"] == record
    assert again.headers["Cache-Control"].startswith("private")
    not_modified = probe.get(
        f"/api/v1/exports/{record['id']}", headers={"If-None-Match": again.headers["ETag"]}
    )
    assert not_modified.status_code == 304


def test_artifact_headers(probe):
    response = export(probe, media_type="text/plain", options={"filename": "probe.json"})
    artifact = response.get_json()["data"]["artifact"]
    with probe.get(artifact["url"]) as download:
        body = download.data
        assert download.mimetype == "text/plain"
        assert download.headers["Content-Disposition"] == "attachment; filename=probe.json"
        assert download.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        etag = download.headers["ETag"]
    assert artifact["sha256"] == hashlib.sha256(body).hexdigest()
    assert artifact["size"] == len(body) and artifact["metadata"] == {"n": 1}
    with probe.get(artifact["url"], headers={"If-None-Match": etag}) as cached:
        assert cached.status_code == 304


@pytest.mark.parametrize(
    ("asked", "disposition"),
    [
        ('../../etc/pass\r\nwd".json', "attachment; filename=pass_wd_.json"),
        ("Journée ünicode.json", "attachment; filename*=UTF-8''Journ%C3%A9e%20%C3%BCnicode.json"),
        ("...", "attachment; filename=probe-export"),
    ],
)
def test_download_names_are_made_safe(probe, asked, disposition):
    response = export(probe, options={"filename": asked})
    with probe.get(response.get_json()["data"]["artifact"]["url"]) as download:
        assert download.headers["Content-Disposition"].endswith(disposition.split("; ", 1)[1])


def test_only_chosen_messages_and_resources(probe):
    response = export(probe, message_ids=[2, 1], resource_ids=[], options={"filename": "ids"})
    seen = artifact_json(probe, response)
    assert [m[0] for m in seen["messages"]] == [1, 2]
    assert seen["resources"] == []
    assert response.get_json()["data"]["message_ids"] == [2, 1]


def test_identical_requests_reuse_the_stored_artifact(probe):
    name = {"filename": "reuse"}
    first = export(probe, locale="de", options=name)
    assert first.status_code == 201
    again = export(probe, locale="de", options={**name, "size": "a4"})  # the default, spelt out
    assert again.status_code == 200
    assert again.get_json()["data"]["id"] == first.get_json()["data"]["id"]
    for different in (
        {"locale": "es", "options": name},
        {"locale": "de", "options": {**name, "size": "a3"}},
        {"locale": "de", "options": name, "media_type": "text/plain"},
        {"locale": "de", "options": name, "message_ids": [1]},
    ):
        assert export(probe, **different).status_code == 201, different


def test_a_content_change_makes_a_new_revision(probe_app, probe):
    name = {"filename": "revision"}
    first = export(probe, options=name).get_json()["data"]
    with probe_app.extensions["sidcontent.db"].session() as session:
        session.execute(
            update(MessageTranslation)
            .where(MessageTranslation.message_id == 1, MessageTranslation.locale == "en")
            .values(headline="A new headline")
        )
        session.execute(
            update(Message)
            .where(Message.id == 1)
            .values(revision=Message.revision + 1, updated_at=datetime.now(UTC))
        )
    second = export(probe, options=name)
    assert second.status_code == 201
    assert second.get_json()["data"]["content_revision"] != first["content_revision"]
    # A change to content the export does not include changes nothing.
    with probe_app.extensions["sidcontent.db"].session() as session:
        session.execute(
            update(Message).where(Message.id == 40).values(revision=Message.revision + 1)
        )
    assert export(probe, options=name).status_code == 200


def test_a_lost_artifact_is_not_served_and_is_made_again(probe_app, probe):
    name = {"filename": "lost"}
    first = export(probe, options=name).get_json()["data"]
    store = probe_app.extensions["sidcontent.exports"].store
    store.path(first["artifact"]["sha256"]).unlink()
    missing = probe.get(first["artifact"]["url"])
    assert missing.status_code == 404
    assert "no longer stored" in missing.get_json()["detail"]
    again = export(probe, options=name)
    assert again.status_code == 201 and again.get_json()["data"]["id"] != first["id"]


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"exporter": "nope"}, 422, "exporter", "Unknown exporter 'nope'; available: "),
        ({"campaign": "sid-2027"}, 422, "campaign", "No published campaign 'sid-2027'."),
        ({"campaign": "no such/../campaign"}, 422, "campaign", "lowercase letters"),
        ({"campaign": "no-such-campaign"}, 422, "campaign", "No published campaign"),
        ({"options": {"size": "a0"}}, 422, "options", None),
        ({"options": {"colour": "red"}}, 422, "options", None),
        ({"media_type": "application/pdf"}, 422, "media_type", "Must be one of: application/json"),
        ({"locale": "en_GB"}, 422, "locale", "not a BCP 47 language tag"),
        ({"message_ids": [1, 9999]}, 422, "message_ids", "Not published in campaign"),
        ({"message_ids": ["1"]}, 422, "message_ids", None),
        ({"resource_ids": [12]}, 422, "resource_ids", "12"),  # another campaign's
        ({"surprise": True}, 422, "surprise", "Unknown field."),
        ({"exporter": None}, 422, "exporter", None),
    ],
)
def test_hostile_requests_are_clear_problems(probe, body, status, field, message):
    response = probe.post(
        "/api/v1/exports", json={"exporter": "probe", "campaign": "sid-2017", **body}
    )
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert field in errors
    if message:
        assert message in str(errors[field])


def test_non_json_bodies_are_refused(probe):
    response = probe.post("/api/v1/exports", data="exporter=probe", content_type="text/plain")
    assert response.status_code in (400, 415, 422)
    assert response.mimetype == "application/problem+json"


def test_unknown_exports_are_404(probe):
    for path in ("/api/v1/exports/nope", "/api/v1/exports/" + "f" * 300 + "/artifact"):
        response = probe.get(path)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


def test_exporters_describe_their_options_as_json_schema(probe):
    response = probe.get("/api/v1/exporters")
    assert response.status_code == 200 and response.headers["ETag"]
    exporters = {e["name"]: e for e in response.get_json()["data"]}
    probe_info = exporters["probe"]
    assert probe_info["media_types"] == ["application/json", "text/plain"]
    assert probe_info["plugin"] == "probe"
    validator = jsonschema_rs.validator_for(probe_info["options"])
    assert validator.is_valid({"size": "a3"})
    assert not validator.is_valid({"size": "a0"})
    assert not validator.is_valid({"colour": "red"})
    calendar = exporters["calendar"]
    assert calendar["media_types"] == ["text/calendar"]
    assert calendar["plugin"] == "sidcontent-calendar" and calendar["plugin_version"] == "0.2.0"
    assert calendar["options"]["properties"]["reminder_minutes"]["maximum"] == 10080


def test_installed_calendar_plugin_exports_over_http(probe):
    """The sidcontent-calendar distribution, pip-installed by `make install`."""
    client = probe
    plugins = {p["name"]: p for p in client.get("/api/v1/plugins").get_json()["data"]}
    assert plugins["sidcontent-calendar"]["status"] == "loaded"
    exporters = {e["name"] for e in client.get("/api/v1/exporters").get_json()["data"]}
    assert "calendar" in exporters
    response = client.post(
        "/api/v1/exports",
        json={"exporter": "calendar", "campaign": "sid-2026", "options": {"reminder_minutes": 15}},
    )
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    assert record["artifact"]["filename"] == "sid-2026-en.ics"
    with client.get(record["artifact"]["url"]) as download:
        assert download.mimetype == "text/calendar"
        calendar = icalendar.Calendar.from_ical(download.data)
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert len(summaries) == 3  # the day and two webinars
    assert record["artifact"]["metadata"] == {"events": 3, "webinars": 2}
