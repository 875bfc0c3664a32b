"""`sidcontent fixtures`: load and dump seed content."""

from __future__ import annotations

from pathlib import Path

import click

from sidcontent.cli.common import friendly_errors, load_app, require_migrated
from sidcontent.content import fixtures as fixture_files

DEFAULT_FIXTURES = Path("fixtures")


@click.group()
def fixtures() -> None:
    """Seed content: load and dump."""


@fixtures.command("load")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@friendly_errors
def fixtures_load(path: Path | None) -> None:
    """Load fixture files from PATH (default: ./fixtures). Safe to repeat."""
    app = load_app()
    require_migrated(app)
    database = app.extensions["sidcontent.db"]
    with database.session() as session:
        counts = fixture_files.load(session, path or DEFAULT_FIXTURES)
    if any(counts.values()):
        database.analyze()
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    click.echo(f"changed: {summary}")


@fixtures.command("dump")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@friendly_errors
def fixtures_dump(path: Path | None) -> None:
    """Write all content, drafts included, as fixture files to PATH."""
    app = load_app()
    require_migrated(app)
    with app.extensions["sidcontent.db"].session() as session:
        counts = fixture_files.dump(session, path or DEFAULT_FIXTURES)
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    click.echo(f"dumped: {summary}")
