"""`sidcontent fixtures`: load and dump seed content."""

from __future__ import annotations

from pathlib import Path

import click

from sidcontent.cli.common import fail, friendly_errors, load_app, require_migrated
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
@click.option("--force", is_flag=True, help="Write into PATH even if it holds files already.")
@friendly_errors
def fixtures_dump(path: Path | None, force: bool) -> None:
    """Write all content, drafts included: fixture files in the folder PATH
    (what `fixtures load` reads), or with no PATH one JSON document on
    standard output."""
    if path is not None and path.is_dir() and any(path.iterdir()) and not force:
        fail(f"{path} is not empty; pass --force to overwrite its fixture files")
    if path is not None and path.exists() and not path.is_dir():
        fail(f"{path} is a file; PATH is a folder (omit it for standard output)")
    app = load_app()
    require_migrated(app)
    with app.extensions["sidcontent.db"].session() as session:
        if path is None:
            click.echo(fixture_files.dumps(session), nl=False)
            return
        counts = fixture_files.dump(session, path)
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    click.echo(f"dumped: {summary}")
