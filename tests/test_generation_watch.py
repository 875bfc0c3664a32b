"""PostgreSQL pushes each write's generation; cached reads stop asking for it.

Two apps on one database stand for two server processes: each has its own
engine, connections and listener, so a write through one reaches the other
only through PostgreSQL (``NOTIFY``), exactly as between gunicorn workers.
Runs in the PostgreSQL pass (``.ci/run``); SQLite has no notifications.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from sidcontent.generation_watch import WATCH_APPLICATION_NAME
from tests.auth_helpers import bearer, make_token
from tests.conftest import TEST_DATABASE_URL, fresh_database, make_app

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="PostgreSQL only: SQLite has no notifications (.ci/run runs this)",
)

LIST = "/api/v1/messages?limit=5"


def _until(check: Callable[[], Any], seconds: float = 5.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


@pytest.fixture()
def two(tmp_path: Path) -> Iterator[tuple[Flask, Flask, str]]:
    """Two apps ("processes") on one fresh database, and its URL."""
    with fresh_database(tmp_path) as url:
        reader = make_app(url, tmp_path / "reader")
        writer = make_app(url, tmp_path / "writer", load_fixtures=False)
        yield reader, writer, url
        for app in (reader, writer):
            app.extensions["sidcontent.db"].dispose()


def _admin(url: str) -> Any:
    return create_engine(make_url(url), isolation_level="AUTOCOMMIT")


def _listeners(url: str) -> list[int]:
    """Backends of this database that LISTEN for generations."""
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = :name"
                ),
                {"name": WATCH_APPLICATION_NAME},
            )
            return [row.pid for row in rows]
    finally:
        engine.dispose()


@contextmanager
def _generation_table_away(url: str) -> Iterator[None]:
    """``content_state`` renamed for the block: a read that asks for the generation fails."""
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("ALTER TABLE content_state RENAME TO content_state_away"))
        try:
            yield
        finally:
            with engine.connect() as conn:
                conn.execute(text("ALTER TABLE content_state_away RENAME TO content_state"))
    finally:
        engine.dispose()


def _edit(app: Flask, message_id: int, headline: str) -> None:
    client = app.test_client()
    auth = bearer(make_token(app, f"editor-{time.monotonic_ns()}", "editor"))
    current = client.get(f"/api/v1/messages/{message_id}?preview=true", headers=auth)
    answer = client.patch(
        f"/api/v1/messages/{message_id}",
        json={"translations": {"en": {"headline": headline}}},
        headers={**auth, "If-Match": current.headers["ETag"]},
    )
    assert answer.status_code == 200, answer.get_json()


def _headlines(app: Flask) -> list[str]:
    answer = app.test_client().get(LIST)
    assert answer.status_code == 200
    return [item["headline"] for item in answer.get_json()["data"]]


def _warm(app: Flask, url: str) -> None:
    """Serve a read (which starts the listener) and wait for it to LISTEN."""
    _headlines(app)
    assert _until(lambda: _listeners(url)), "no listener started"
    time.sleep(0.2)  # it reads the generation right after LISTEN


def test_a_write_in_another_process_reaches_cached_reads(two):
    reader, writer, url = two
    _warm(reader, url)
    first = _headlines(reader)[0]
    _edit(writer, 1, "Heard through NOTIFY")
    assert _until(lambda: _headlines(reader)[0] == "Heard through NOTIFY", 2.0), first


def test_cached_reads_do_not_ask_the_database_for_the_generation(two):
    reader, _writer, url = two
    _warm(reader, url)
    before = reader.test_client().get(LIST)
    with _generation_table_away(url):
        # With the generation pushed, a cache hit and its 304 need no table.
        again = reader.test_client().get(LIST)
        revalidated = reader.test_client().get(
            LIST, headers={"If-None-Match": before.headers["ETag"]}
        )
    assert again.status_code == 200 and again.data == before.data
    assert revalidated.status_code == 304


def test_without_notifications_every_read_asks(tmp_path):
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path, GENERATION_NOTIFY=False)
        try:
            _headlines(app)
            time.sleep(0.3)
            assert _listeners(url) == []
            with _generation_table_away(url):
                answer = app.test_client().get(LIST)
            assert answer.status_code >= 500  # it asked, and the table was gone
        finally:
            app.extensions["sidcontent.db"].dispose()


def test_a_write_in_this_process_is_seen_by_the_very_next_read(two):
    reader, _writer, url = two
    _warm(reader, url)
    _headlines(reader)
    for n in range(5):  # no waiting between the write and the read
        _edit(reader, 1, f"Seen at once ({n})")
        assert _headlines(reader)[0] == f"Seen at once ({n})"


def test_a_lost_listener_connection_is_replaced_and_nothing_is_missed(two):
    reader, writer, url = two
    _warm(reader, url)
    [listener] = _listeners(url)
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listener})
    finally:
        engine.dispose()
    # Written while the listener is down or reconnecting: read anyway.
    _edit(writer, 1, "Written while nobody listened")
    assert _until(lambda: _headlines(reader)[0] == "Written while nobody listened", 3.0)
    replaced = _until(lambda: [pid for pid in _listeners(url) if pid != listener])
    assert replaced, "the listener did not come back"
    time.sleep(0.2)
    _edit(writer, 1, "Heard by the new listener")
    assert _until(lambda: _headlines(reader)[0] == "Heard by the new listener", 2.0)


def test_a_notification_it_cannot_read_changes_nothing_it_serves(two):
    reader, writer, url = two
    _warm(reader, url)
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_notify('sidcontent_generation', 'not a number')"))
            conn.execute(text("SELECT pg_notify('sidcontent_generation', '99999999999')"))
    finally:
        engine.dispose()
    _edit(writer, 1, "After the noise")
    assert _until(lambda: _headlines(reader)[0] == "After the noise", 3.0)


def test_a_dropped_app_lets_its_listener_go(tmp_path):
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        _warm(app, url)
        app.extensions["sidcontent.db"].dispose()
        assert _until(lambda: not _listeners(url), 3.0), "listener still connected"
