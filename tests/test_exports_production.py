"""The export pipeline's production parts, in process: the database artifact
store, the list of exports, reaping lost exports, pruning, and the sandbox's
hold on what its child inherits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from sidcontent.cli import main
from sidcontent.content.models import utcnow
from sidcontent.exports.store import ArtifactChunk, ArtifactRow, ExportRow
from tests.conftest import FIXTURES
from tests.pluginkit import exporter_source, marketer_client, plugin_app, write_plugins
from tests.queue_cluster import alive, export_events

# Bytes of a size the request asks for: several chunks of the database store.
SIZED = exporter_source(
    "sized",
    """
    size = int(options.get("size", 10))
    seed = options.get("seed", "x").encode()
    return Artifact("sized.bin", "application/octet-stream", (seed * size)[:size])
    """,
    '("application/octet-stream",)',
).replace(
    "class E(Exporter):",
    "from marshmallow import Schema, fields\n\n"
    "class Options(Schema):\n"
    "    size = fields.Integer(load_default=10)\n"
    "    seed = fields.String(load_default='x')\n"
    "    tag = fields.String(load_default='')\n\n"
    "class E(Exporter):\n"
    "    options_schema = Options",
)

# What the export child inherited: its open sockets, and its pid.
INSPECT = exporter_source(
    "inspect",
    """
    import os, stat, time
    sockets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if stat.S_ISSOCK(os.fstat(int(fd)).st_mode):
                sockets.append(int(fd))
        except OSError:
            pass
    if options.get("pidfile"):
        with open(options["pidfile"], "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(float(options.get("sleep", 0)))
    found = {"sockets": sockets, "nice": os.nice(0)}
    return Artifact("inspect.json", "application/json", json.dumps(found).encode())
    """,
    '("application/json",)',
).replace(
    "class E(Exporter):",
    "import json\nfrom marshmallow import Schema, fields\n\n"
    "class Options(Schema):\n"
    "    pidfile = fields.String(load_default=None)\n"
    "    sleep = fields.Float(load_default=0)\n\n"
    "class E(Exporter):\n"
    "    options_schema = Options",
)


@pytest.fixture(scope="module")
def db_app(tmp_path_factory):
    with plugin_app(
        tmp_path_factory.mktemp("dbstore"), {"sized": SIZED}, ARTIFACT_STORE="database"
    ) as app:
        yield app


@pytest.fixture(scope="module")
def client(db_app):
    return marketer_client(db_app)


def export(client, **options):
    return client.post(
        "/api/v1/exports", json={"exporter": "sized", "campaign": "sid-2017", "options": options}
    )


def test_database_store_streams_the_artifact_in_chunks(db_app, client):
    size = 2 * 1024 * 1024 + 123  # three 1 MiB chunks
    response = export(client, size=size, seed="ab")
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    download = client.get(record["artifact"]["url"])
    assert download.status_code == 200
    assert download.is_streamed
    assert download.headers["Content-Length"] == str(size)
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.data == (b"ab" * size)[:size]
    assert (
        client.get(
            record["artifact"]["url"], headers={"If-None-Match": download.headers["ETag"]}
        ).status_code
        == 304
    )
    with db_app.extensions["sidcontent.db"].session() as session:
        chunks = session.scalar(
            select(func.count())
            .select_from(ArtifactChunk)
            .where(ArtifactChunk.sha256 == record["artifact"]["sha256"])
        )
    assert chunks == 3
    # Nothing on disk: every host reads it from the database.
    assert not (Path(db_app.instance_path) / "artifacts").exists()


def test_database_store_keeps_identical_bytes_once(db_app, client):
    first = export(client, size=50, seed="q", tag="one").get_json()["data"]
    second = export(client, size=50, seed="q", tag="two").get_json()["data"]
    assert first["id"] != second["id"]
    assert first["artifact"]["sha256"] == second["artifact"]["sha256"]
    with db_app.extensions["sidcontent.db"].session() as session:
        rows = session.scalar(
            select(func.count())
            .select_from(ArtifactRow)
            .where(ArtifactRow.sha256 == first["artifact"]["sha256"])
        )
    assert rows == 1


def test_list_is_keyset_paged_newest_first_with_filters(db_app, client):
    ids = [export(client, size=5, tag=f"list-{i}").get_json()["data"]["id"] for i in range(5)]
    seen, url = [], "/api/v1/exports?exporter=sized&limit=2"
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.get_json()
        body = page.get_json()
        assert len(body["data"]) <= 2
        seen += [item["id"] for item in body["data"]]
        url = page.headers.get("Link", "").partition("<")[2].partition(">")[0]
        assert bool(url) == bool(body["meta"]["next_cursor"])
    assert set(ids) <= set(seen)
    assert len(seen) == len(set(seen))
    # Newest first; records of one second (timestamps keep seconds) by id.
    keys = [(client.get(f"/api/v1/exports/{i}").get_json()["data"]["created_at"], i) for i in seen]
    assert keys == sorted(keys, reverse=True)
    assert client.get("/api/v1/exports?status=queued").get_json()["data"] == []
    assert client.get("/api/v1/exports?exporter=nothing").get_json()["data"] == []
    mine = client.get("/api/v1/exports?requested_by=marketer&limit=100").get_json()["data"]
    assert {i for i in ids} <= {item["id"] for item in mine}


def test_list_refuses_bad_filters_and_foreign_cursors(client):
    for _ in range(3):
        export(client, size=6, tag=f"cursor-{_}")
    assert client.get("/api/v1/exports?status=sleeping").status_code == 400
    cursor = client.get("/api/v1/exports?limit=1").get_json()["meta"]["next_cursor"]
    other = client.get(f"/api/v1/exports?limit=1&status=failed&cursor={cursor}")
    assert other.status_code == 400
    assert other.get_json()["errors"].keys() == {"cursor"}
    assert client.get("/api/v1/exports?cursor=abc.def").status_code == 400
    assert client.get("/api/v1/exports", headers={"Authorization": ""}).status_code == 401


def test_a_record_running_past_the_hard_limit_is_reaped_as_lost(db_app, client):
    record = export(client, size=7, tag="reap").get_json()["data"]
    with db_app.extensions["sidcontent.db"].session() as session:
        session.execute(
            update(ExportRow)
            .where(ExportRow.id == record["id"])
            .values(status="running", started_at=utcnow() - timedelta(hours=1))
        )
    reaped = client.get(f"/api/v1/exports/{record['id']}").get_json()["data"]
    assert (reaped["status"], reaped["error_type"]) == ("failed", "lost")
    assert "lost" in reaped["error"]
    # Announced once (after the inline run's own success), however often it is read.
    assert client.get("/api/v1/exports?status=failed&limit=100").status_code == 200
    assert client.get(f"/api/v1/exports/{record['id']}").get_json()["data"] == reaped
    assert export_events(db_app.config["DATABASE_URL"], record["id"]) == [
        "export.succeeded",
        "export.failed",
    ]


def test_a_queued_record_with_no_queue_to_run_it_fails_once(db_app, client):
    record = export(client, size=7, tag="stale-queued").get_json()["data"]
    deadline = db_app.extensions["sidcontent.exports"].queue_deadline
    with db_app.extensions["sidcontent.db"].session() as session:
        # As a record accepted while a broker was configured, then left behind.
        session.execute(
            update(ExportRow)
            .where(ExportRow.id == record["id"])
            .values(status="queued", created_at=utcnow() - timedelta(seconds=deadline + 5))
        )
    failed = client.get(f"/api/v1/exports/{record['id']}").get_json()["data"]
    assert (failed["status"], failed["error_type"]) == ("failed", "lost"), failed
    assert "no queue is configured" in failed["error"]
    assert client.get(f"/api/v1/exports/{record['id']}").get_json()["data"] == failed
    assert export_events(db_app.config["DATABASE_URL"], record["id"]) == [
        "export.succeeded",
        "export.failed",
    ]


def test_an_unreachable_queue_fails_the_record_once(tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    broker = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    with closed, plugin_app(tmp_path, {"sized": SIZED}, BROKER_URL=broker) as app:
        client = marketer_client(app)
        refused = export(client, size=3, tag="no-broker")
        assert refused.status_code == 503, refused.get_json()
        assert refused.mimetype == "application/problem+json"
        listed = client.get("/api/v1/exports?status=failed").get_json()["data"]
        assert [(r["error_type"], r["options"]["tag"]) for r in listed] == [
            ("queue-unavailable", "no-broker")
        ]
        assert export_events(app.config["DATABASE_URL"], listed[0]["id"]) == ["export.failed"]


def test_prune_deletes_old_records_and_only_unreferenced_artifacts(db_app, client):
    old = export(client, size=9, seed="old", tag="prune").get_json()["data"]
    shared_old = export(client, size=9, seed="shared", tag="prune-old").get_json()["data"]
    shared_new = export(client, size=9, seed="shared", tag="prune-new").get_json()["data"]
    database = db_app.extensions["sidcontent.db"]
    long_ago = utcnow() - timedelta(days=40)
    with database.session() as session:
        session.execute(
            update(ExportRow)
            .where(ExportRow.id.in_([old["id"], shared_old["id"]]))
            .values(created_at=long_ago)
        )
        session.execute(update(ArtifactRow).values(stored_at=long_ago))
    env = {
        "SIDCONTENT_DATABASE_URL": db_app.config["DATABASE_URL"],
        "SIDCONTENT_INSTANCE_PATH": db_app.instance_path,
        "SIDCONTENT_SECRET_KEY": db_app.config["SECRET_KEY"],
        "SIDCONTENT_ARTIFACT_STORE": "database",
        "SIDCONTENT_PLUGINS_DIR": db_app.config["PLUGINS_DIR"],
    }
    result = CliRunner(env=env).invoke(main, ["exports", "prune", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    assert "pruned" in result.output
    assert client.get(f"/api/v1/exports/{old['id']}").status_code == 404
    assert client.get(f"/api/v1/exports/{shared_old['id']}").status_code == 404
    # The old record's artifact is gone; the one a kept record shares stays.
    assert client.get(f"/api/v1/exports/{shared_new['id']}/artifact").status_code == 200
    with database.session() as session:
        assert session.get(ArtifactRow, old["artifact"]["sha256"]) is None
        assert session.get(ArtifactRow, shared_new["artifact"]["sha256"]) is not None
    missing = CliRunner(env=env).invoke(main, ["exports", "prune"])
    assert missing.exit_code != 0 and "SIDCONTENT_EXPORT_RETENTION_DAYS" in missing.output


def test_the_export_child_holds_no_inherited_socket_and_runs_niced(tmp_path):
    with plugin_app(tmp_path, {"inspect": INSPECT}) as app:
        client = marketer_client(app)
        body = {"exporter": "inspect", "campaign": "sid-2017"}
        # Sockets the exporting process holds, as a server's are: a listener
        # and a connected client.
        with socket.create_server(("127.0.0.1", 0)) as listener:
            peer = socket.create_connection(listener.getsockname())
            accepted, _ = listener.accept()
            with peer, accepted:
                response = client.post("/api/v1/exports", json=body)
        assert response.status_code == 201, response.get_json()
        with client.get(response.get_json()["data"]["artifact"]["url"]) as artifact:
            found = orjson.loads(artifact.data)
        assert found["sockets"] == []
        # Batch work yields the CPU to the reads served beside it.
        assert found["nice"] >= min(19, os.nice(0) + 10)


@pytest.mark.slow
def test_the_export_child_dies_with_its_parent(tmp_path):
    plugins = write_plugins(tmp_path / "plugins", {"inspect": INSPECT})
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIDCONTENT_")}
    env.update(
        SIDCONTENT_INSTANCE_PATH=str(tmp_path / "instance"),
        SIDCONTENT_PLUGINS_DIR=str(plugins),
        SIDCONTENT_EXPORT_TIMEOUT="120",
    )
    sidcontent = str(Path(sys.executable).with_name("sidcontent"))
    subprocess.run([sidcontent, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [sidcontent, "fixtures", "load", str(FIXTURES)], env=env, check=True, capture_output=True
    )
    pidfile = tmp_path / "child.pid"
    parent = subprocess.Popen(
        [
            sidcontent,
            "export",
            "inspect",
            "--campaign",
            "sid-2017",
            "--output",
            str(tmp_path),
            "-o",
            f"pidfile={pidfile}",
            "-o",
            "sleep=120",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(pidfile.read_text())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child), "the export child outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
