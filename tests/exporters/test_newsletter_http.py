"""The newsletter through the public surfaces: POST /api/v1/exports and `sidcontent export`."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from newsletter_checks import elements, parse_strict, text_of

from sidcontent.cli import main
from tests.conftest import fresh_database, make_app
from tests.pluginkit import marketer_client, plugin_app

# A drop-in plugin that blows the content up before the newsletter sees it, so
# the size guard can be seen end to end without editing the seed content.
INFLATE = """
import dataclasses
from sidcontent import hookimpl

@hookimpl
def prepare_bundle(bundle, exporter, options):
    extra = tuple(
        dataclasses.replace(m, id=10_000 + i, body=(m.body or "") * 12)
        for i, m in enumerate(bundle.messages * 4)
    )
    return dataclasses.replace(bundle, messages=bundle.messages + extra)
"""

PARENTS_DE = {
    "exporter": "newsletter",
    "campaign": "sid-2017",
    "locale": "de",
    "media_type": "message/rfc822",
    "options": {"audiences": ["parents-carers"], "merge_tags": "mailchimp"},
}


@pytest.fixture(scope="module")
def export_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    # Exports write records, so not the session's read-only app.
    tmp_path = tmp_path_factory.mktemp("newsletter-http")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        yield app
        app.extensions["sidcontent.db"].dispose()


def check_parents_eml(content: bytes) -> None:
    message = BytesParser(policy=policy.default).parsebytes(content)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Safer Internet Day 2017 – Eltern und Erziehungsberechtigte"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content().splitlines()[0] == "Safer Internet Day 2017"
    assert "Hallo *|FNAME|*," in text.get_content()
    root = parse_strict(html.get_content())
    assert [text_of(h) for h in elements(root, "h2")] == [
        "Eltern und Erziehungsberechtigte",
        "Für alle",
    ]


def test_german_parents_digest_over_http(export_app: Flask) -> None:
    assert export_app.test_client().post("/api/v1/exports", json=PARENTS_DE).status_code == 401
    client = marketer_client(export_app)
    response = client.post("/api/v1/exports", json=PARENTS_DE)
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    assert record["status"] == "succeeded"
    assert record["plugin"] == "sidcontent.exporters.newsletter"
    assert record["locale"] == "de"
    # Honest fallback: every item that is not in German is named.
    fallback = record["artifact"]["metadata"]["fallback"]
    assert len(record["warnings"]) == len(fallback["messages"]) + len(fallback["resources"])
    assert all("served in en, not de" in w for w in record["warnings"])
    artifact = record["artifact"]
    assert artifact["filename"] == "sid-2017-digest-parents-carers-de.eml"
    assert artifact["media_type"] == "message/rfc822"
    assert 0 < artifact["metadata"]["html_bytes"] < artifact["metadata"]["clip_limit_bytes"]
    with client.get(artifact["url"]) as download:  # a file response: close it
        assert download.status_code == 200
        assert download.mimetype == "message/rfc822"
        check_parents_eml(download.data)


def test_exporters_lists_the_newsletter_and_its_options(export_app: Flask) -> None:
    body = export_app.test_client().get("/api/v1/exporters").get_json()
    newsletter = next(e for e in body["data"] if e["name"] == "newsletter")
    assert newsletter["media_types"][0] == "application/json"
    assert "message/rfc822" in newsletter["media_types"]
    properties = newsletter["options"]["properties"]
    assert properties["layout"]["enum"] == ["digest", "spotlight"]
    assert "parents-carers" in properties["audiences"]["items"]["enum"]
    assert properties["merge_tags"]["enum"] == ["none", "mailchimp", "django"]


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"layout": "poster"}, ("options", "layout")),
        ({"audiences": ["parents"]}, ("options", "audiences")),
        ({"image_url": "https://example.org/a.png"}, ("options", "image_alt")),
        # Valid options the content cannot satisfy: the exporter's ExportError,
        # reported where a schema error on that option would be.
        ({"layout": "spotlight", "message": 99999}, ("options", "message")),
    ],
)
def test_bad_options_are_422_naming_the_field(export_app: Flask, options, path) -> None:
    response = marketer_client(export_app, f"m-{path[-1]}").post(
        "/api/v1/exports", json={**PARENTS_DE, "options": options}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    for key in path:
        errors = errors[key]
    assert errors


def test_german_parents_digest_from_the_cli(export_app: Flask, tmp_path: Path) -> None:
    env = {
        "SIDCONTENT_DATABASE_URL": export_app.config["DATABASE_URL"],
        "SIDCONTENT_INSTANCE_PATH": export_app.instance_path,
        "SIDCONTENT_SECRET_KEY": export_app.config["SECRET_KEY"],
    }
    args = [
        *("export", "newsletter", "--campaign", "sid-2017", "--locale", "de"),
        *("--media-type", "message/rfc822", "--output", str(tmp_path)),
        *("-o", 'audiences=["parents-carers"]', "-o", "merge_tags=mailchimp"),
    ]
    result = CliRunner(env=env).invoke(main, args)
    assert result.exit_code == 0, result.output
    check_parents_eml((tmp_path / "sid-2017-digest-parents-carers-de.eml").read_bytes())


def test_the_size_guard_warns_in_the_export_record(tmp_path: Path) -> None:
    with plugin_app(tmp_path, {"inflate": INFLATE}) as app:
        client = marketer_client(app)
        options = {"max_messages": 50, "fallback": "allow"}
        body = {**PARENTS_DE, "media_type": "text/html", "options": options}
        response = client.post("/api/v1/exports", json=body)
        assert response.status_code == 201, response.get_json()
        record = response.get_json()["data"]
        metadata = record["artifact"]["metadata"]
        assert metadata["html_bytes"] > metadata["clip_limit_bytes"]
        assert len(record["warnings"]) == 1 and "Gmail clips" in record["warnings"][0]

        body["options"] = {**options, "fail_if_clipped": True}
        refused = client.post("/api/v1/exports", json=body)
        assert refused.status_code == 422
        assert "Gmail clips" in refused.get_json()["errors"]["options"]["fail_if_clipped"][0]
