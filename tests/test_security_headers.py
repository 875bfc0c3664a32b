"""Security headers, request ids and log lines.

Every kind of answer (JSON, a problem, a 304, a cached read, the /docs page,
a static asset) carries the same security headers and an X-Request-Id; log
lines carry the id too, and never a token, a token's hash or a SQL parameter.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re

import pytest
from flask import g
from sqlalchemy import text

from sidcontent import logs
from sidcontent.api import errors, security
from sidcontent.content import tokens
from tests.auth_helpers import bearer, make_token
from tests.conftest import make_app


def _answers(client):
    ok = client.get("/api/v1/campaigns/sid-2017")
    yield "json", ok
    yield "cached", client.get("/api/v1/campaigns/sid-2017")
    yield (
        "304",
        client.get("/api/v1/campaigns/sid-2017", headers={"If-None-Match": ok.headers["ETag"]}),
    )
    yield "problem", client.get("/api/v1/campaigns/no-such")
    yield "400", client.get("/api/v1/messages?limit=500")
    yield "405", client.delete("/healthz")
    yield "docs", client.get("/docs/")
    asset = client.get("/docs/swagger-ui.css")
    asset.close()
    yield "asset", asset
    yield "healthz", client.get("/healthz")


def test_every_answer_carries_the_security_headers_and_a_request_id(client):
    ids = set()
    for name, response in _answers(client):
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "no-referrer", name
        assert "default-src 'none'" in headers["Content-Security-Policy"], name
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], name
        assert "Strict-Transport-Security" not in headers, name  # off by default
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"]), name
        ids.add(headers["X-Request-Id"])
    assert len(ids) == 9  # one per request


def test_a_304_carries_the_policy_of_the_json_it_revalidates(client):
    # A 304 updates the headers a cache stored with the 200 it stands for.
    for url in ("/api/v1/messages?limit=2", "/api/v1/campaigns/sid-2017"):
        ok = client.get(url)
        again = client.get(url, headers={"If-None-Match": ok.headers["ETag"]})
        assert again.status_code == 304
        assert again.headers["Content-Security-Policy"] == security.API_POLICY, url
        assert ok.headers["Content-Security-Policy"] == security.API_POLICY, url
        assert "Content-Type" not in again.headers and not again.data


def test_docs_csp_allows_only_its_own_inline_script_by_hash(client):
    response = client.get("/docs/")
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    scripts = re.findall(rb"<script>(.*?)</script>", response.get_data(), re.DOTALL)
    assert scripts, "the page has its inline initialiser"
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"].startswith("'self' 'sha256-")
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"


def test_hsts_when_configured(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'h.sqlite3'}", tmp_path, HSTS_MAX_AGE=31536000)
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    app.extensions["sidcontent.db"].dispose()


def test_request_id_is_taken_only_from_a_trusted_proxy(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", tmp_path, TRUSTED_PROXIES=["10.0.0.1"])
    client = app.test_client()
    sent = {"X-Request-Id": "edge-42.abc"}
    direct = client.get("/healthz", headers=sent)
    assert direct.headers["X-Request-Id"] != "edge-42.abc"  # anyone could send it
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get("/healthz", headers=sent, environ_base=proxy).headers["X-Request-Id"] == (
        "edge-42.abc"
    )
    hostile = {"X-Request-Id": "x\x1b[2J" + "a" * 200}
    replaced = client.get("/healthz", headers=hostile, environ_base=proxy).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    app.extensions["sidcontent.db"].dispose()


@pytest.fixture()
def json_logged(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'l.sqlite3'}", tmp_path, LOG_FORMAT="json")
    secret = make_token(app, "logged", "admin")
    # The CLI (make_token) built an app of its own in this process, which
    # set up logging again: set it up as the JSON app did, onto a buffer.
    handler = logs.configure(app.config["LOG_FORMAT"])
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    yield app, stream, secret
    app.extensions["sidcontent.db"].dispose()
    logs.configure("text")  # back to what the other tests' apps use


def test_json_log_lines_carry_the_request_id_and_no_secret(json_logged):
    app, stream, secret = json_logged
    client = app.test_client()
    secret_param = "never-log-this-parameter-7f3a"
    with app.test_request_context("/api/v1/whoami", headers=bearer(secret)):
        app.preprocess_request()
        rid = g.sid_request_id
        # A statement that fails with a parameter, logged as an unhandled error is.
        with app.extensions["sidcontent.db"].engine.connect() as conn:
            try:
                conn.execute(
                    text(
                        "INSERT INTO content_state (id, generation, changed_at) VALUES (1, :x, :x)"
                    ),
                    {"x": secret_param},
                )
            except Exception as exc:  # noqa: BLE001 - any driver error will do
                assert errors.internal_error(exc).status_code == 500
    client.get("/api/v1/whoami", headers=bearer(secret))
    client.get("/api/v1/whoami", headers=bearer("sid_" + "Z" * 43))
    client.patch("/api/v1/messages/1", headers=bearer(secret), json={"link": secret_param})
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    logged = [r for r in records if r["level"] == "ERROR" and r["request_id"] == rid]
    assert logged and "exception" in logged[0], records  # the traceback is there...
    everything = "\n".join(lines)
    for forbidden in (secret, tokens.digest(secret), secret_param, "Z" * 43):
        assert forbidden not in everything  # ...but no secret and no parameter


def test_log_format_must_be_known(tmp_path):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path, LOG_FORMAT="xml")
