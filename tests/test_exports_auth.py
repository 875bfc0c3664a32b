"""Exports need a marketer token (or any role above); reading plugins and exporters does not."""

from __future__ import annotations

import pytest

from tests.auth_helpers import ROLES, token_set
from tests.pluginkit import marketer_client

BAD = ("anonymous", "malformed", "wrong-scheme", "unknown", "expired", "revoked")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from tests.conftest import fresh_database, make_app

    tmp_path = tmp_path_factory.mktemp("exports-auth")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        callers = token_set(app)
        done = marketer_client(app, "m").post(
            "/api/v1/exports", json={"exporter": "calendar", "campaign": "sid-2017"}
        )
        assert done.status_code == 201
        yield app, callers, done.get_json()["data"]
        app.extensions["sidcontent.db"].dispose()


def test_every_export_operation_needs_a_token(setup):
    app, callers, record = setup
    client = app.test_client()
    operations = [
        ("POST", "/api/v1/exports", {"exporter": "calendar", "campaign": "sid-2017"}),
        ("GET", f"/api/v1/exports/{record['id']}", None),
        ("GET", record["artifact"]["url"], None),
    ]
    for method, path, body in operations:
        for caller in BAD:
            response = client.open(path, method=method, json=body, headers=callers[caller])
            assert response.status_code == 401, (method, path, caller)
            assert response.mimetype == "application/problem+json"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        # Every role includes marketer; there is no token below it, so no 403.
        for role in ROLES:
            with client.open(path, method=method, json=body, headers=callers[role]) as response:
                # The POST repeats the setup's export: reused (200), never run again.
                assert response.status_code == 200, (method, path, role)
                assert response.headers["Cache-Control"].startswith("private")


def test_the_record_says_who_asked(setup):
    app, callers, record = setup
    assert record["requested_by"] == "m"
    response = app.test_client().post(
        "/api/v1/exports",
        json={"exporter": "calendar", "campaign": "sid-2017", "locale": "de"},
        headers=callers["editor"],
    )
    assert response.get_json()["data"]["requested_by"] == "t-editor"


def test_plugins_and_exporters_are_public(setup):
    client = setup[0].test_client()
    for path in ("/api/v1/plugins", "/api/v1/exporters"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"].startswith("public")


def test_the_contract_documents_the_requirement(setup):
    spec = setup[0].test_client().get("/api/v1/openapi.json").get_json()
    for path, method in (
        ("/api/v1/exports", "post"),
        ("/api/v1/exports/{export_id}", "get"),
        ("/api/v1/exports/{export_id}/artifact", "get"),
    ):
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"bearerAuth": []}]
        assert "401" in operation["responses"]
    for path in ("/api/v1/plugins", "/api/v1/exporters"):
        assert spec["paths"][path]["get"]["security"] == []  # public, said explicitly
