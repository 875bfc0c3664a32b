"""Plugin discovery, the hook contract and /plugins."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

import sidcontent
from sidcontent import config, hookspecs, plugin_docs
from sidcontent.cli import main
from sidcontent.plugins import PluginHost, PluginLoadError
from tests.conftest import fresh_database, make_app
from tests.pluginkit import exporter_source, marketer_client, plugin_app

ROOT = Path(__file__).resolve().parent.parent
FINE = exporter_source("fine", 'return Artifact("ok.txt", "text/plain", b"ok")')
PLUGIN_FIELDS = {
    "name",
    "version",
    "source",
    "status",
    "error",
    "hooks",
    "exporters",
    "social_platforms",
    "settings",
}


def plugins_by_name(client):
    response = client.get("/api/v1/plugins")
    assert response.status_code == 200
    return {p["name"]: p for p in response.get_json()["data"]}


def test_installed_plugin_is_listed_with_the_public_shape(client):
    plugins = plugins_by_name(client)
    calendar = plugins["sidcontent-calendar"]
    assert set(calendar) == PLUGIN_FIELDS
    assert calendar == {
        "name": "sidcontent-calendar",
        "version": "0.2.0",
        "source": "entry-point",
        "status": "loaded",
        "error": None,
        "hooks": ["content_changed", "register_exporters", "register_settings"],
        "exporters": ["calendar"],
        "social_platforms": [],
        "settings": [
            {
                "key": "feed_dir",
                "env": "SIDCONTENT_PLUGIN_SIDCONTENT_CALENDAR_FEED_DIR",
                "type": "path",
                "required": False,
                "description": "Keep <campaign>.ics here, rewritten when the campaign's "
                "content changes.",
            },
            {
                "key": "feed_locale",
                "env": "SIDCONTENT_PLUGIN_SIDCONTENT_CALENDAR_FEED_LOCALE",
                "type": "str",
                "required": False,
                "description": "The feeds' locale (default: each campaign's own).",
            },
        ],
    }


def test_plugins_answer_conditional_requests(client):
    first = client.get("/api/v1/plugins")
    assert first.headers["ETag"]
    again = client.get("/api/v1/plugins", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_hookimpl_is_importable_from_the_package():
    assert sidcontent.hookimpl is hookspecs.hookimpl


def test_every_hook_is_documented():
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    names = plugin_docs.hook_names()
    assert {
        "register_exporters",
        "register_social_platforms",
        "register_settings",
        "prepare_bundle",
        "export_finished",
        "content_changed",
    } <= set(names)
    for name in names:
        assert re.search(rf"^### `{name}\(", text, re.M), f"docs/plugins.md lacks hook {name}"
    assert plugin_docs.render(text) == text, (
        "docs/plugins.md's hook reference is stale: run "
        "`python -m sidcontent.plugin_docs docs/plugins.md`"
    )


def test_a_hook_without_a_docstring_would_fail_the_docs(monkeypatch):
    # The check above reads the real hookspecs; prove it notices a new hook.
    @hookspecs.hookspec
    def brand_new_hook(thing):  # pragma: no cover - never called
        """A hook nobody documented."""

    monkeypatch.setattr(hookspecs, "brand_new_hook", brand_new_hook, raising=False)
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert "brand_new_hook" in plugin_docs.hook_names()
    assert plugin_docs.render(text) != text


def test_drop_in_plugins_load_and_failures_are_recorded(tmp_path, caplog):
    files = {
        "fine": FINE,
        "broken": "import frobnicate_not_installed\n",
        "misspelt": (
            "from sidcontent import hookimpl\n\n"
            "@hookimpl\ndef register_exporter(register):\n    pass\n"
        ),
        "wrongtype": (
            "from sidcontent import hookimpl\n\n"
            "@hookimpl\ndef register_exporters(register):\n    register(object())\n"
        ),
        "_private": "raise RuntimeError('never imported')\n",
    }
    with caplog.at_level(logging.ERROR, "sidcontent.plugins"):
        with plugin_app(tmp_path, files) as app:
            client = app.test_client()
            plugins = plugins_by_name(client)
            exporters = {e["name"] for e in client.get("/api/v1/exporters").get_json()["data"]}
            assert client.get("/api/v1/campaigns").status_code == 200
    assert plugins["fine"]["status"] == "loaded"
    assert plugins["fine"]["source"] == "plugins-dir"
    assert plugins["fine"]["exporters"] == ["fine"]
    assert plugins["broken"]["status"] == "failed"
    assert plugins["broken"]["error"] == (
        "import failed: ModuleNotFoundError: No module named 'frobnicate_not_installed'"
    )
    assert plugins["misspelt"]["status"] == "failed"
    assert "hooks that do not exist: register_exporter" in plugins["misspelt"]["error"]
    assert plugins["misspelt"]["hooks"] == []
    assert plugins["wrongtype"]["status"] == "failed"
    assert "not a sidcontent.exporting.Exporter" in plugins["wrongtype"]["error"]
    assert "_private" not in plugins
    assert {"fine", "calendar"} <= exporters
    # The traceback is in the log, not in the response.
    assert any("Traceback" in r.getMessage() and "broken" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "source",
    [
        "raise RuntimeError('boom')\n",
        "from sidcontent import hookimpl\n\n@hookimpl\ndef no_such_hook():\n    pass\n",
    ],
)
def test_strict_mode_makes_load_failures_fatal(tmp_path, source):
    with pytest.raises(PluginLoadError, match=r"plugin 'bad'.*SIDCONTENT_STRICT_PLUGINS"):
        with plugin_app(tmp_path, {"bad": source}, STRICT_PLUGINS=True):
            pass


def test_an_exporters_attributes_are_checked(tmp_path):
    bad_name = exporter_source("Bad Name", 'return Artifact("a", "text/plain", b"")')
    no_media = exporter_source("nomedia", 'return Artifact("a", "text/plain", b"")', "()")
    # All or nothing: a plugin whose second exporter is bad registers neither.
    half = FINE.replace("register(E())", "register(E())\n    register(object())")
    half = half.replace("name = 'fine'", "name = 'half'")
    with plugin_app(tmp_path, {"badname": bad_name, "nomedia": no_media, "half": half}) as app:
        host = app.extensions["sidcontent.plugins"]
    assert "has name 'Bad Name'" in host.plugins["badname"].error
    assert "needs media_types" in host.plugins["nomedia"].error
    assert host.plugins["half"].status == "failed"
    assert "half" not in host.exporters


def test_registering_one_name_twice_fails_that_plugin(tmp_path):
    twice = FINE.replace("register(E())", "register(E())\n    register(E())")
    with plugin_app(tmp_path, {"twice": twice}) as app:
        host = app.extensions["sidcontent.plugins"]
    assert (
        host.plugins["twice"].error
        == "register_exporters failed: PluginError: registered fine more than once"
    )


def test_two_plugins_claiming_one_exporter_stop_start_up(tmp_path):
    clash = exporter_source("calendar", 'return Artifact("a.ics", "text/calendar", b"")')
    with pytest.raises(PluginLoadError) as caught:
        with plugin_app(tmp_path, {"mycal": clash}):
            pass
    message = str(caught.value)
    assert "'calendar' is claimed by both 'sidcontent-calendar' and 'mycal'" in message
    assert "SIDCONTENT_DISABLE_PLUGINS" in message


def test_disabling_a_plugin_skips_even_its_import(tmp_path):
    clash = exporter_source("calendar", 'return Artifact("a.ics", "text/calendar", b"")')
    files = {"mycal": clash, "broken": "raise RuntimeError('boom')\n"}
    with plugin_app(
        tmp_path, files, DISABLE_PLUGINS=["sidcontent-calendar", "broken", "nothing-by-this-name"]
    ) as app:
        client = app.test_client()
        plugins = plugins_by_name(client)
        exporters = {e["name"]: e for e in client.get("/api/v1/exporters").get_json()["data"]}
    assert plugins["sidcontent-calendar"]["status"] == "disabled"
    assert plugins["broken"] == {
        **plugins["broken"],
        "status": "disabled",
        "error": None,
    }
    assert exporters["calendar"]["plugin"] == "mycal"


def test_each_app_has_its_own_plugins(tmp_path):
    with plugin_app(tmp_path / "a", {"fine": FINE}) as with_dir:
        with fresh_database(tmp_path / "b") as url:
            (tmp_path / "b").mkdir(exist_ok=True)
            without = make_app(url, tmp_path / "b", load_fixtures=False)
            assert "fine" in with_dir.extensions["sidcontent.plugins"].exporters
            assert "fine" not in without.extensions["sidcontent.plugins"].exporters
            without.extensions["sidcontent.db"].dispose()


def test_a_missing_plugins_dir_is_a_clear_start_up_error(tmp_path):
    with pytest.raises(PluginLoadError, match="is not a directory"):
        PluginHost.from_config({"PLUGINS_DIR": str(tmp_path / "nope")})


def test_plugin_settings_come_from_the_environment():
    settings = config.from_environ(
        {
            "SIDCONTENT_DISABLE_PLUGINS": "a, b,",
            "SIDCONTENT_STRICT_PLUGINS": "yes",
            "SIDCONTENT_EXPORT_TIMEOUT": "2.5",
            "SIDCONTENT_MAX_ARTIFACT_BYTES": "1000",
            "SIDCONTENT_PLUGINS_DIR": "/srv/plugins",
        }
    )
    assert settings["DISABLE_PLUGINS"] == ["a", "b"]
    assert settings["STRICT_PLUGINS"] is True
    assert settings["EXPORT_TIMEOUT"] == 2.5
    assert settings["MAX_ARTIFACT_BYTES"] == 1000
    assert settings["PLUGINS_DIR"] == "/srv/plugins"
    for name, value in (("STRICT_PLUGINS", "maybe"), ("EXPORT_TIMEOUT", "0")):
        with pytest.raises(ValueError, match=f"SIDCONTENT_{name}"):
            config.from_environ({f"SIDCONTENT_{name}": value})


def test_prepare_bundle_chain_and_export_finished(tmp_path):
    seen = tmp_path / "finished.jsonl"
    files = {
        "fine": exporter_source(
            "fine",
            "return Artifact('n.txt', 'text/plain', bundle.campaign.name.encode())",
        ),
        "cobrand": (
            "import dataclasses\nfrom sidcontent import hookimpl\n\n"
            "@hookimpl\ndef prepare_bundle(bundle, exporter):\n"
            "    if exporter != 'fine':\n        return None\n"
            "    campaign = dataclasses.replace(bundle.campaign, "
            "name=bundle.campaign.name + ' with ACME')\n"
            "    return dataclasses.replace(bundle, campaign=campaign)\n"
        ),
        "notify": (
            "import json\nfrom sidcontent import hookimpl\n\n"
            "@hookimpl\ndef export_finished(export):\n"
            f"    with open({str(seen)!r}, 'a') as f:\n"
            "        f.write(json.dumps([export.exporter, export.status]) + '\\n')\n"
        ),
        "noisy": (
            "from sidcontent import hookimpl\n\n"
            "@hookimpl\ndef export_finished(export):\n    raise RuntimeError('pager down')\n"
        ),
    }
    with plugin_app(tmp_path, files) as app:
        client = marketer_client(app)
        response = client.post("/api/v1/exports", json={"exporter": "fine", "campaign": "sid-2017"})
        assert response.status_code == 201, response.get_json()
        with client.get(response.get_json()["data"]["artifact"]["url"]) as artifact:
            assert artifact.data.decode().endswith(" with ACME")
        # Reuse does not run the exporter, so nothing new is finished.
        again = client.post("/api/v1/exports", json={"exporter": "fine", "campaign": "sid-2017"})
        assert again.status_code == 200
    assert seen.read_text().splitlines() == ['["fine", "succeeded"]']


def test_a_failing_prepare_bundle_fails_the_export_naming_its_plugin(tmp_path):
    files = {
        "fine": FINE,
        "bad": (
            "from sidcontent import hookimpl\n\n"
            "@hookimpl\ndef prepare_bundle(bundle):\n    return {'not': 'a bundle'}\n"
        ),
    }
    with plugin_app(tmp_path, files) as app:
        response = marketer_client(app).post(
            "/api/v1/exports", json={"exporter": "fine", "campaign": "sid-2017"}
        )
    assert response.status_code == 502
    problem = response.get_json()
    assert problem["plugin"] == "bad"
    assert "failed: returned dict, not a ContentBundle or None" in problem["detail"]


def test_cli_lists_plugins(tmp_path, monkeypatch):
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir()
    (plugins_dir / "fine.py").write_text(FINE)
    (plugins_dir / "broken.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.setenv("SIDCONTENT_PLUGINS_DIR", str(plugins_dir))
    monkeypatch.setenv("SIDCONTENT_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    result = runner.invoke(main, ["plugins", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "sidcontent-calendar 0.2.0 [entry-point] loaded: exporter calendar" in lines
    digest = r"sha256:[0-9a-f]{12}"  # the version of a drop-in that declares none
    assert any(
        re.fullmatch(f"fine {digest} \\[plugins-dir\\] loaded: exporter fine", x) for x in lines
    )
    broken = f"broken {digest} \\[plugins-dir\\] failed \\(import failed: RuntimeError: boom\\)"
    assert any(re.fullmatch(broken, line) for line in lines), lines
    as_json = runner.invoke(main, ["plugins", "list", "--json"])
    data = {p["name"]: p for p in orjson.loads(as_json.stdout)["data"]}
    assert data["broken"]["status"] == "failed"
    assert set(data["fine"]) == PLUGIN_FIELDS


def test_cli_reports_a_clash_in_one_line(tmp_path, monkeypatch):
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir()
    (plugins_dir / "mycal.py").write_text(
        exporter_source("calendar", 'return Artifact("a.ics", "text/calendar", b"")')
    )
    monkeypatch.setenv("SIDCONTENT_PLUGINS_DIR", str(plugins_dir))
    monkeypatch.setenv("SIDCONTENT_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["plugins", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: plugin error: exporter name 'calendar' is claimed")
    assert len(result.stderr.strip().splitlines()) == 1


PLATFORM = """
from sidcontent import hookimpl
from sidcontent.exporting import Artifact, Exporter, SocialPlatform

