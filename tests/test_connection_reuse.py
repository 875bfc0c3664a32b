"""A server that starts a thread per request holds a bounded number of
database connections, however many requests it has served.

Found in CI's PostgreSQL pass: the live schemathesis suite (werkzeug's
threaded server, one thread a request) left one idle connection behind per
request thread until PostgreSQL answered "too many clients already".
"""

from __future__ import annotations

import os
import threading
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from tests.conftest import fresh_database, make_app

REQUESTS = 60
# The app's pool (5 kept, 10 overflow) plus a few threads still finishing.
BOUND = 20


def open_connections(database_url: str) -> int:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        # Each SQLite connection is an open descriptor on the database file.
        target = os.path.realpath(url.database or "")
        fds = Path("/proc/self/fd")
        return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == target)
    admin = create_engine(url.set(database="postgres"))
    try:
        with admin.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": url.database},
                ).scalar_one()
            )
    finally:
        admin.dispose()


@pytest.fixture()
def threaded_server(tmp_path):
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", url
        finally:
            server.shutdown()
            thread.join(10)
            app.extensions["sidcontent.db"].dispose()


def test_a_thread_per_request_does_not_keep_a_connection_each(threaded_server):
    base, database_url = threaded_server
    for number in range(REQUESTS):
        # Cached reads and uncached ones: both read the content generation.
        path = "/api/v1/messages" if number % 2 else f"/api/v1/messages?limit={number % 20 + 1}"
        with urllib.request.urlopen(base + path, timeout=30) as response:
            assert response.status == 200
    held = open_connections(database_url)
    assert held <= BOUND, f"{held} connections held after {REQUESTS} requests"
