"""Fixtures for the write-API tests: a fresh database per test, cloned fast.

Building a database (migrations, seed content, a token per role through the
CLI) takes about a second; the write tests need dozens of them. So it is
built once per session as a template and each test gets a copy: a SQLite
backup, or ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. Every test still
has a database of its own, so no test sees another's writes.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from tests.auth_helpers import token_set
from tests.conftest import fresh_database, make_app


@contextmanager
def clone_database(template_url: str, tmp_path: Path) -> Iterator[str]:
    url = make_url(template_url)
    if url.get_backend_name() == "sqlite":
        target = tmp_path / "clone.sqlite3"
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        yield f"sqlite:///{target}"
        return
    name = f"{url.database}_c{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def editing_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    """A migrated database with the seed content and a token for every caller."""
    tmp_path = tmp_path_factory.mktemp("editing-template")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        callers = token_set(app)
        app.extensions["sidcontent.db"].dispose()
        yield url, callers


@pytest.fixture()
def editing_app(editing_template: tuple[str, dict], tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of the test's own (a copy of the template)."""
    with clone_database(editing_template[0], tmp_path) as url:
        app = make_app(url, tmp_path, load_fixtures=False)
        yield app
        app.extensions["sidcontent.db"].dispose()


@pytest.fixture()
def callers(editing_template: tuple[str, dict]) -> dict[str, dict[str, str]]:
    """Authorization headers: anonymous, each role (t-<role>), and bad tokens."""
    return editing_template[1]
