"""What the queue suites on real processes share: a throwaway PostgreSQL
database, a Redis database of their own, and HTTP helpers for export records.

They need PostgreSQL, so they run in ``.ci/run``'s PostgreSQL pass
(``SIDCONTENT_TEST_DATABASE_URL`` set) and skip in its SQLite pass, CI or
not: running them twice would test the same thing twice. In the PostgreSQL
pass a missing Redis fails under CI (``tests.needs``), never a quiet skip.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, select

from sidcontent.content.events import OutboxEvent
from tests import needs
from tests.conftest import TEST_DATABASE_URL, fresh_database
from tests.pluginkit import exporter_source
from tests.servers import Server

QUEUE_NAME = "sidcontent.exports"  # the Redis list Celery keeps our messages in

# An exporter that takes as long as it is told to, and returns its tag.
SLOW = exporter_source(
    "slow",
    """
    import time
    time.sleep(float(options.get("seconds", 0)))
    return Artifact("slow.txt", "text/plain", options.get("tag", "").encode() or b"done")
    """,
).replace(
    "class E(Exporter):",
    "from marshmallow import Schema, fields\n\n"
    "class Options(Schema):\n"
    "    seconds = fields.Float(load_default=0)\n"
    "    tag = fields.String(load_default='')\n\n"
    "class E(Exporter):\n"
    "    options_schema = Options",
)


@contextmanager
def postgresql_database(tmp_path: Path) -> Iterator[str]:
    """A new PostgreSQL database beside the test one, dropped afterwards."""
    if not TEST_DATABASE_URL:
        pytest.skip("runs in the PostgreSQL pass (set SIDCONTENT_TEST_DATABASE_URL; .ci/run does)")
    if make_url(TEST_DATABASE_URL).get_backend_name() != "postgresql":
        pytest.fail(f"SIDCONTENT_TEST_DATABASE_URL is not PostgreSQL: {TEST_DATABASE_URL}")
    with fresh_database(tmp_path) as url:
        yield url


@contextmanager
def redis_database() -> Iterator[Any]:
    """A client on ``SIDCONTENT_TEST_REDIS_URL``'s database, emptied before and after.

    Only that database number is flushed: give each suite run its own.
    """
    import redis

    url = needs.redis_url()
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        needs.require(False, f"Redis does not answer at {url}: {exc}", "see tests/needs.py")
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def post(server: Server, token: dict[str, str], body: dict[str, Any]) -> tuple[int, dict, dict]:
    status, headers, raw = server.request(
        "POST", "/api/v1/exports", {**token, "Content-Type": "application/json"}, json.dumps(body)
    )
    return status, headers, json.loads(raw)


def record(server: Server, token: dict[str, str], export_id: str) -> dict[str, Any]:
    status, _, raw = server.request("GET", f"/api/v1/exports/{export_id}", token)
    assert status == 200, raw[:300]
    return dict(json.loads(raw)["data"])


def wait(
    server: Server,
    token: dict[str, str],
    export_id: str,
    until: tuple[str, ...] = ("succeeded", "failed"),
    timeout: float = 120.0,
) -> dict[str, Any]:
    """Poll the record (as a client would) until its status is one of ``until``."""
    deadline = time.monotonic() + timeout
    while True:
        found = record(server, token, export_id)
        if found["status"] in until or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def export_events(database_url: str, export_id: str) -> list[str]:
    """The ``export.*`` event types in the outbox (what webhooks deliver) for one record."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(OutboxEvent.type, OutboxEvent.payload).order_by(OutboxEvent.seq)
            ).all()
    finally:
        engine.dispose()
    return [kind for kind, payload in rows if payload.get("data", {}).get("id") == export_id]
