"""Every route answers errors as RFC 9457 problem+json, 404 and 405 included."""

from __future__ import annotations

import pytest

PROBLEM_KEYS = {"type", "title", "status"}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/docs"):
            continue
        yield rule


def sample_url(rule) -> str:
    """The rule with each argument filled in with a plausible value."""
    url = rule.rule
    while "<" in url:
        start = url.index("<")
        end = url.index(">", start)
        numeric = "int" in url[start:end] or "id" in url[start:end]
        url = url[:start] + ("1" if numeric else "sid-2017") + url[end + 1 :]
    return url


def assert_problem(response, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert PROBLEM_KEYS <= set(body)
    assert body["status"] == status
    assert body["type"].startswith("https://")


def test_every_route_answers_405_as_a_problem_with_allow(app, client):
    # One path may be served by several rules (reads and writes are separate
    # views), so a method is "not allowed" only if no rule for the path takes it.
    methods: dict[str, set[str]] = {}
    for rule in routes(app):
        methods.setdefault(rule.rule, set()).update(rule.methods)
    checked = 0
    for rule in routes(app):
        url = sample_url(rule)
        for method in ("PUT", "DELETE", "PATCH", "POST"):
            if method in methods[rule.rule]:
                continue
            response = client.open(url, method=method)
            assert_problem(response, 405)
            allowed = {m.strip() for m in response.headers["Allow"].split(",")}
            assert allowed == methods[rule.rule], url
            checked += 1
    assert checked > 20


@pytest.mark.parametrize(
    "url", ["/nope", "/api/v1/nope", "/api/v1/messages/1/nope", "/api/v2/messages", "/%00"]
)
def test_unknown_urls_are_404_problems(client, url):
    assert_problem(client.get(url), 404)


def test_500_is_a_problem_without_a_traceback(fresh_app):
    @fresh_app.get("/boom")
    def boom():
        raise RuntimeError("secret connection string postgres://u:p@h/db")

    response = fresh_app.test_client().get("/boom")
    assert_problem(response, 500)
    text = response.get_data(as_text=True)
    assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "ready"


def test_readiness_fails_on_an_unmigrated_database(tmp_path):
    from sidcontent import create_app

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    response = app.test_client().get("/readyz")
    assert_problem(response, 503)
    assert "sidcontent db upgrade" in response.get_json()["detail"]
