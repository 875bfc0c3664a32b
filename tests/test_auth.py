"""Bearer authentication and roles over HTTP."""

from __future__ import annotations

import pytest

from tests.auth_helpers import ROLES, WRITE_ENDPOINTS, collection
from tests.conftest import make_app


@pytest.fixture(scope="module")
def shared(editing_template, tmp_path_factory):
    """One app with every kind of caller, for these tests, which change nothing."""
    from tests.editing_fixtures import clone_database

    tmp_path = tmp_path_factory.mktemp("auth")
    with clone_database(editing_template[0], tmp_path) as url:
        app = make_app(url, tmp_path, load_fixtures=False)
        yield app, editing_template[1]
        app.extensions["sidcontent.db"].dispose()


@pytest.fixture()
def reader_app(shared):
    """The shared app: these tests only read, so they need no database of their own."""
    return shared[0]


def test_whoami_names_the_token_and_its_roles(reader_app, callers):
    client = reader_app.test_client()
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
def test_bad_tokens_are_401_with_a_challenge(reader_app, callers, caller, detail):
    response = reader_app.test_client().get("/api/v1/whoami", headers=callers[caller])
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert detail in response.get_json()["detail"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="sidcontent"')
    assert 'error="invalid_token"' in challenge


def test_anonymous_gets_a_plain_challenge(reader_app):
    response = reader_app.test_client().get("/api/v1/whoami")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="sidcontent"'


def test_header_edge_cases(reader_app):
    client = reader_app.test_client()
    for value in ("Bearer", "Bearer ", "bearer sid_" + "x" * 42, "Bearer sid_" + "é" * 43):
        response = client.get("/api/v1/whoami", headers={"Authorization": value})
        assert response.status_code == 401, value


def test_roles_are_ordered(reader_app, callers):
    held = {
        role: reader_app.test_client().get("/api/v1/whoami", headers=callers[role]).get_json()
        for role in ROLES
    }
    assert [len(h["data"]["roles"]) for h in held.values()] == [1, 2, 3, 4]


def test_openapi_documents_the_bearer_scheme(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/whoami"]["get"]["security"] == [{"bearerAuth": []}]


# --- the authorisation matrix over every write endpoint ------------------------


CALLERS = ("anonymous", "malformed", "wrong-scheme", "unknown", "expired", "revoked", *ROLES)


@pytest.mark.parametrize(
    "method, path, role, headers, body, allowed",
    WRITE_ENDPOINTS,
    ids=[f"{m} {collection(p)}" for m, p, *_ in WRITE_ENDPOINTS],
)
def test_authorisation_matrix(shared, method, path, role, headers, body, allowed):
    app, callers = shared
    client = app.test_client()
    path = collection(path)
    outcomes = {}
    for caller in CALLERS:
        response = client.open(
            path, method=method, json=body, headers={**callers[caller], **headers}
        )
        outcomes[caller] = response.status_code
        assert response.mimetype in ("application/json", "application/problem+json"), caller
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    expected = {caller: 401 for caller in CALLERS if caller not in ROLES}
    for held in ROLES:
        expected[held] = allowed if ROLES.index(held) >= ROLES.index(role) else 403
    assert outcomes == expected


def test_matrix_covers_every_write_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and operation.get("security")
    }
    documented.discard(("GET", "/api/v1/whoami"))
    # Exports have their own matrix in test_exports_auth.py.
    documented = {(m, p) for m, p in documented if not p.startswith("/api/v1/exports")}
    # Translators' routes too: test_translations.py::test_roles.
    documented -= {
        ("GET", "/api/v1/campaigns/{slug}/coverage"),
        ("GET", "/api/v1/campaigns/{slug}/translations"),
        ("POST", "/api/v1/campaigns/{slug}/translations"),
    }
    # Webhooks (admin only): test_webhooks.py::test_every_webhook_operation_is_for_admins_only.
    documented = {(m, p) for m, p in documented if not p.startswith("/api/v1/webhooks")}
    covered = set()
    for method, path, *_ in WRITE_ENDPOINTS:
        template = collection(path)
        for real, name in (
            ("save-the-date-2027", "{slug}"),
            ("sid-2025", "{slug}"),
            ("messages/21", "messages/{message_id}"),
            ("resources/9", "resources/{resource_id}"),
            ("/99/", "/{number}/"),
        ):
            template = template.replace(real, name)
        covered.add((method, template))
    assert documented == covered


# --- previews -----------------------------------------------------------------


def test_preview_shows_drafts_to_tokens_only(reader_app, callers):
    client = reader_app.test_client()
    # Message 20 is a draft; campaign sid-2027 is a draft.
    for path in ("/api/v1/messages/20", "/api/v1/campaigns/sid-2027"):
        assert client.get(path).status_code == 404
        assert client.get(path, headers=callers["marketer"]).status_code == 404
        preview = client.get(path + "?preview=true", headers=callers["marketer"])
        assert preview.status_code == 200
        assert preview.get_json()["data"]["status"] == "draft"
        assert preview.headers["Cache-Control"].startswith("private")
        assert "Authorization" in preview.headers["Vary"]
    anonymous = client.get("/api/v1/messages/20?preview=true")
    assert anonymous.status_code == 401
    assert "draft" not in anonymous.get_data(as_text=True)
    # The same 401 for an id that does not exist: nothing is learnt.
    missing = client.get("/api/v1/messages/99999?preview=true")
    assert missing.status_code == 401
    assert missing.get_json()["detail"] == anonymous.get_json()["detail"]


def test_preview_lists_and_bundles(reader_app, callers):
    client = reader_app.test_client()
    public = client.get("/api/v1/messages?campaign=sid-2017&limit=100").get_json()["data"]
    preview = client.get(
        "/api/v1/messages?campaign=sid-2017&limit=100&preview=true", headers=callers["editor"]
    )
    assert preview.headers["Cache-Control"].startswith("private")
    ids = {m["id"] for m in preview.get_json()["data"]}
    assert 20 in ids and 20 not in {m["id"] for m in public}
    # The anonymous list was cached first; the preview must not have been
    # served from it, and the anonymous one must not now come from the preview.
    again = client.get("/api/v1/messages?campaign=sid-2017&limit=100")
    assert 20 not in {m["id"] for m in again.get_json()["data"]}
    assert again.headers["Cache-Control"].startswith("public")
    bundle = client.get("/api/v1/campaigns/sid-2027/bundle?preview=true", headers=callers["editor"])
    assert bundle.status_code == 200
    assert 49 in {m["id"] for m in bundle.get_json()["data"]["messages"]}
    assert client.get("/api/v1/campaigns/sid-2027/bundle").status_code == 404


def test_token_without_preview_sees_published_only_but_privately(reader_app, callers):
    client = reader_app.test_client()
    response = client.get("/api/v1/messages?limit=100", headers=callers["admin"])
    assert response.headers["Cache-Control"].startswith("private")
    assert all(m["status"] != "draft" for m in response.get_json()["data"])


def test_bad_token_on_a_public_read_is_401_not_silently_anonymous(reader_app, callers):
    # A client with a broken token must find out, not quietly lose its drafts.
    response = reader_app.test_client().get("/api/v1/campaigns", headers=callers["revoked"])
    assert response.status_code == 401


def test_public_and_private_answers_never_share_a_cache_entry(reader_app, callers):
    client = reader_app.test_client()
    for first, second in ((None, "editor"), ("marketer", None)):
        path = f"/api/v1/messages?limit=3&kind=tip&audience={'general' if first else 'educators'}"
        one = client.get(path, headers=callers[first] if first else {})
        two = client.get(path, headers=callers[second] if second else {})
        assert one.get_data() == two.get_data()
        scopes = [r.headers["Cache-Control"].split(",")[0] for r in (one, two)]
        assert scopes == (["public", "private"] if first is None else ["private", "public"])
