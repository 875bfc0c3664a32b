"""Per-plugin settings: declared, set by environment or create_app, typed, never shown."""

from __future__ import annotations

import json
import logging
import textwrap
from pathlib import Path

import pytest

from sidcontent.plugins import PluginHost, PluginLoadError
from sidcontent.testing import make_bundle, run_exporter_in
from tests.pluginkit import marketer_client, plugin_app, write_plugins

SECRET = "s3cret-value-never-shown"

# A plugin declaring one setting of each type; its exporter writes what it received.
TYPED = textwrap.dedent(
    """\
    import json
    from pathlib import Path

    from sidcontent import hookimpl
    from sidcontent.exporting import Artifact, Exporter, Setting


    @hookimpl
    def register_settings(register):
        register(Setting("api_key", required=True, description="The partner API key."))
        register(Setting("retries", "int", default=3))
        register(Setting("ratio", "float", default=0.5))
        register(Setting("verbose", "bool", default=False))
        register(Setting("channels", "list", default=["web"]))
        register(Setting("feed_dir", "path"))


    class Echo(Exporter):
        name, title, media_types = "echo-settings", "Echo", ("application/json",)

        def export(self, bundle, options, context):
            s = context.settings
            seen = {
                "types": {key: type(s[key]).__name__ for key in s},
                "retries": s["retries"], "ratio": s["ratio"], "verbose": s["verbose"],
                "channels": s["channels"], "feed_dir": str(s["feed_dir"]),
                "key_length": len(s["api_key"]),
            }
            return Artifact("s.json", "application/json", json.dumps(seen).encode())


    @hookimpl
    def register_exporters(register):
        register(Echo())


    @hookimpl
    def export_finished(export, settings):
        Path(settings["feed_dir"], "finished.txt").write_text(str(settings["retries"]))
    """
)


def env(**values: str) -> dict[str, str]:
    return {f"SIDCONTENT_PLUGIN_TYPED_{k.upper()}": v for k, v in values.items()}


def host_with(tmp_path: Path, files: dict[str, str], environ: dict[str, str], **config):
    plugins_dir = write_plugins(tmp_path / "plugins", files)
    return PluginHost.from_config({"PLUGINS_DIR": str(plugins_dir), **config}, environ)


def test_environment_values_reach_the_exporter_converted(tmp_path):
    environ = env(
        api_key=SECRET,
        retries="7",
        ratio="1.25",
        verbose="yes",
        channels="web, print,",
        feed_dir=str(tmp_path),
    )
    host = host_with(tmp_path, {"typed": TYPED}, environ)
    assert host.plugins["typed"].status == "loaded", host.plugins["typed"].error
    seen = json.loads(run_exporter_in(host, "echo-settings", make_bundle()).content)
    assert seen == {
        "types": {
            "api_key": "str",
            "retries": "int",
            "ratio": "float",
            "verbose": "bool",
            "channels": "list",
            "feed_dir": "PosixPath",
        },
        "retries": 7,
        "ratio": 1.25,
        "verbose": True,
        "channels": ["web", "print"],
        "feed_dir": str(tmp_path),
        "key_length": len(SECRET),
    }


def test_defaults_fill_what_is_not_set(tmp_path):
    host = host_with(tmp_path, {"typed": TYPED}, env(api_key="k"))
    seen = json.loads(run_exporter_in(host, "echo-settings", make_bundle()).content)
    assert (seen["retries"], seen["ratio"], seen["verbose"], seen["channels"]) == (
        3,
        0.5,
        False,
        ["web"],
    )
    assert seen["feed_dir"] == "None"


