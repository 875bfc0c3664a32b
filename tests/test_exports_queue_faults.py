"""Queued exports that nobody will finish, on real processes: `sidcontent
serve`, `sidcontent worker`s, PostgreSQL and Redis.

Each way a job can be lost ends with the record failed or done, and with
exactly one ``export.*`` event in the outbox (what webhooks deliver):

- its message lost before any worker took it (Redis flushed): queued again
  once, at the queue deadline, and run;
- no worker at all: queued again once, then failed naming the missing worker;
- a worker without the exporter's plugin: failed by that worker;
- the process running it killed every time: failed as lost after 3 runs;
- the whole worker killed: reaped as lost past the hard limit.

Runs in the PostgreSQL pass (see tests/queue_cluster.py); give it a Redis
database of its own with ``SIDCONTENT_TEST_REDIS_URL`` (it is flushed).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests import needs
from tests.auth_helpers import bearer, make_token
from tests.conftest import make_app
from tests.pluginkit import write_plugins
from tests.queue_cluster import (
    QUEUE_NAME,
    SLOW,
    alive,
    export_events,
    post,
    postgresql_database,
    record,
    redis_database,
    wait,
    wait_for,
)
from tests.servers import SIDCONTENT, Process, Server, children, environment

pytestmark = pytest.mark.slow

EXPORT_TIMEOUT = 6  # seconds: the queue's hard limit is this + 20
DEADLINE = 5  # SIDCONTENT_EXPORT_QUEUE_DEADLINE: queued again at 5 s, failed at 10 s


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("faults")
    with postgresql_database(tmp_path) as database, redis_database() as redis:
        plugins = write_plugins(tmp_path / "plugins", {"slow": SLOW})
        app = make_app(database, tmp_path / "setup", PLUGINS_DIR=str(plugins))
        token = bearer(make_token(app, "marketer", "marketer"))
        app.extensions["sidcontent.db"].dispose()
        shared = {
            "SIDCONTENT_BROKER_URL": needs.redis_url(),
            "SIDCONTENT_ARTIFACT_STORE": "database",
            "SIDCONTENT_EXPORT_TIMEOUT": str(EXPORT_TIMEOUT),
            "SIDCONTENT_EXPORT_QUEUE_DEADLINE": str(DEADLINE),
        }
        processes: list[Process] = []
        server = Server(
            environment(database, tmp_path / "a", SIDCONTENT_PLUGINS_DIR=str(plugins), **shared),
            tmp_path / "serve.log",
            "--workers",
            "1",
            "--threads",
            "4",
        )
        processes.append(server)

        def start_worker(
            label: str, with_plugins: bool = True, concurrency: int = 1, deadline: int = 600
        ) -> Process:
            extra = {"SIDCONTENT_PLUGINS_DIR": str(plugins)} if with_plugins else {}
            # Workers reap too (when they start and at each job); a long
            # deadline of their own leaves the test's polls of server A to
            # decide when a queued job is queued again or failed.
            env = environment(database, tmp_path / f"w-{label}", **shared, **extra)
            env["SIDCONTENT_EXPORT_QUEUE_DEADLINE"] = str(deadline)
            worker = Process(
                [SIDCONTENT, "worker", "--concurrency", str(concurrency)],
                env,
                tmp_path / f"worker-{label}.log",
            )
            processes.append(worker)
            # Consuming: booting takes seconds on a busy machine, and a job
            # must not reach its second deadline for want of a worker.
            assert wait_for(lambda: " ready." in worker.output(), 90), worker.output()[-2000:]
            return worker

        try:
            server.wait_ready()
            yield {
                "a": server,
                "token": token,
                "redis": redis,
                "database": database,
                "start_worker": start_worker,
            }
        finally:
            for process in processes:
                process.stop()


def _queued(cluster: dict[str, Any], tag: str, seconds: float = 0.0) -> str:
    body = {"exporter": "slow", "campaign": "sid-2017", "options": {"seconds": seconds, "tag": tag}}
    status, _, answer = post(cluster["a"], cluster["token"], body)
    assert status == 202, answer
    return str(answer["data"]["id"])


def _drained(redis: Any) -> bool:
    """No message waiting nor being worked on (kombu's unacknowledged set)."""
    return bool(redis.llen(QUEUE_NAME) == 0 and redis.hlen("unacked") == 0)


def _exporting(worker: Process) -> list[int]:
    """The worker's pool processes that have an export child running."""
    return [pid for pid in children(worker.pid) if children(pid)]


def _all_gone(pids: list[int]) -> bool:
    return wait_for(lambda: not any(alive(pid) for pid in pids), 10)


def test_a_lost_message_is_queued_again_once_and_runs(cluster):
    redis = cluster["redis"]
    export_id = _queued(cluster, "flushed")
    assert redis.llen(QUEUE_NAME) == 1
    redis.flushdb()  # the broker loses the message: no worker will ever see it
    # Nothing polls before the worker is up; the next poll past the deadline
    # queues the job again.
    worker = cluster["start_worker"]("flushed")
    try:
        done = wait(cluster["a"], cluster["token"], export_id, timeout=60)
        assert done["status"] == "succeeded", (done, worker.output()[-2000:])
        status, _, content = cluster["a"].request("GET", done["artifact"]["url"], cluster["token"])
        assert (status, content) == (200, b"flushed")
        assert export_events(cluster["database"], export_id) == ["export.succeeded"]
    finally:
        worker.stop()


def test_a_lost_message_is_found_by_the_worker_with_nobody_polling(cluster):
    # A client waiting for the export.* webhook never polls: the worker's own
    # timer (every deadline / 4) must notice. Its deadline outlasts its boot,
    # so the reaping it does when it starts finds nothing yet.
    redis = cluster["redis"]
    export_id = _queued(cluster, "unpolled")
    redis.flushdb()
    started = time.monotonic()
    worker = cluster["start_worker"]("timer", deadline=20)
    try:
        assert wait_for(
            lambda: export_events(cluster["database"], export_id) == ["export.succeeded"], 90
        ), worker.output()[-2000:]
        assert time.monotonic() - started < 90
    finally:
        worker.stop()
    assert record(cluster["a"], cluster["token"], export_id)["status"] == "succeeded"


def test_a_job_no_worker_takes_fails_once_naming_the_missing_worker(cluster):
    redis = cluster["redis"]
    export_id = _queued(cluster, "nobody")
    started = time.monotonic()
    failed = wait(cluster["a"], cluster["token"], export_id, timeout=60)
    assert failed["status"] == "failed", failed
    assert time.monotonic() - started >= DEADLINE  # at twice the deadline, not before
    assert failed["error_type"] == "lost"
    assert "queued again" in failed["error"] and "sidcontent worker" in failed["error"]
    assert redis.llen(QUEUE_NAME) == 2  # the first message and one more, no third
    assert export_events(cluster["database"], export_id) == ["export.failed"]
    # A worker that turns up later takes both messages and changes nothing.
    worker = cluster["start_worker"]("late")
    try:
        assert wait_for(lambda: _drained(redis), 60), worker.output()[-2000:]
        assert record(cluster["a"], cluster["token"], export_id)["status"] == "failed"
        assert export_events(cluster["database"], export_id) == ["export.failed"]
    finally:
        worker.stop()


def test_a_job_queued_again_while_its_message_waits_is_finished_once(cluster):
    redis = cluster["redis"]
    export_id = _queued(cluster, "twice", seconds=2)
    # Polled past the deadline with no worker: a second message for one job.
    assert wait_for(
        lambda: record(cluster["a"], cluster["token"], export_id) and redis.llen(QUEUE_NAME) == 2,
        3 * DEADLINE,
    )
    # Two processes take the two messages at once; the record is settled,
    # and announced, by one of them only.
    worker = cluster["start_worker"]("twice", concurrency=2)
    try:
        assert wait_for(lambda: _drained(redis), 60), worker.output()[-2000:]
        done = record(cluster["a"], cluster["token"], export_id)
        assert done["status"] == "succeeded", done
        assert export_events(cluster["database"], export_id) == ["export.succeeded"]
    finally:
        worker.stop()


def test_a_worker_without_the_plugin_fails_the_export_once(cluster):
    worker = cluster["start_worker"]("bare", with_plugins=False)
    try:
        export_id = _queued(cluster, "bare")
        failed = wait(cluster["a"], cluster["token"], export_id, timeout=60)
        assert (failed["status"], failed["error_type"]) == ("failed", "export-error"), failed
        assert "could not run" in failed["error"] and "slow" in failed["error"]
        assert wait_for(lambda: _drained(cluster["redis"]), 30)
        assert export_events(cluster["database"], export_id) == ["export.failed"]
    finally:
        worker.stop()


def test_a_run_killed_every_time_fails_as_lost_once(cluster):
    worker = cluster["start_worker"]("killed")
    try:
        export_id = _queued(cluster, "killed", seconds=EXPORT_TIMEOUT - 1)
        for _ in range(3):  # MAX_ATTEMPTS runs, each one's process killed
            assert wait_for(lambda: bool(_exporting(worker)), 30), worker.output()[-2000:]
            pool = _exporting(worker)
            sandboxes = [pid for p in pool for pid in children(p)]
            for pid in pool:
                os.kill(pid, signal.SIGKILL)
            assert _all_gone(sandboxes)
        failed = wait(cluster["a"], cluster["token"], export_id, timeout=60)
        assert (failed["status"], failed["error_type"]) == ("failed", "lost"), failed
        assert "3 times" in failed["error"]
        assert export_events(cluster["database"], export_id) == ["export.failed"]
    finally:
        worker.stop()


def test_a_whole_worker_killed_is_reaped_as_lost_once(cluster):
    worker = cluster["start_worker"]("gone")
    export_id = _queued(cluster, "gone", seconds=EXPORT_TIMEOUT - 1)
    running = wait(cluster["a"], cluster["token"], export_id, until=("running",), timeout=30)
    assert running["status"] == "running", running
    worker.stop(signal.SIGKILL)  # its whole process group: pool and export child too
    failed = wait(cluster["a"], cluster["token"], export_id, timeout=EXPORT_TIMEOUT + 60)
    assert (failed["status"], failed["error_type"]) == ("failed", "lost"), failed
    assert "still running after" in failed["error"]
    assert export_events(cluster["database"], export_id) == ["export.failed"]
    # Polling again reaps nothing twice.
    assert record(cluster["a"], cluster["token"], export_id)["finished_at"] == failed["finished_at"]
    assert export_events(cluster["database"], export_id) == ["export.failed"]
