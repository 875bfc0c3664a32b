"""Honest fallback: every export records each item's locale, warns about the
ones served in another locale, and ``fallback=deny`` keeps only translations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sidcontent.cli import main
from tests.conftest import fresh_database, make_app
from tests.pluginkit import marketer_client

PARENTS_DE = {
    "exporter": "newsletter",
    "campaign": "sid-2017",
    "locale": "de",
    "media_type": "application/json",
    "options": {"audiences": ["parents-carers"]},
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("fallback")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        yield app
        app.extensions["sidcontent.db"].dispose()


@pytest.fixture(scope="module")
def client(app):
    return marketer_client(app, "fallback-team")


def run(client, **changes):
    body = {**PARENTS_DE, **changes}
    response = client.post("/api/v1/exports", json=body)
    return response.status_code, response.get_json()


def german_ids(client, kind):
    data = client.get("/api/v1/campaigns/sid-2017/bundle?locale=de").get_json()["data"]
    return {item["id"] for item in data[kind] if item["locale"] == "de"}


def test_the_german_parents_newsletter_names_its_english_items(client):
    status, body = run(client)
    assert status == 201, body
    record = body["data"]
    locales = record["artifact"]["metadata"]["locales"]
    assert locales["requested"] == "de"
    english = [int(i) for i, tag in locales["messages"].items() if tag == "en"]
    english_resources = [int(i) for i, tag in locales["resources"].items() if tag == "en"]
    assert english or english_resources, "the seed's German parents edition has fallbacks"
    fallback = record["artifact"]["metadata"]["fallback"]
    assert sorted(fallback["messages"]) == sorted(english)
    assert sorted(fallback["resources"]) == sorted(english_resources)
    for item in english:
        assert any(
            w.startswith(f"message {item} (") and "served in en, not de" in w
            for w in record["warnings"]
        ), item
    assert len(record["warnings"]) == len(english) + len(english_resources)


def test_allow_records_locales_without_warnings(client):
    status, body = run(client, options={**PARENTS_DE["options"], "fallback": "allow"})
    assert status == 201, body
    record = body["data"]
    assert record["warnings"] == []
    assert "en" in record["artifact"]["metadata"]["locales"]["messages"].values()


def test_deny_gives_a_german_only_edition(client):
    status, body = run(client, options={**PARENTS_DE["options"], "fallback": "deny"})
    assert status == 201, body
    record = body["data"]
    locales = record["artifact"]["metadata"]["locales"]
    assert set(locales["messages"].values()) == {"de"}
    assert set(locales["resources"].values()) <= {"de"}
    assert {int(i) for i in locales["messages"]} <= german_ids(client, "messages")
    assert record["warnings"] == []
    with client.get(record["artifact"]["url"]) as response:
        artifact = response.get_json()
    # No English headline of the warn edition is left in the deny edition.
    _, warned = run(client)
    warned_record = warned["data"]
    english = [
        i
        for i, t in warned_record["artifact"]["metadata"]["locales"]["messages"].items()
        if t == "en"
    ]
    english_headlines = [
        client.get(f"/api/v1/messages/{i}?locale=en").get_json()["data"]["headline"]
        for i in english
    ]
    for headline in english_headlines:
        assert headline not in artifact["html"]


def test_deny_with_nothing_translated_is_422_naming_the_items(client):
    body = {**PARENTS_DE, "locale": "ja", "options": {"fallback": "deny"}}
    response = client.post("/api/v1/exports", json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert "nothing in campaign 'sid-2017' is translated into ja" in problem["detail"]
    assert "message " in problem["detail"] and " in en" in problem["detail"]
    assert "fallback" in problem["errors"]["options"]


@pytest.mark.parametrize(
    ("exporter", "media_type", "options"),
    [
        ("social", "application/json", {"platforms": ["x"]}),
        ("poster", "application/pdf", {"layout": "tips", "audience": "parents-carers"}),
        ("newsletter", "text/html", {}),
    ],
)
def test_every_builtin_exporter_warns_for_a_locale_nobody_wrote(
    client, exporter, media_type, options
):
    body = {
        "exporter": exporter,
        "campaign": "sid-2017",
        "locale": "ja",
        "media_type": media_type,
        "options": options,
    }
    response = client.post("/api/v1/exports", json=body)
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    assert record["requested_locale"] == "ja"
    assert any("not ja" in w for w in record["warnings"])
    assert any(w.startswith("campaign 'sid-2017'") for w in record["warnings"])
    assert record["artifact"]["metadata"]["locales"]["requested"] == "ja"
    denied = client.post(
        "/api/v1/exports", json={**body, "options": {**options, "fallback": "deny"}}
    )
    assert denied.status_code == 422, denied.get_json()


def test_the_cli_prints_the_warnings(app, tmp_path: Path):
    env = {
        "SIDCONTENT_DATABASE_URL": app.config["DATABASE_URL"],
        "SIDCONTENT_INSTANCE_PATH": app.instance_path,
        "SIDCONTENT_SECRET_KEY": app.config["SECRET_KEY"],
    }
    args = [
        "export",
        "newsletter",
        "--campaign",
        "sid-2017",
        "--locale",
        "de",
        "-o",
        'audiences=["parents-carers"]',
        "--output",
        str(tmp_path),
    ]
    result = CliRunner(env=env).invoke(main, args)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert warnings and all("served in en, not de" in w for w in warnings)
    written = json.loads(next(tmp_path.glob("*.json")).read_bytes())
    assert "html" in written
