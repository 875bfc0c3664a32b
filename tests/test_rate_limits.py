"""Rate limits: failed authentication per client address, writes and exports
per token, reads never; 429 problem+json with Retry-After and RateLimit-*.

Apps here are built with small limits (settings passed to create_app, as an
operator would set SIDCONTENT_RATE_LIMIT_*), so each limit is reached in a
few requests and its neighbours are seen not to be.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from sidcontent import config, create_app
from sidcontent.exports.store import ExportRow
from tests.auth_helpers import bearer, make_token
from tests.conftest import fresh_database, make_app

WRONG = bearer("sid_" + "W" * 43)
REDIS_URL = os.environ.get("SIDCONTENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture()
def limited(tmp_path: Path) -> Iterator[Any]:
    """``build(**settings)``: an app on a fresh database with those limits."""
    apps: list[Flask] = []
    with fresh_database(tmp_path) as url:

        def build(**settings: Any) -> Flask:
            app = make_app(url, tmp_path, load_fixtures=not apps, **settings)
            apps.append(app)
            return app

        yield build
        for app in apps:
            app.extensions["sidcontent.db"].dispose()


def _assert_429(response: Any) -> None:
    assert response.status_code == 429, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response.headers["RateLimit-Limit"].isdigit()
    assert response.headers["RateLimit-Remaining"] == "0"
    assert 1 <= int(response.headers["RateLimit-Reset"]) <= 60


def test_failed_authentication_is_limited_per_client_address(limited):
    app = limited(RATE_LIMIT_AUTH_FAILURES="3/minute")
    client = app.test_client()
    good = bearer(make_token(app, "good", "editor"))
    for _ in range(3):
        assert client.get("/api/v1/whoami", headers=WRONG).status_code == 401
    _assert_429(client.get("/api/v1/whoami", headers=WRONG))
    # The address is held for requests with a token, good ones too...
    _assert_429(client.get("/api/v1/whoami", headers=good))
    # ...but anonymous reads from it are never counted or held.
    assert client.get("/api/v1/campaigns").status_code == 200
    # Another address is counted on its own.
    other = {"REMOTE_ADDR": "192.0.2.7"}
    response = client.get("/api/v1/whoami", headers=WRONG, environ_base=other)
    assert response.status_code == 401


def test_successful_authentication_is_not_counted(limited):
    app = limited(RATE_LIMIT_AUTH_FAILURES="3/minute")
    client = app.test_client()
    good = bearer(make_token(app, "good", "editor"))
    for _ in range(10):
        assert client.get("/api/v1/whoami", headers=good).status_code == 200
    assert client.get("/api/v1/whoami", headers=WRONG).status_code == 401


def test_a_client_cannot_choose_its_address_with_x_forwarded_for(limited):
    app = limited(RATE_LIMIT_AUTH_FAILURES="3/minute")
    client = app.test_client()
    for n in range(3):
        spoofed = {**WRONG, "X-Forwarded-For": f"198.51.100.{n}"}
        assert client.get("/api/v1/whoami", headers=spoofed).status_code == 401
    _assert_429(client.get("/api/v1/whoami", headers={**WRONG, "X-Forwarded-For": "203.0.113.9"}))


def test_behind_a_trusted_proxy_the_forwarded_address_counts(limited):
    app = limited(RATE_LIMIT_AUTH_FAILURES="2/minute", TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"])
    client = app.test_client()

    def call(chain: str) -> int:
        headers = {**WRONG, "X-Forwarded-For": chain}
        return int(client.get("/api/v1/whoami", headers=headers).status_code)

    # Two proxies (10.1.2.3 then the socket's 127.0.0.1): the client is the
    # address before them; what the client itself wrote further left is not believed.
    assert [call("1.2.3.4, 198.51.100.1, 10.1.2.3") for _ in range(2)] == [401, 401]
    assert call("5.6.7.8, 198.51.100.1, 10.1.2.3") == 429
    assert call("198.51.100.2, 10.1.2.3") == 401  # another client behind the same proxies
    # A direct caller (not through the proxy) is counted by its socket address.
    direct = {"REMOTE_ADDR": "192.0.2.50"}
    response = client.get(
        "/api/v1/whoami", headers={**WRONG, "X-Forwarded-For": "198.51.100.1"}, environ_base=direct
    )
    assert response.status_code == 401


def test_writes_are_limited_per_token_and_reads_never(limited):
    app = limited(RATE_LIMIT_WRITES="3/minute")
    client = app.test_client()
    ann, bob = (bearer(make_token(app, name, "admin")) for name in ("ann", "bob"))
    for _ in range(3):  # refused writes (no If-Match) still cost a worker: counted
        assert client.patch("/api/v1/messages/1", json={}, headers=ann).status_code == 428
    _assert_429(client.patch("/api/v1/messages/1", json={}, headers=ann))
    _assert_429(client.post("/api/v1/themes", json={}, headers=ann))
    assert client.patch("/api/v1/messages/1", json={}, headers=bob).status_code == 428
    for _ in range(50):  # reads with the same token: never limited
        assert client.get("/api/v1/messages/1?preview=true", headers=ann).status_code == 200
    for _ in range(50):
        assert client.get("/api/v1/messages?limit=2").status_code == 200


def _exports(app: Flask) -> int:
    with app.extensions["sidcontent.db"].session() as session:
        return int(session.scalar(select(func.count()).select_from(ExportRow)) or 0)


def test_exports_are_limited_per_token_before_anything_runs(limited):
    app = limited(RATE_LIMIT_EXPORTS="2/minute")
    client = app.test_client()
    ann, bob = (bearer(make_token(app, name, "marketer")) for name in ("ann", "bob"))
    body = {"exporter": "calendar", "campaign": "sid-2017"}
    assert client.post("/api/v1/exports", json=body, headers=ann).status_code == 201
    assert client.post("/api/v1/exports", json=body, headers=ann).status_code == 200  # reused
    before = _exports(app)
    _assert_429(client.post("/api/v1/exports", json={**body, "locale": "fr"}, headers=ann))
    assert _exports(app) == before  # nothing ran, nothing recorded
    assert client.post("/api/v1/exports", json=body, headers=bob).status_code == 200
    # Writes and exports are separate budgets: this one is refused for its role.
    assert client.patch("/api/v1/messages/1", json={}, headers=ann).status_code == 403


def test_the_defaults_apply_without_settings(limited):
    defaults = {name: config.DEFAULTS[name] for name in ("RATE_LIMIT_AUTH_FAILURES",)}
    assert defaults["RATE_LIMIT_AUTH_FAILURES"] == "20/minute"
    app = limited(**defaults)
    client = app.test_client()
    statuses = [client.get("/api/v1/whoami", headers=WRONG).status_code for _ in range(21)]
    assert statuses == [401] * 20 + [429]


def test_counters_are_shared_through_redis(limited):
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    connection.flushdb()  # our own database number only (SIDCONTENT_TEST_REDIS_URL)
    try:
        # Two apps on one Redis: two processes behind one proxy, as deployed.
        first = limited(RATE_LIMIT_AUTH_FAILURES="3/minute", REDIS_URL=REDIS_URL)
        second = limited(RATE_LIMIT_AUTH_FAILURES="3/minute", REDIS_URL=REDIS_URL)
        for _ in range(2):
            assert first.test_client().get("/api/v1/whoami", headers=WRONG).status_code == 401
        assert second.test_client().get("/api/v1/whoami", headers=WRONG).status_code == 401
        _assert_429(first.test_client().get("/api/v1/whoami", headers=WRONG))
        _assert_429(second.test_client().get("/api/v1/whoami", headers=WRONG))
    finally:
        connection.flushdb()
        connection.close()


@pytest.mark.parametrize(
    ("setting", "value"),
    [("RATE_LIMIT_WRITES", "lots"), ("TRUSTED_PROXIES", ["10.0.0.300"])],
)
def test_a_bad_setting_stops_start_up_naming_it(tmp_path, setting, value):
    with pytest.raises(ValueError, match=setting if setting != "TRUSTED_PROXIES" else "10.0.0.300"):
        create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "INSTANCE_PATH": str(tmp_path),
                "SECRET_KEY": "x",
                setting: value,
            }
        )


def test_environment_settings_are_parsed():
    settings = config.from_environ(
        {
            "SIDCONTENT_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
            "SIDCONTENT_RATE_LIMITS_ENABLED": "off",
            "SIDCONTENT_RATE_LIMIT_EXPORTS": "5/minute",
        }
    )
    assert settings["TRUSTED_PROXIES"] == ["127.0.0.1", "10.0.0.0/8"]
    assert settings["RATE_LIMITS_ENABLED"] is False
    assert settings["RATE_LIMIT_EXPORTS"] == "5/minute"
