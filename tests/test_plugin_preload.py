"""``Exporter.preload``: what an export worker runs before it forks, and its faults.

A plugin's preload runs once per export worker; a failing one costs only the
time it would have saved: it is logged against the plugin, and that
plugin's exports still run (loading what they need themselves).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.pluginkit import marketer_client, plugin_app

WARMED = """\
import os
from sidcontent import hookimpl
from sidcontent.exporting import Artifact, Exporter

WARM = []


class Warmed(Exporter):
    name, title, media_types = "warmed", "Warmed", ("text/plain",)

    def preload(self):
        WARM.append(os.getpid())

    def export(self, bundle, options):
        # The child is forked from the process that preloaded: it inherits WARM.
        return Artifact("w.txt", "text/plain", f"warm={WARM}".encode())


@hookimpl
def register_exporters(register):
    register(Warmed())
"""

COLD = """\
from sidcontent import hookimpl
from sidcontent.exporting import Artifact, Exporter


class Cold(Exporter):
    name, title, media_types = "cold", "Cold", ("text/plain",)

    def preload(self):
        raise OSError("font cache unreadable")

    def export(self, bundle, options):
        return Artifact("c.txt", "text/plain", b"made anyway")


@hookimpl
def register_exporters(register):
    register(Cold())
"""


def _export(client: FlaskClient, exporter: str, locale: str) -> bytes:
    # A new locale each time: an identical request would reuse the earlier artifact.
    response = client.post(
        "/api/v1/exports", json={"exporter": exporter, "campaign": "sid-2017", "locale": locale}
    )
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    artifact = client.get(f"/api/v1/exports/{record['id']}/artifact")
    try:
        return bytes(artifact.data)
    finally:
        artifact.close()


def test_preload_runs_once_in_this_process_and_exports_inherit_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with plugin_app(tmp_path, {"warmed": WARMED, "cold": COLD}) as app:
        client = marketer_client(app)
        assert _export(client, "warmed", "en") == b"warm=[]"  # nothing preloaded in a web process

        host = app.extensions["sidcontent.plugins"]
        with caplog.at_level(logging.WARNING, logger="sidcontent.plugins"):
            failed = host.preload_exporters()

        assert failed == ["cold"]
        assert host.preload_exporters(["warmed", "cold"]) == []  # once a process, each
        assert "plugin 'cold': preloading exporter 'cold' failed: OSError" in caplog.text
        assert "font cache unreadable" in caplog.text
        assert _export(client, "warmed", "fr") == f"warm=[{os.getpid()}]".encode()
        assert _export(client, "cold", "en") == b"made anyway"
        plugins = {p["name"]: p for p in client.get("/api/v1/plugins").get_json()["data"]}
        assert plugins["cold"]["status"] == "loaded"  # a slower export is no failure
