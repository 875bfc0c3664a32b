"""Processes that serve reads never import the exporters' libraries (issue 13, part 3).

A fresh interpreter (``tests/lean_probe.py``) builds the app from the
environment, as ``sidcontent serve`` does, serves reads, ``/exporters``,
``/plugins`` and the OpenAPI document, refuses bad export options, runs one
export of each exporter, and reports which heavy libraries it has imported
at each step. This test process cannot check itself: other tests have
imported everything long since.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.auth_helpers import app_env, make_token
from tests.conftest import fresh_database, make_app

PROBE = Path(__file__).with_name("lean_probe.py")
ROOT = PROBE.parent.parent

pytestmark = pytest.mark.slow  # a second interpreter, and five exports in forked children


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("lean")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        token = make_token(app, "lean", "marketer")
        app.extensions["sidcontent.db"].dispose()
        env = {**os.environ, **app_env(app), "SIDCONTENT_RATE_LIMIT_EXPORTS": "1000000/minute"}
        done = subprocess.run(
            [sys.executable, str(PROBE), token],
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


def test_reads_exporters_and_option_checks_import_no_exporter_library(
    report: dict[str, Any],
) -> None:
    assert report["at_start"] == []
    assert set(report["reads"].values()) == {200}, report["reads"]
    assert {"social", "poster", "newsletter", "calendar"} <= set(report["exporters"])
    assert report["invalid"] == dict.fromkeys(report["invalid"], 422)
    assert report["after_reads"] == []


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


def test_preloading_imports_every_library_the_probe_watches(report: dict[str, Any]) -> None:
    """What an export worker does before forking; it also proves the probe's
    list names modules that exist and that the exporters really use."""
    assert report["preload_failed"] == []
    from tests.lean_probe import HEAVY

    assert report["after_preload"] == sorted(HEAVY)
