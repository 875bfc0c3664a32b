"""Drop-in plugins have a version, so an edited file is not served from an old export."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sidcontent.cli import main
from tests.conftest import fresh_database, make_app

PLUGIN = """\
from sidcontent import hookimpl
from sidcontent.exporting import Artifact, Exporter
{declared}

class Greeting(Exporter):
    name, title, media_types = "greeting", "A greeting", ("text/plain",)

    def export(self, bundle, options, context):
        return Artifact("greeting.txt", "text/plain", {text!r}.encode())


@hookimpl
def register_exporters(register):
    register(Greeting())
"""


@pytest.fixture()
def setup(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    with fresh_database(tmp_path) as url:
        make_app(url, tmp_path).extensions["sidcontent.db"].dispose()
        env = {
            "SIDCONTENT_DATABASE_URL": url,
            "SIDCONTENT_INSTANCE_PATH": str(tmp_path / "instance"),
            "SIDCONTENT_SECRET_KEY": "test-secret",
            "SIDCONTENT_PLUGINS_DIR": str(plugins),
        }
        yield env, plugins / "greeting.py", tmp_path


def write(path, text, declared=""):
    path.write_text(PLUGIN.format(text=text, declared=declared), encoding="utf-8")


def plugin_version(env, tmp_path) -> str | None:
    app = make_app(
        env["SIDCONTENT_DATABASE_URL"],
        tmp_path,
        load_fixtures=False,
        PLUGINS_DIR=env["SIDCONTENT_PLUGINS_DIR"],
    )
    try:
        plugins = app.test_client().get("/api/v1/plugins").get_json()["data"]
    finally:
        app.extensions["sidcontent.db"].dispose()
    return {p["name"]: p for p in plugins}["greeting"]["version"]


def export(env):
    result = CliRunner(env=env).invoke(
        main, ["export", "greeting", "--campaign", "sid-2017", "--output", "-"]
    )
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_editing_a_drop_in_changes_its_version_and_runs_the_export_again(setup):
    env, path, tmp_path = setup
    write(path, "hello")
    first_version = plugin_version(env, tmp_path)
    assert first_version and first_version.startswith("sha256:")
    assert export(env) == ("hello", "")
    out, err = export(env)
    assert out == "hello"
    assert "reused" in err  # the CLI says so, even on standard output

    write(path, "hello again")
    assert plugin_version(env, tmp_path) not in (None, first_version)
    out, err = export(env)
    assert out == "hello again"
    assert "reused" not in err


def test_a_declared_version_wins(setup):
    env, path, tmp_path = setup
    write(path, "hi", declared='__version__ = "2.1.0"')
    assert plugin_version(env, tmp_path) == "2.1.0"
