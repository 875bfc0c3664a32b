"""Both shapes of ``export`` work; any other is refused when the plugin loads."""

from __future__ import annotations

import textwrap

import pytest

from sidcontent.plugins import PluginHost
from sidcontent.testing import make_bundle, run_exporter_in
from tests.pluginkit import marketer_client, plugin_app, write_plugins

SIGNATURES = "export(self, bundle, options) or export(self, bundle, options, context)"


def exporter_with(name: str, signature: str, body: str = "") -> str:
    """A drop-in module whose exporter's ``export`` has ``signature``."""
    body = body or f"return Artifact('{name}.txt', 'text/plain', bundle.campaign.slug.encode())"
    return textwrap.dedent(
        f"""\
        from sidcontent import hookimpl
        from sidcontent.exporting import Artifact, Exporter


        class E(Exporter):
            name, title, media_types = {name!r}, {name!r}, ("text/plain",)

            def export{signature}:
                {body}


        @hookimpl
        def register_exporters(register):
            register(E())
        """
    )


def host_with(tmp_path, files):
    return PluginHost.from_config({"PLUGINS_DIR": str(write_plugins(tmp_path / "p", files))}, {})


def test_a_two_argument_exporter_exports_over_http(tmp_path):
    files = {"two": exporter_with("two", "(self, bundle, options)")}
    with plugin_app(tmp_path, files) as app:
        client = marketer_client(app)
        listed = {e["name"] for e in client.get("/api/v1/exporters").get_json()["data"]}
        assert "two" in listed
        response = client.post("/api/v1/exports", json={"exporter": "two", "campaign": "sid-2017"})
        assert response.status_code == 201, response.get_json()
        with client.get(response.get_json()["data"]["artifact"]["url"]) as artifact:
            assert artifact.data == b"sid-2017"


@pytest.mark.parametrize(
    ("signature", "body"),
    [
        ("(self, bundle, options)", ""),
        ("(self, bundle, options, context)", ""),
        # A context with a default is still given one.
        (
            "(self, bundle, options, context=None)",
            "return Artifact('c.txt', 'text/plain', context.media_type.encode())",
        ),
        ("(self, *args)", "return Artifact('a.txt', 'text/plain', str(len(args)).encode())"),
    ],
)
def test_accepted_shapes_run(tmp_path, signature, body):
    host = host_with(tmp_path, {"shape": exporter_with("shape", signature, body)})
    assert host.plugins["shape"].status == "loaded", host.plugins["shape"].error
    artifact = run_exporter_in(host, "shape", make_bundle())
    expected = {"(self, *args)": b"3", "(self, bundle, options, context=None)": b"text/plain"}
    assert artifact.content == expected.get(signature, b"sid-2026")


@pytest.mark.parametrize(
    "signature",
    [
        "(self, bundle)",
        "(self)",
        "(self, bundle, options, context, extra)",
        "(self, bundle, options, *, required_flag)",
    ],
)
def test_other_shapes_are_refused_at_registration_naming_the_plugin(tmp_path, signature):
    host = host_with(
        tmp_path,
        {
            "fine": exporter_with("fine", "(self, bundle, options)"),
            "odd": exporter_with("odd", signature),
        },
    )
    info = host.plugins["odd"]
    assert info.status == "failed"
    assert "exporter 'odd' of plugin 'odd'" in info.error
    assert SIGNATURES in info.error
    assert "odd" not in host.exporters
    # The rest loads.
    assert host.plugins["fine"].status == "loaded" and "fine" in host.exporters


def test_run_exporter_takes_a_two_argument_instance():
    from sidcontent.exporting import Artifact, Exporter

    class Two(Exporter):
        name, title, media_types = "two", "Two", ("text/plain",)

        def export(self, bundle, options):  # type: ignore[override]
            return Artifact("t.txt", "text/plain", bundle.locale.encode())

    host = PluginHost((), sources=[])
    assert run_exporter_in(host, Two(), make_bundle("fr")).content == b"fr"
