"""Processes that serve reads never import the exporters' libraries, Alembic
or translate-toolkit (issue 13, part 3).

A fresh interpreter (``tests/lean_probe.py``) builds the app from the
environment, as ``sidcontent serve`` does, serves reads, ``/readyz``,
``/exporters``, ``/plugins``, translation coverage and the OpenAPI document,
refuses bad export options, runs one export of each exporter, and reports
which heavy libraries it has imported at each step; then it writes
translation files and lists the migrations, which must load the libraries
they need. This test process cannot check itself: other tests have imported
everything long since.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sidcontent.db import MIGRATIONS, Database, alembic_config, migrations_head
from tests.auth_helpers import app_env, make_token
from tests.conftest import fresh_database, make_app

PROBE = Path(__file__).with_name("lean_probe.py")
ROOT = PROBE.parent.parent

slow = pytest.mark.slow  # a second interpreter, and five exports in forked children


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("lean")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        token = make_token(app, "lean", "marketer")
        editor_token = make_token(app, "lean-editor", "editor")
        app.extensions["sidcontent.db"].dispose()
        env = {**os.environ, **app_env(app), "SIDCONTENT_RATE_LIMIT_EXPORTS": "1000000/minute"}
        done = subprocess.run(
            [sys.executable, str(PROBE), token, editor_token],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@slow
def test_reads_exporters_and_option_checks_import_no_exporter_library(
    report: dict[str, Any],
) -> None:
    assert report["at_start"] == []
    assert set(report["reads"].values()) == {200}, report["reads"]
    assert {"social", "poster", "newsletter", "calendar"} <= set(report["exporters"])
    assert report["invalid"] == dict.fromkeys(report["invalid"], 422)
    assert report["after_reads"] == []


@slow
def test_a_sqlite_worker_does_not_import_postgresqls_dialect(report: dict[str, Any]) -> None:
    """PostgreSQL's dialect, with its drivers' modules, is 2 MB a worker: only
    the database in use loads its own (an index's ``postgresql_where`` and an
    ``ON CONFLICT`` insert used to import both)."""
    assert report["database"] in report["dialects_after_reads"]
    if report["database"] == "sqlite":
        assert report["dialects_after_reads"] == ["sqlite"]


@slow
def test_exports_load_what_they_need_and_the_server_stays_lean(report: dict[str, Any]) -> None:
    heads = {(e["exporter"], e["media_type"]): e for e in report["exports"]}
    for export in report["exports"]:
        assert export["status"] == 201 and export["record"] == "succeeded", export
        assert export["size"] > 0, export
    assert heads["poster", "application/pdf"]["head"].startswith("%PDF-")
    assert heads["social", "image/png"]["head"].startswith("\x89PNG")
    assert heads["social", "application/json"]["head"].startswith("{")
    assert heads["calendar", "text/calendar"]["head"].startswith("BEGIN:VCALENDAR")
    assert heads["newsletter", "text/html"]["head"].lstrip().startswith("<")
    # Each export ran in a forked child: what it imported died with it.
    assert report["after_exports"] == []


@slow
def test_preloading_imports_every_library_the_probe_watches(report: dict[str, Any]) -> None:
    """What an export worker does before forking; it also proves the probe's
    list names modules that exist and that the exporters really use."""
    assert report["preload_failed"] == []
    from tests.lean_probe import HEAVY

    assert report["after_preload"] == sorted(HEAVY)


@slow
def test_reads_and_readiness_import_neither_alembic_nor_translate_toolkit(
    report: dict[str, Any],
) -> None:
    assert report["lazy_at_start"] == []
    assert report["readyz"]["status"] == "ready"
    assert report["readyz"]["migration"] == migrations_head()
    assert set(report["editor_reads"].values()) == {200}, report["editor_reads"]
    assert report["lazy_after_reads"] == []
    assert report["lazy_after_refusals"] == []
    assert report["lazy_after_exports"] == []


@slow
def test_translation_files_and_migrations_load_the_libraries_the_probe_watches(
    report: dict[str, Any],
) -> None:
    """What proves the probe's list is real: the jobs that need them load them."""
    (xliff, po) = report["translation_files"].values()
    assert xliff[0] == 200 and xliff[1].startswith("<?xml"), xliff
    assert po[0] == 200 and "msgid" in po[1], po
    assert report["known_revisions"][-1] == migrations_head()
    from tests.lean_probe import LAZY

    assert report["lazy_at_end"] == sorted(LAZY)


def test_the_head_read_without_alembic_is_alembics(tmp_path: Path) -> None:
    """/readyz and require_migrated read the head from the files; Alembic agrees."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert migrations_head() == script.get_current_head()
    assert Database("sqlite://").head_revision() == script.get_current_head()
    # One more revision; then two revisions on the same parent, a branch
    # (each in its own folder: the head is read once per folder and process).
    head = migrations_head()
    added = {
        "next": {"9999_next.py": f'revision: str = "9999_next"\ndown_revision = {head!r}\n'},
        "branch": {
            "9999_a.py": f'revision = "9999_a"\ndown_revision = {head!r}\n',
            "9999_b.py": f'revision = "9999_b"\ndown_revision = ({head!r},)\n',
        },
    }
    for folder, files in added.items():
        versions = tmp_path / folder
        versions.mkdir()
        for path in (MIGRATIONS / "versions").glob("*.py"):
            (versions / path.name).write_text(path.read_text())
        for name, text in files.items():
            (versions / name).write_text(text)
    assert migrations_head(tmp_path / "next") == "9999_next"
    with pytest.raises(RuntimeError, match="several heads"):
        migrations_head(tmp_path / "branch")
