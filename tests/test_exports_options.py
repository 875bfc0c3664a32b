"""The host's rules for every exporter's options, over POST /api/v1/exports.

A plugin that writes ``validate.Regexp(r"^[a-z]+$")`` gets whole-string
matching (the ``pattern`` /exporters publishes means that), wherever the
field sits: top level, list items, dict keys, nested schemas. No option
string may carry control characters other than tab and line breaks.
"""

from __future__ import annotations

import pytest

from tests.pluginkit import exporter_source, marketer_client, plugin_app

PATTERN = exporter_source(
    "pattern",
    """
    import json
    return Artifact("p.json", "application/json", json.dumps(dict(options)).encode())
    """,
    '("application/json",)',
).replace(
    "class E(Exporter):",
    "from marshmallow import Schema, fields, validate\n\n"
    "WORD = validate.Regexp(r'^[a-z]+$', error='Lowercase letters only.')\n\n"
    "class Inner(Schema):\n"
    "    code = fields.String(validate=WORD)\n\n"
    "class Options(Schema):\n"
    "    code = fields.String(validate=WORD)\n"
    "    tags = fields.List(fields.String(validate=WORD))\n"
    "    labels = fields.Dict(keys=fields.String(validate=WORD), values=fields.String())\n"
    "    inner = fields.Nested(Inner)\n"
    "    note = fields.String()\n"
    "    meta = fields.Dict()\n\n"
    "class E(Exporter):\n"
    "    options_schema = Options",
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with plugin_app(tmp_path_factory.mktemp("options"), {"pattern": PATTERN}) as app:
        yield marketer_client(app)


def _export(client, exporter, options):
    return client.post(
        "/api/v1/exports", json={"exporter": exporter, "campaign": "sid-2017", "options": options}
    )


def _refused(response, path):
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]["options"]
    for key in path:
        errors = errors[key]
    return errors


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"code": "x\n"}, ["code"]),
        ({"tags": ["ok", "x\n"]}, ["tags", "1"]),
        ({"labels": {"x\n": "v"}}, ["labels", "x\n", "key"]),
        ({"inner": {"code": "x\n"}}, ["inner", "code"]),
    ],
)
def test_a_plugins_anchored_pattern_refuses_a_trailing_newline(client, options, path):
    assert _refused(_export(client, "pattern", options), path) == ["Lowercase letters only."]


def test_the_same_options_without_the_newline_export(client):
    options = {"code": "x", "tags": ["ok"], "labels": {"x": "v"}, "inner": {"code": "y"}}
    response = _export(client, "pattern", options)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"note": "bell\x07"}, ["note"]),
        ({"note": "escape\x1b[31m"}, ["note"]),
        ({"note": "c1\x85"}, ["note"]),
        ({"labels": {"ok": "del\x7f"}}, ["labels", "ok"]),
    ],
)
def test_option_strings_refuse_control_characters(client, options, path):
    assert _refused(_export(client, "pattern", options), path) == [
        "Control characters are not allowed."
    ]


def test_a_control_character_in_an_option_name_is_refused(client):
    response = _export(client, "pattern", {"meta": {"ok": {"na\x01me": 1}}})
    assert _refused(response, ["meta", "ok", "na\x01me"]) == [
        "Control characters are not allowed in a name."
    ]


def test_free_text_options_keep_tabs_and_line_breaks(client):
    response = _export(client, "pattern", {"note": "two\tcolumns\nand a line"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["options"]["note"] == "two\tcolumns\nand a line"


def test_refused_options_record_nothing(client):
    before = client.get("/api/v1/exports?exporter=pattern&limit=100").get_json()["data"]
    assert _export(client, "pattern", {"code": "z\n"}).status_code == 422
    assert _export(client, "pattern", {"note": "\x00"}).status_code == 422  # the body layer
    assert _export(client, "pattern", {"note": "\x02"}).status_code == 422
    after = client.get("/api/v1/exports?exporter=pattern&limit=100").get_json()["data"]
    assert after == before


def test_plugin_authors_run_exporter_applies_the_same_rules(run_exporter):
    from marshmallow import Schema, ValidationError, fields, validate

    from sidcontent.exporting import Artifact, Exporter

    class Options(Schema):
        code = fields.String(validate=validate.Regexp(r"^[a-z]+$"))
        note = fields.String()

    class Coded(Exporter):
        name = "coded"
        title = "Coded"
        media_types = ("text/plain",)
        options_schema = Options

        def export(self, bundle, options):
            return Artifact("c.txt", "text/plain", options.get("code", "").encode())

    assert run_exporter(Coded(), options={"code": "ok"}).content == b"ok"
    with pytest.raises(ValidationError) as refused:
        run_exporter(Coded(), options={"code": "ok\n"})
    assert refused.value.messages == {"code": ["String does not match expected pattern."]}
    with pytest.raises(ValidationError):
        run_exporter(Coded(), options={"note": "\x1b"})


@pytest.mark.parametrize(
    ("exporter", "options", "field"),
    [
        ("newsletter", {"utm_source": "sid\n"}, "utm_source"),
        ("newsletter", {"merge_tags": "mailchimp", "merge_field": "FNAME\n"}, "merge_field"),
        ("social", {"scheduler": "buffer", "start": "2027-02-09T08:00\n"}, "start"),
        ("social", {"platforms": ["x\n"]}, "platforms"),
    ],
)
def test_built_in_exporters_get_the_same_rule(client, exporter, options, field):
    errors = _refused(_export(client, exporter, options), [field])
    assert errors