def test_create_app_overrides_beat_the_environment_and_reach_other_hooks(tmp_path, monkeypatch):
    monkeypatch.setenv("SIDCONTENT_PLUGIN_TYPED_API_KEY", SECRET)
    monkeypatch.setenv("SIDCONTENT_PLUGIN_TYPED_RETRIES", "7")
    overrides = {"PLUGIN_TYPED_RETRIES": 11, "PLUGIN_TYPED_FEED_DIR": str(tmp_path)}
    with plugin_app(tmp_path, {"typed": TYPED}, **overrides) as app:
        client = marketer_client(app)
        response = client.post(
            "/api/v1/exports", json={"exporter": "echo-settings", "campaign": "sid-2017"}
        )
        assert response.status_code == 201, response.get_json()
        with client.get(response.get_json()["data"]["artifact"]["url"]) as artifact:
            assert json.loads(artifact.data)["retries"] == 11
        # export_finished got its plugin's settings as an argument.
        assert (tmp_path / "finished.txt").read_text() == "11"

        body = client.get("/api/v1/plugins").get_data(as_text=True)
        assert SECRET not in body
        typed = {p["name"]: p for p in json.loads(body)["data"]}["typed"]
        assert typed["settings"][:2] == [
            {
                "key": "api_key",
                "env": "SIDCONTENT_PLUGIN_TYPED_API_KEY",
                "type": "str",
                "required": True,
                "description": "The partner API key.",
            },
            {
                "key": "retries",
                "env": "SIDCONTENT_PLUGIN_TYPED_RETRIES",
                "type": "int",
                "required": False,
                "description": "",
            },
        ]
        assert [s["key"] for s in typed["settings"]] == [
            "api_key",
            "retries",
            "ratio",
            "verbose",
            "channels",
            "feed_dir",
        ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"api_key": "k", "retries": "soon"},
            "bad setting: SIDCONTENT_PLUGIN_TYPED_RETRIES: expected an integer, not 'soon'",
        ),
        (
            {"api_key": "k", "verbose": "maybe"},
            "bad setting: SIDCONTENT_PLUGIN_TYPED_VERBOSE: "
            "expected 1/0, true/false, yes/no or on/off, not 'maybe'",
        ),
        (
            {"api_key": "k", "ratio": "half"},
            "bad setting: SIDCONTENT_PLUGIN_TYPED_RATIO: expected a number, not 'half'",
        ),
        ({}, "bad setting: SIDCONTENT_PLUGIN_TYPED_API_KEY is required: The partner API key."),
    ],
)
def test_a_bad_or_missing_value_fails_only_that_plugin_with_a_clear_error(
    tmp_path, values, message
):
    host = host_with(tmp_path, {"typed": TYPED}, env(**values))
    info = host.plugins["typed"]
    assert (info.status, info.error) == ("failed", message)
    assert "echo-settings" not in host.exporters
    assert "calendar" in host.exporters  # everything else loads
    # Declared settings are still listed, so the operator sees what to set.
    assert info.payload()["settings"][0]["env"] == "SIDCONTENT_PLUGIN_TYPED_API_KEY"
    with pytest.raises(PluginLoadError, match="SIDCONTENT_PLUGIN_TYPED_"):
        host_with(tmp_path, {"typed": TYPED}, env(**values), STRICT_PLUGINS=True)


def test_a_typed_override_of_the_wrong_type_is_refused(tmp_path):
    host = host_with(
        tmp_path, {"typed": TYPED}, {}, PLUGIN_TYPED_API_KEY="k", PLUGIN_TYPED_RETRIES=True
    )
    assert host.plugins["typed"].error == (
        "bad setting: SIDCONTENT_PLUGIN_TYPED_RETRIES: expected int, not 'bool'"
    )


def test_an_undeclared_key_is_a_loud_error_not_none(tmp_path):
    source = textwrap.dedent(
        """\
        from sidcontent import hookimpl
        from sidcontent.exporting import Artifact, Exporter, Setting


        @hookimpl
        def register_settings(register):
            register(Setting("colour"))


        class E(Exporter):
            name, title, media_types = "typo", "Typo", ("text/plain",)

            def export(self, bundle, options, context):
                return Artifact("t.txt", "text/plain", context.settings["color"].encode())


        @hookimpl
        def register_exporters(register):
            register(E())
        """
    )
    host = host_with(tmp_path, {"typo": source}, {})
    from sidcontent.plugins import PluginFault

    with pytest.raises(PluginFault, match="declares no setting 'color' \\(it declares: colour\\)"):
        run_exporter_in(host, "typo", make_bundle())


@pytest.mark.parametrize(
    ("declaration", "error"),
    [
        ('Setting("Bad-Key")', "setting key 'Bad-Key'"),
        ('Setting("n", "integer")', "has type 'integer': use one of str, int"),
        (
            'Setting("n", "int", default="three")',
            "setting 'n' has a bad default: expected an integer",
        ),
        ('{"key": "n"}', "registered a dict, which is not a sidcontent.exporting.Setting"),
    ],
)
def test_bad_declarations_fail_the_plugin(tmp_path, declaration, error):
    source = (
        "from sidcontent import hookimpl\nfrom sidcontent.exporting import Setting\n\n"
        f"@hookimpl\ndef register_settings(register):\n    register({declaration})\n"
    )
    info = host_with(tmp_path, {"decl": source}, {}).plugins["decl"]
    assert info.status == "failed"
    assert error in info.error


def test_a_setting_no_plugin_declares_is_logged(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="sidcontent.plugins"):
        host_with(tmp_path, {"typed": TYPED}, env(api_key="k", retires="3"))
    assert "SIDCONTENT_PLUGIN_TYPED_RETIRES is set, but no loaded plugin declares it" in caplog.text
