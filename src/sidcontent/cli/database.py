"""`sidcontent db`: migrations."""

from __future__ import annotations

import click

from sidcontent.cli.common import fail, friendly_errors, load_app


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@friendly_errors
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations up to REVISION."""
    database = load_app().extensions["sidcontent.db"]
    known = database.known_revisions()
    if revision not in ("head", "heads", *known):
        fail(f"unknown revision {revision!r}; known: head, {', '.join(known)}")
    database.upgrade(revision)
    database.analyze()
    click.echo(f"database at migration {database.current_revision()}")


@db.command("current")
@friendly_errors
def db_current() -> None:
    """Print the database's migration."""
    database = load_app().extensions["sidcontent.db"]
    click.echo(database.current_revision() or "empty (run `sidcontent db upgrade`)")
