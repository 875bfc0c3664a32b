"""Webhooks from real processes: `sidcontent serve` and `sidcontent worker`.

- with a broker, the web process never delivers and the Celery worker does
  (one that started before any endpoint existed too), including a schedule
  that passes with no write;
- a server that has served no request still delivers what is waiting;
- the server killed (-9) between a change and its delivery, with the
  receiver down at that moment, then restarted: every event arrives, once
  per ``webhook-id`` after deduplication.

The receiver is real (loopback) and verifies with ``standardwebhooks``.
On SQLite, or PostgreSQL with ``SIDCONTENT_TEST_DATABASE_URL``. The broker
test needs Redis at ``SIDCONTENT_TEST_REDIS_URL`` (tests/needs.py: skipped
without it, failed under ``CI``); only that database number is flushed.
"""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests import needs
from tests.auth_helpers import bearer, make_token
from tests.conftest import fresh_database, make_app
from tests.queue_cluster import redis_database, wait_for
from tests.servers import SIDCONTENT, Process, Server, environment, free_port
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.slow


@pytest.fixture()
def redis_url():
    """``SIDCONTENT_TEST_REDIS_URL``'s database, emptied before and after."""
    with redis_database():
        yield needs.redis_url()


@pytest.fixture()
def database(tmp_path):
    """A database of the test's own with the seed content, and an admin token."""
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path / "setup")
        token = bearer(make_token(app, "admin", "admin"))
        app.extensions["sidcontent.db"].dispose()
        yield url, token


@pytest.fixture()
def processes():
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


def _env(url: str, instance: Path, **extra: str) -> dict[str, str]:
    return environment(url, instance, SIDCONTENT_WEBHOOK_ALLOW_PRIVATE="1", **extra)


def _call(server: Server, token: dict, method: str, path: str, body: dict | None = None):
    headers = {**token, "Content-Type": "application/json"}
    status, _, raw = server.request(method, path, headers, json.dumps(body) if body else None)
    return status, json.loads(raw) if raw else None


def _subscribe(server: Server, token: dict, receiver: Receiver) -> dict:
    status, body = _call(server, token, "POST", "/api/v1/webhooks", {"url": receiver.url})
    assert status == 201, body
    receiver.secret = body["data"]["secret"]
    return body["data"]


def _archive(server: Server, token: dict, message: int) -> None:
    status, body = _call(server, token, "POST", f"/api/v1/messages/{message}/archive")
    assert status == 200, body


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def test_with_a_broker_the_worker_delivers_and_the_web_process_never(
    database, redis_url, processes, tmp_path
):
    url, token = database
    receiver = Receiver()
    try:
        env = _env(url, tmp_path / "web", SIDCONTENT_BROKER_URL=redis_url)
        web = Server(env, tmp_path / "serve.log", "--workers", "1", "--threads", "4")
        processes.append(web)
        web.wait_ready()
        worker_env = _env(url, tmp_path / "worker", SIDCONTENT_BROKER_URL=redis_url)

        def worker(label: str) -> Process:
            started = Process(
                [SIDCONTENT, "worker", "--concurrency", "1"],
                worker_env,
                tmp_path / f"worker-{label}.log",
            )
            processes.append(started)
            return started

        # A worker that started with no endpoint begins delivering when one is made.
        first = worker("1")
        # Booted (its pool up, polling) before any endpoint exists.
        assert wait_for(lambda: " ready." in first.output(), 90), first.output()[-2000:]
        _subscribe(web, token, receiver)
        _archive(web, token, 10)
        receiver.wait_for(1, timeout=90)
        first.stop()

        _archive(web, token, 8)
        # A schedule that passes with no write, while no worker runs.
        when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
        status, body = _call(
            web, token, "POST", "/api/v1/messages/20/publish", {"publish_at": _iso(when)}
        )
        assert status == 200 and body["data"]["status"] == "scheduled", body
        time.sleep(max(0.0, (when - datetime.now(UTC)).total_seconds()) + 4.5)
        assert len(receiver.requests) == 1, "a web process with a broker must not deliver"

        second = worker("2")
        receiver.wait_for(3, timeout=90)
        # A write while the worker runs reaches the receiver through it too.
        _archive(web, token, 9)
        receiver.wait_for(4, timeout=30)
        time.sleep(3)  # more polls: nothing more may come
        payloads = receiver.verified()
        assert [(p["type"], p["data"]["id"], p["data"]["action"]) for p in payloads] == [
            ("content.unpublished", 10, "archive"),
            ("content.unpublished", 8, "archive"),
            ("content.published", 20, "go-live"),
            ("content.unpublished", 9, "archive"),
        ], second.output()[-3000:]
        assert payloads[2]["timestamp"] == _iso(when)
        sent_by = {r["headers"]["user-agent"] for r in receiver.requests}
        assert all(agent.startswith("sidcontent-webhooks/") for agent in sent_by)
    finally:
        receiver.close()


def test_a_killed_server_delivers_after_restart_exactly_once_per_id(database, processes, tmp_path):
    url, token = database
    port = free_port()
    receiver = Receiver(port)
    env = _env(url, tmp_path / "web")
    first = Server(env, tmp_path / "serve-1.log", "--workers", "1", "--threads", "4")
    processes.append(first)
    first.wait_ready()
    endpoint = _subscribe(first, token, receiver)
    receiver.close()  # the receiver goes down
    for message in (8, 9, 10):
        _archive(first, token, message)
    # Between the change and its delivery: the server dies.
    first.stop(signal.SIGKILL)

    receiver = Receiver(port)
    receiver.secret = endpoint["secret"]
    try:
        # The new server serves no request: it must deliver all the same.
        second = Server(env, tmp_path / "serve-2.log", "--workers", "2", "--threads", "4")
        processes.append(second)
        receiver.wait_for(3, timeout=90)
        time.sleep(4)  # retries that were due come and go: nothing new
        payloads = receiver.verified()
        unique = {p["webhook-id"]: p for p in payloads}
        assert sorted(p["data"]["id"] for p in unique.values()) == [8, 9, 10]
        assert {p["type"] for p in unique.values()} == {"content.unpublished"}
        assert len(payloads) == len(unique), "each webhook-id once: no delivery twice"
        assert "GET /" not in second.output(), "the second server served no request"
    finally:
        receiver.close()
