"""Bearer authentication and roles over HTTP."""

from __future__ import annotations

import pytest
from auth_helpers import ROLES, token_set


@pytest.fixture()
def callers(fresh_app):
    return token_set(fresh_app)


def test_whoami_names_the_token_and_its_roles(fresh_app, callers):
    client = fresh_app.test_client()
    response = client.get("/api/v1/whoami", headers=callers["publisher"])
    assert response.status_code == 200
    assert response.get_json()["data"] == {
        "name": "t-publisher",
        "role": "publisher",
        "roles": ["marketer", "editor", "publisher"],
    }
    assert "private" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "caller, detail",
    [
        ("malformed", "malformed"),
        ("wrong-scheme", "Bearer"),
        ("unknown", "not valid"),
        ("expired", "expired"),
        ("revoked", "revoked"),
    ],
)
def test_bad_tokens_are_401_with_a_challenge(fresh_app, callers, caller, detail):
    response = fresh_app.test_client().get("/api/v1/whoami", headers=callers[caller])
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert detail in response.get_json()["detail"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="sidcontent"')
    assert 'error="invalid_token"' in challenge


def test_anonymous_gets_a_plain_challenge(fresh_app):
    response = fresh_app.test_client().get("/api/v1/whoami")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="sidcontent"'


def test_header_edge_cases(fresh_app):
    client = fresh_app.test_client()
    for value in ("Bearer", "Bearer ", "bearer sid_" + "x" * 42, "Bearer sid_" + "é" * 43):
        response = client.get("/api/v1/whoami", headers={"Authorization": value})
        assert response.status_code == 401, value


def test_roles_are_ordered(fresh_app, callers):
    held = {
        role: fresh_app.test_client().get("/api/v1/whoami", headers=callers[role]).get_json()
        for role in ROLES
    }
    assert [len(h["data"]["roles"]) for h in held.values()] == [1, 2, 3, 4]


def test_openapi_documents_the_bearer_scheme(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/whoami"]["get"]["security"] == [{"bearerAuth": []}]


def test_anonymous_reads_never_touch_the_token_table(fresh_app):
    # Drop the table: anonymous reads must still work, since they never look.
    from sqlalchemy import text

    with fresh_app.extensions["sidcontent.db"].engine.begin() as conn:
        conn.execute(text("DROP TABLE api_tokens"))
    client = fresh_app.test_client()
    assert client.get("/api/v1/messages").status_code == 200
    assert client.get("/api/v1/campaigns/sid-2017").status_code == 200
