"""`sidcontent exports`: look after export records and their artifacts."""

from __future__ import annotations

from datetime import timedelta

import click

from sidcontent.cli.common import fail, friendly_errors, load_app, require_migrated


@click.group()
def exports() -> None:
    """Export records and artifacts."""


@exports.command()
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(1, None),
    help="Days (default: SIDCONTENT_EXPORT_RETENTION_DAYS).",
)
@friendly_errors
def prune(days: int | None) -> None:
    """Delete finished exports older than DAYS and the artifacts no kept export uses."""
    from sidcontent.exports import store as export_store

    app = load_app()
    require_migrated(app)
    days = days or app.config.get("EXPORT_RETENTION_DAYS")
    if not days:
        fail("give --older-than DAYS or set SIDCONTENT_EXPORT_RETENTION_DAYS")
        return
    service = app.extensions["sidcontent.exports"]
    records, artifacts = export_store.prune(service.database, service.store, timedelta(days=days))
    click.echo(f"pruned {records} export(s) older than {days} days and {artifacts} artifact(s)")
