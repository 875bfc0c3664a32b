"""The committed contract is what the code generates, and it is served."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from sidcontent.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_committed_openapi_matches_code():
    result = CliRunner().invoke(main, ["openapi"])
    assert result.exit_code == 0, result.output
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert result.stdout == committed, (
        "openapi.yaml is stale: run `make openapi` and commit the result"
    )


def test_openapi_served_as_json_and_yaml(client):
    as_json = client.get("/api/v1/openapi.json")
    as_yaml = client.get("/api/v1/openapi.yaml")
    assert as_json.status_code == as_yaml.status_code == 200
    assert as_yaml.mimetype == "application/yaml"
    assert yaml.safe_load(as_yaml.get_data(as_text=True)) == as_json.get_json()
    paths = as_json.get_json()["paths"]
    for path in (
        "/api/v1/campaigns",
        "/api/v1/campaigns/{slug}",
        "/api/v1/campaigns/{slug}/bundle",
        "/api/v1/themes",
        "/api/v1/themes/{slug}",
        "/api/v1/messages",
        "/api/v1/messages/{message_id}",
        "/api/v1/resources",
        "/api/v1/resources/{resource_id}",
    ):
        assert "get" in paths[path]


def test_errors_are_documented_as_problem_json(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == ["application/problem+json"]
