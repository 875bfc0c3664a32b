"""``sidcontent plugins new NAME``: a plugin distribution that passes its own tests.

The files are written from the templates below, nothing else: a
``pyproject.toml`` with the ``sidcontent`` entry point, ruff and pytest
settings; a src-layout package with one exporter, its options schema and
one declared setting; tests that use :mod:`sidcontent.testing` and
``sidcontent plugins check``; a README and a ``.gitignore``.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from sidcontent import __version__

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MAX_NAME = 40


class ScaffoldError(ValueError):
    """The name is unusable or the folder exists."""


def names(name: str) -> dict[str, str]:
    """Every spelling of ``name`` the templates need."""
    short = name.removeprefix("sidcontent-")
    if not NAME_RE.match(short) or len(short) > MAX_NAME:
        raise ScaffoldError(
            f"plugin name {name!r}: use lowercase letters and digits, words joined by -, "
            f"at most {MAX_NAME} characters (e.g. hello or school-digest)"
        )
    words = short.split("-")
    return {
        "name": short,  # the exporter's name
        "dist": f"sidcontent-{short}",  # the distribution, the plugin's name and its folder
        "package": "sidcontent_" + "_".join(words),  # the import name
        "snake": "_".join(words),
        "klass": "".join(w.capitalize() for w in words),
        "title": " ".join(words).capitalize(),
        "env": "SIDCONTENT_PLUGIN_SIDCONTENT_" + "_".join(w.upper() for w in words),
        "config": "PLUGIN_SIDCONTENT_" + "_".join(w.upper() for w in words),
        "sidcontent_version": __version__,
    }


def files(name: str) -> dict[str, str]:
    """Relative path -> text, for the plugin called ``name``."""
    values = names(name)
    return {
        path.replace("PACKAGE", values["package"]).replace(
            "SNAKE", values["snake"]
        ): string.Template(text).substitute(values)
        for path, text in TEMPLATES.items()
    }


def create(name: str, parent: Path) -> Path:
    """Write the distribution into ``parent/sidcontent-NAME``; never overwrite."""
    target = parent / names(name)["dist"]
    if target.exists():
        raise ScaffoldError(f"{target} already exists; remove it or choose another name")
    contents = files(name)
    target.mkdir(parents=True)
    for relative, text in contents.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


# string.Template: ``$name``-style placeholders, so Python's braces stay as they are.
TEMPLATES: dict[str, str] = {
    "pyproject.toml": """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"  # bump it whenever the output changes: sidcontent reuses earlier exports
description = "sidcontent exporter: a campaign's messages as a plain-text or Markdown digest"
readme = "README.md"
requires-python = ">=3.11"
# license = "MIT"  # choose yours: an SPDX expression (setuptools>=77), then require that
dependencies = ["sidcontent>=$sidcontent_version"]

[project.optional-dependencies]
test = ["pytest>=8", "ruff>=0.6"]

# How sidcontent finds the plugin: the entry-point group "sidcontent".
[project.entry-points.sidcontent]
$dist = "$package"

[tool.setuptools.packages.find]
where = ["src"]

[tool.ruff]
line-length = 100
target-version = "py311"

[tool.ruff.lint]
select = ["B", "E", "F", "I", "UP", "W"]

[tool.pytest.ini_options]
testpaths = ["tests"]
filterwarnings = ["error"]
addopts = "-ra --strict-markers"
""",
    "src/PACKAGE/__init__.py": '''\
"""The ``$name`` exporter: a campaign's messages as a plain-text or Markdown digest.

sidcontent finds this module through the ``sidcontent`` entry point in
pyproject.toml and calls the hooks marked ``@hookimpl``. The exporter sees
only a ``ContentBundle`` (one campaign, one locale, published content).
Keep this module light (see ``export``): it loads in every server process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from marshmallow import Schema, fields, validate
from sidcontent import hookimpl
from sidcontent.exporting import Artifact, ContentBundle, ExportContext, Exporter, Setting

try:
    __version__ = version("$dist")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

AUDIENCES = ("ages-3-7", "ages-7-11", "ages-11-14", "ages-14-18", "parents-carers", "educators")


class ${klass}Options(Schema):
    """What a caller may ask for; sidcontent validates it and shows it as JSON Schema."""

    audience = fields.String(
        load_default=None,
        validate=validate.OneOf(AUDIENCES),
        metadata={"description": "Only the messages for this audience."},
    )
    include_links = fields.Boolean(
        load_default=True, metadata={"description": "Add each message's link."}
    )


class ${klass}Exporter(Exporter):
    name = "$name"
    title = "$title digest"
    description = "The campaign's messages, one paragraph each, as plain text or Markdown."
    media_types = ("text/plain", "text/markdown")
    options_schema = ${klass}Options

    def export(
        self, bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext
    ) -> Artifact:
        # Import the libraries an export needs (PDF, images, templates) here, not
        # at the top: every server process imports this module, the ones that only
        # serve reads too, and only the process running an export calls this.
        markdown = context.media_type == "text/markdown"
        campaign = bundle.campaign
        lines = [f"# {campaign.name}" if markdown else campaign.name, ""]
        for message in bundle.messages:
            if options["audience"] and message.audience != options["audience"]:
                continue
            lines.append(f"**{message.headline}**" if markdown else message.headline)
            if message.body:
                lines.append(message.body)
            if options["include_links"] and message.link:
                lines.append(f"<{message.link}>" if markdown else message.link)
            lines.append("")
        signature = context.settings["signature"]
        if signature:
            lines.append(signature)
        extension = "md" if markdown else "txt"
        return Artifact(
            filename=f"{campaign.slug}-{bundle.locale}.{extension}",
            media_type=context.media_type,
            content="\\n".join(lines).strip().encode() + b"\\n",
        )


