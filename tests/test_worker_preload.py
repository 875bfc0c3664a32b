"""``sidcontent worker`` preloads every exporter once, and its exports inherit that.

A real worker (Celery over Redis) runs a queued export of a drop-in plugin
whose ``preload()`` notes the pid it ran in. The artifact, made in the child
the worker forks for that export, must show that the worker's own process
ran the preload before forking: what a preload loads is paid once per
worker, not once per export, and never by the web process that queued it.

Needs Redis on 127.0.0.1 (``SIDCONTENT_TEST_REDIS_URL``): skipped otherwise,
failed instead under ``CI``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pluginkit import marketer_client, plugin_app
from tests.servers import SIDCONTENT, Process, environment

pytestmark = pytest.mark.slow  # a real Celery worker

REDIS_URL = os.environ.get("SIDCONTENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

WARMED = """\
import os
from sidcontent import hookimpl
from sidcontent.exporting import Artifact, Exporter

PRELOADED_IN = []


class Warmed(Exporter):
    name, title, media_types = "warmed", "Warmed", ("text/plain",)

    def preload(self):
        PRELOADED_IN.append(os.getpid())

    def export(self, bundle, options):
        text = f"preloaded in {PRELOADED_IN}, exported in {os.getpid()}"
        return Artifact("w.txt", "text/plain", text.encode())


@hookimpl
def register_exporters(register):
    register(Warmed())
"""


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {REDIS_URL}: {exc} (.ci/run provides it)")
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {exc}")
    client.flushdb()  # only this test's own database number
    yield REDIS_URL
    client.flushdb()
    client.close()


def test_the_worker_preloads_before_forking_each_export(tmp_path: Path, redis_url: str) -> None:
    with plugin_app(tmp_path, {"warmed": WARMED}, BROKER_URL=redis_url) as app:
        client = marketer_client(app)
        env = environment(
            app.config["DATABASE_URL"],
            Path(app.instance_path),
            SIDCONTENT_BROKER_URL=redis_url,
            SIDCONTENT_PLUGINS_DIR=app.config["PLUGINS_DIR"],
        )
        worker = Process([SIDCONTENT, "worker"], env, tmp_path / "worker.log")
        try:
            response = client.post(
                "/api/v1/exports", json={"exporter": "warmed", "campaign": "sid-2017"}
            )
            assert response.status_code == 202, response.get_json()
            export_id = response.get_json()["data"]["id"]
            deadline = time.monotonic() + 120
            record = {}
            while time.monotonic() < deadline:
                record = client.get(f"/api/v1/exports/{export_id}").get_json()["data"]
                if record["status"] in ("succeeded", "failed"):
                    break
                time.sleep(0.2)
            assert record.get("status") == "succeeded", (record, worker.output()[-2000:])
            artifact = client.get(f"/api/v1/exports/{export_id}/artifact")
            try:
                text = artifact.data.decode()
            finally:
                artifact.close()
        finally:
            worker.stop()
    preloaded, exported = text.removeprefix("preloaded in ").split(", exported in ")
    assert preloaded == f"[{worker.pid}]", text  # once, in the worker itself
    assert int(exported) not in (worker.pid, os.getpid())  # in a child of its own