class Shout(SocialPlatform):
    name, title, limit = "shout", "Shout", 50

    def count(self, text):
        return len(text.upper())

class Lengths(Exporter):
    name, title, media_types = "lengths", "Lengths", ("text/plain",)

    def export(self, bundle, options, context):
        shout = context.social_platforms["shout"]
        text = f"{shout.title} {shout.limit} {shout.count(bundle.campaign.name)}"
        return Artifact("l.txt", "text/plain", text.encode())

@hookimpl
def register_social_platforms(register):
    register(Shout())

@hookimpl
def register_exporters(register):
    register(Lengths())
"""


def test_social_platforms_reach_exporters(tmp_path):
    bad = (
        "from sidcontent import hookimpl\n\n"
        "@hookimpl\ndef register_social_platforms(register):\n    register('x')\n"
    )
    with plugin_app(tmp_path, {"shout": PLATFORM, "badplatform": bad}) as app:
        client = marketer_client(app)
        plugins = plugins_by_name(client)
        response = client.post(
            "/api/v1/exports", json={"exporter": "lengths", "campaign": "sid-2017"}
        )
        with client.get(response.get_json()["data"]["artifact"]["url"]) as artifact:
            text = artifact.data.decode()
    assert plugins["shout"]["social_platforms"] == ["shout"]
    assert plugins["shout"]["hooks"] == ["register_exporters", "register_social_platforms"]
    assert text == "Shout 50 " + str(len("Safer Internet Day 2017"))
    assert plugins["badplatform"]["status"] == "failed"
    assert "not a sidcontent.exporting.SocialPlatform" in plugins["badplatform"]["error"]