@hookimpl
def register_settings(register: Callable[[Setting], None]) -> None:
    # Set with ${env}_SIGNATURE.
    register(Setting("signature", description="A line added at the end of every digest."))


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(${klass}Exporter())
''',
    "tests/test_SNAKE.py": '''\
"""The $name exporter, tested with the fixtures of sidcontent.testing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from marshmallow import ValidationError
from sidcontent.cli import main
from sidcontent.plugins import PluginHost
from sidcontent.testing import run_exporter_in


def test_plain_text_has_every_message(run_exporter, sidcontent_bundle):
    bundle = sidcontent_bundle(
        messages=[
            {"headline": "Check before you share", "link": "https://example.org/a"},
            {"headline": "Be kind online", "audience": "parents-carers", "link": None},
        ]
    )
    artifact = run_exporter("$name", bundle)
    assert artifact.media_type == "text/plain"
    assert artifact.filename == "sid-2026-en.txt"
    text = artifact.content.decode()
    assert text.startswith("Safer Internet Day 2026\\n")
    assert "Check before you share" in text and "https://example.org/a" in text
    assert "Be kind online" in text


def test_markdown_and_options(run_exporter, sidcontent_bundle):
    bundle = sidcontent_bundle(
        messages=[
            {"headline": "For pupils", "audience": "ages-11-14"},
            {"headline": "For parents", "audience": "parents-carers"},
        ]
    )
    options = {"audience": "parents-carers", "include_links": False}
    artifact = run_exporter("$name", bundle, options, media_type="text/markdown")
    text = artifact.content.decode()
    assert text.startswith("# Safer Internet Day 2026")
    assert "**For parents**" in text and "For pupils" not in text
    assert "https://" not in text


@pytest.mark.parametrize("options", [{"audience": "everyone"}, {"colour": "red"}])
def test_bad_options_are_refused(run_exporter, options):
    with pytest.raises(ValidationError):
        run_exporter("$name", options=options)


def test_the_signature_setting(sidcontent_bundle):
    host = PluginHost.from_config({"${config}_SIGNATURE": "-- The SID team"})
    artifact = run_exporter_in(host, "$name", sidcontent_bundle())
    assert artifact.content.decode().endswith("-- The SID team\\n")


def test_listed_and_exported_over_http(sidcontent_client):
    plugins = {p["name"]: p for p in sidcontent_client.get("/api/v1/plugins").get_json()["data"]}
    mine = plugins["$dist"]
    assert mine["status"] == "loaded", mine["error"]
    assert mine["exporters"] == ["$name"]
    assert [s["key"] for s in mine["settings"]] == ["signature"]
    exporters = sidcontent_client.get("/api/v1/exporters").get_json()["data"]
    assert "$name" in {e["name"] for e in exporters}
    response = sidcontent_client.post(
        "/api/v1/exports", json={"exporter": "$name", "campaign": "sid-2026", "locale": "fr"}
    )
    assert response.status_code == 201, response.get_json()


def test_plugins_check_passes():
    # What `sidcontent plugins check $dist` runs: the plugin alone, as the host would.
    result = CliRunner().invoke(main, ["plugins", "check", "$dist"])
    assert result.exit_code == 0, result.output
    assert "exporter $name" in result.output
''',
    "README.md": """\
# $dist

A [sidcontent](https://pypi.org/project/sidcontent/) plugin: the `$name`
exporter turns a campaign's messages into a plain-text or Markdown digest.

## Install

```sh
pip install $dist      # or, from this folder: pip install -e '.[test]'
sidcontent plugins list  # "$dist ... loaded: exporter $name"
```

## Use

```sh
sidcontent export $name --campaign sid-2026 --output -
curl -s -X POST http://127.0.0.1:5000/api/v1/exports \\
     -H "Authorization: Bearer $$TOKEN" -H 'Content-Type: application/json' \\
     -d '{"exporter": "$name", "campaign": "sid-2026", "media_type": "text/markdown",
          "options": {"audience": "parents-carers"}}'
```

Options: `audience` (only that audience's messages), `include_links`
(default true). Setting: `${env}_SIGNATURE`, a line added at
the end of every digest.

## Develop

```sh
pip install -e '.[test]'
pytest                           # the tests use sidcontent's pytest fixtures
ruff check . && ruff format --check .
sidcontent plugins check $dist   # load it alone and try one export per media type
```

Bump `version` in `pyproject.toml` whenever the output changes: sidcontent
answers an identical request from an earlier export of the same plugin
version.
""",
    ".gitignore": """\
__pycache__/
*.py[cod]
*.egg-info/
build/
dist/
.venv/
.pytest_cache/
.ruff_cache/
.mypy_cache/
instance/
""",
}
