"""Helpers for the plugin and export tests: drop-in plugins written to tmp dirs."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.auth_helpers import bearer, make_token
from tests.conftest import fresh_database, make_app

HEADER = """\
from sidcontent import hookimpl
from sidcontent.exporting import Artifact, ExportError, Exporter
"""


def exporter_source(name: str, body: str, media_types: str = '("text/plain",)') -> str:
    """A drop-in module registering exporter ``name`` whose export() runs ``body``."""
    lines = [
        HEADER,
        "class E(Exporter):",
        f"    name = {name!r}",
        f"    title = {name.title()!r}",
        f"    media_types = {media_types}",
        "",
        "    def export(self, bundle, options, context):",
        textwrap.indent(textwrap.dedent(body), " " * 8),
        "",
        "@hookimpl",
        "def register_exporters(register):",
        "    register(E())",
        "",
    ]
    return "\n".join(lines)


def write_plugins(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        (directory / f"{name}.py").write_text(source, encoding="utf-8")
    return directory


@contextmanager
def plugin_app(tmp_path: Path, files: dict[str, str], **overrides: object) -> Iterator[Flask]:
    """An app with seed content and the given drop-in plugins."""
    plugins_dir = write_plugins(tmp_path / "plugins", files)
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path, PLUGINS_DIR=str(plugins_dir), **overrides)
        try:
            yield app
        finally:
            app.extensions["sidcontent.db"].dispose()


def marketer_client(app: Flask, name: str = "marketer") -> FlaskClient:
    """A test client that sends a marketer token (made by the CLI) on every request."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = bearer(make_token(app, name, "marketer"))[
        "Authorization"
    ]
    return client
