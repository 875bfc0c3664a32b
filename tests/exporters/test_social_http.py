"""A marketer exports a campaign for all seven platforms, over HTTP and the CLI,
and every post fits, links are tracked and hashtags keep each platform's rules."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from PIL import Image

from sidcontent.cli import main
from tests.conftest import fresh_database, make_app
from tests.pluginkit import marketer_client

PLATFORMS = ["x", "mastodon", "bluesky", "linkedin", "instagram", "threads", "facebook"]


@pytest.fixture(scope="module")
def marketer(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("social-http")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        yield marketer_client(app, "campaign-team")
        app.extensions["sidcontent.db"].dispose()


def post_export(client, **body):
    return client.post("/api/v1/exports", json={"exporter": "social", **body})


def download(client, response) -> bytes:
    assert response.status_code == 201, response.get_json()  # each test asks something new
    with client.get(response.get_json()["data"]["artifact"]["url"]) as artifact:
        assert artifact.status_code == 200
        return artifact.data


def check_row(platforms: dict, platform: str, text: str, link: str) -> None:
    rules = platforms[platform]
    assert text.strip()
    assert rules.count(text) <= rules.limit, (platform, text)
    tags = [w for w in text.split() if w.startswith("#")]
    if platform == "instagram":
        assert len(tags) <= 5 and "https://" not in text
    if platform == "threads":
        assert len(tags) <= 1
    if link:
        query = parse_qs(urlsplit(link).query)
        assert query["utm_source"] == [platform]
        assert query["utm_medium"] == ["social"]
        assert query["utm_campaign"] == ["sid-2017"]


def test_exporters_lists_social_with_its_options(marketer):
    exporters = {e["name"]: e for e in marketer.get("/api/v1/exporters").get_json()["data"]}
    social = exporters["social"]
    assert social["plugin"] == "sidcontent.exporters.social"
    assert social["media_types"] == ["application/json", "text/csv", "image/png", "application/zip"]
    options = social["options"]["properties"]
    assert options["mode"]["enum"] == ["thread", "shorten"]
    assert {"platforms", "messages", "utm", "hashtags", "image_sizes", "limits"} <= set(options)


def test_csv_for_all_seven_platforms_over_http(marketer, platforms):
    response = post_export(
        marketer, campaign="sid-2017", locale="fr", media_type="text/csv", options={}
    )
    assert response.status_code == 201
    record = response.get_json()["data"]
    assert record["status"] == "succeeded" and record["locale"] == "fr"
    rows = list(csv.DictReader(io.StringIO(download(marketer, response).decode(), newline="")))
    assert {r["platform"] for r in rows} == set(PLATFORMS)
    for row in rows:
        check_row(platforms, row["platform"], row["text"], row["link"])
    assert any(r["link"] for r in rows)


def test_json_over_http_reports_lengths_as_each_platform_counts(marketer, platforms):
    response = post_export(marketer, campaign="sid-2017", locale="en", options={"mode": "shorten"})
    document = json.loads(download(marketer, response))
    assert document["options"] == {"mode": "shorten", "utm": True}
    assert len(document["posts"]) == 7 * len({p["message_id"] for p in document["posts"]})
    for post in document["posts"]:
        (part,) = post["parts"]  # shortened: one part each
        assert part["length"] == platforms[post["platform"]].count(part["text"]) <= part["limit"]


def test_share_image_over_http(marketer):
    response = post_export(
        marketer,
        campaign="sid-2017",
        media_type="image/png",
        options={"messages": [1], "image_sizes": ["square"]},
    )
    image = Image.open(io.BytesIO(download(marketer, response)))
    assert image.size == (1080, 1080)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"platforms": ["myspace"]}, "platforms"),
        ({"mode": "tweetstorm"}, "mode"),
        ({"limits": {"x": 1000}}, "limits"),
    ],
)
def test_bad_options_are_problems_naming_the_field(marketer, options, field):
    response = post_export(marketer, campaign="sid-2017", options=options)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in json.dumps(response.get_json()["errors"])


def test_cli_exports_social_csv_for_all_platforms(tmp_path, platforms):
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        app.extensions["sidcontent.db"].dispose()
        env = {
            "SIDCONTENT_DATABASE_URL": url,
            "SIDCONTENT_INSTANCE_PATH": str(tmp_path / "instance"),
            "SIDCONTENT_SECRET_KEY": "test-secret",
        }
        target = tmp_path / "posts.csv"
        result = CliRunner(env=env).invoke(
            main,
            [
                *("export", "social", "--campaign", "sid-2017", "--locale", "de"),
                *("--media-type", "text/csv", "-o", "mode=thread", "--output", str(target)),
            ],
        )
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(Path(target).read_text("utf-8"), newline="")))
        assert {r["platform"] for r in rows} == set(PLATFORMS)
        for row in rows:
            check_row(platforms, row["platform"], row["text"], row["link"])

        bad = CliRunner(env=env).invoke(
            main, ["export", "social", "--campaign", "sid-2017", "-o", 'platforms=["myspace"]']
        )
        assert bad.exit_code != 0
        assert "myspace" in bad.output
        assert "Traceback" not in bad.output
