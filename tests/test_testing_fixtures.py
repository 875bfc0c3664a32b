"""sidcontent.testing, the pytest plugin for plugin authors, used as they would."""

from __future__ import annotations

import pytest
from marshmallow import Schema, ValidationError, fields

from sidcontent.exporting import Artifact, Exporter, ExportError
from sidcontent.plugins import PluginFault


class Echo(Exporter):
    name, title, media_types = "echo", "Echo", ("text/plain", "text/html")

    class options_schema(Schema):  # noqa: N801 - a class attribute holding a Schema class
        shout = fields.Boolean(load_default=False)

    def export(self, bundle, options, context):
        text = bundle.campaign.name.upper() if options["shout"] else bundle.campaign.name
        if not bundle.messages:
            raise ExportError("Nothing to say.", field="messages")
        return Artifact("echo.txt", context.media_type, text.encode())


class Liar(Echo):
    name = "liar"

    def export(self, bundle, options, context):
        return Artifact("liar.pdf", "application/pdf", b"%PDF")


@pytest.fixture()
def sidcontent_plugins_dir(tmp_path):
    (tmp_path / "hello.py").write_text(
        "from sidcontent import hookimpl\n"
        "from sidcontent.exporting import Artifact, Exporter\n\n"
        "class Hello(Exporter):\n"
        "    name, title, media_types = 'hello', 'Hello', ('text/plain',)\n\n"
        "    def export(self, bundle, options, context):\n"
        "        return Artifact('hi.txt', 'text/plain', b'hello ' + bundle.locale.encode())\n\n"
        "@hookimpl\ndef register_exporters(register):\n    register(Hello())\n"
    )
    return str(tmp_path)


def test_run_exporter_with_an_instance_and_the_bundle_factory(run_exporter, sidcontent_bundle):
    artifact = run_exporter(Echo(), sidcontent_bundle(campaign={"name": "Hi"}), {"shout": True})
    assert artifact.content == b"HI"
    html = run_exporter(Echo(), media_type="text/html")
    assert html.media_type == "text/html"


def test_run_exporter_raises_what_the_host_would_refuse(run_exporter, sidcontent_bundle):
    with pytest.raises(ValidationError):
        run_exporter(Echo(), options={"shout": "loudly"})
    with pytest.raises(ExportError, match="Nothing to say"):
        run_exporter(Echo(), sidcontent_bundle(messages=[]))
    with pytest.raises(PluginFault, match="'application/pdf', which exporter 'liar' does not"):
        run_exporter(Liar())
    with pytest.raises(PluginFault, match="over the limit of 1"):
        run_exporter(Echo(), max_bytes=1)


def test_the_plugins_dir_override_reaches_run_exporter_and_the_app(
    run_exporter, sidcontent_bundle, sidcontent_client
):
    assert run_exporter("hello", sidcontent_bundle(locale="cy")).content == b"hello cy"
    with pytest.raises(LookupError, match="no exporter 'nope'"):
        run_exporter("nope")
    exporters = {e["name"] for e in sidcontent_client.get("/api/v1/exporters").get_json()["data"]}
    assert {"hello", "calendar"} <= exporters
    response = sidcontent_client.post(
        "/api/v1/exports", json={"exporter": "hello", "campaign": "sid-2026", "locale": "cy"}
    )
    assert response.status_code == 201, response.get_json()
    with sidcontent_client.get(response.get_json()["data"]["artifact"]["url"]) as download:
        assert download.data == b"hello cy"
