"""Shared fixtures: an app on a migrated database with the seed content.

The suite runs on SQLite by default. Set SIDCONTENT_TEST_DATABASE_URL to run
it on PostgreSQL (``.ci/run`` does): each app gets a new database created
beside that one and dropped afterwards. The tests never read
SIDCONTENT_DATABASE_URL, so they cannot touch a real database by accident.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from sidcontent import create_app
from sidcontent.content import fixtures

# Fast per-test database copies for the write-API tests (editing_app, callers),
# and the end-of-run summary of skipped suites (tests/skip_summary.py).
pytest_plugins = ["tests.editing_fixtures", "tests.skip_summary"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TEST_DATABASE_URL = os.environ.get("SIDCONTENT_TEST_DATABASE_URL")
UNREACHABLE_LIMITS = {
    "RATE_LIMIT_AUTH_FAILURES": "1000000/minute",
    "RATE_LIMIT_WRITES": "1000000/minute",
    "RATE_LIMIT_EXPORTS": "1000000/minute",
}


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL database
    created beside the test one and dropped afterwards."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    base = make_url(TEST_DATABASE_URL)
    name = f"{base.database}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(
    database_url: str, tmp_path: Path, load_fixtures: bool = True, **overrides: object
) -> Flask:
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "TESTING": True,
        # The limiter runs in every test, but only the rate-limit tests
        # (test_rate_limits.py) build apps with limits low enough to reach.
        **UNREACHABLE_LIMITS,
    }
    settings.update(overrides)
    app = create_app(settings)
    database = app.extensions["sidcontent.db"]
    database.upgrade()
    if load_fixtures:
        with database.session() as session:
            fixtures.load(session, FIXTURES)
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One read-only app for the whole session; tests must not write through it."""
    tmp_path = tmp_path_factory.mktemp("app")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        yield app
        app.extensions["sidcontent.db"].dispose()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def fresh_app(tmp_path: Path) -> Iterator[Flask]:
    """An app of the test's own, for tests that change content."""
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        yield app
        app.extensions["sidcontent.db"].dispose()
