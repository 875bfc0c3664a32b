"""sidcontent.testing: a plugin's settings set by overriding ``sidcontent_settings``."""

from __future__ import annotations

import pytest

GREETER = """\
from sidcontent import hookimpl
from sidcontent.exporting import Artifact, Exporter, Setting


@hookimpl
def register_settings(register):
    register(Setting("greeting", default="hello"))
    register(Setting("times", "int", default=1))


class Greeter(Exporter):
    name, title, media_types = "greeter", "Greeter", ("text/plain",)

    def export(self, bundle, options, context):
        text = " ".join([context.settings["greeting"]] * context.settings["times"])
        return Artifact("g.txt", "text/plain", text.encode())


@hookimpl
def register_exporters(register):
    register(Greeter())
"""


@pytest.fixture()
def sidcontent_plugins_dir(tmp_path):
    (tmp_path / "greeter.py").write_text(GREETER)
    return str(tmp_path)


@pytest.fixture()
def sidcontent_settings(sidcontent_plugins_dir):
    return {
        "PLUGINS_DIR": sidcontent_plugins_dir,
        "PLUGIN_GREETER_GREETING": "hej",
        "PLUGIN_GREETER_TIMES": "2",
    }


def test_settings_reach_run_exporter_and_the_app(run_exporter, sidcontent_client):
    assert run_exporter("greeter").content == b"hej hej"
    response = sidcontent_client.post(
        "/api/v1/exports", json={"exporter": "greeter", "campaign": "sid-2026"}
    )
    assert response.status_code == 201, response.get_json()
    with sidcontent_client.get(response.get_json()["data"]["artifact"]["url"]) as download:
        assert download.data == b"hej hej"
