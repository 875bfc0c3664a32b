"""`sidcontent translations`: coverage, and XLIFF / PO files for translators."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sidcontent.cli.common import fail, friendly_errors, load_app, require_migrated
from sidcontent.content import locales
from sidcontent.content.models import utcnow
from sidcontent.content.translations import coverage as coveragemod
from sidcontent.content.translations import files, importing


@click.group()
def translations() -> None:
    """Translation coverage, and round trips through XLIFF and PO files."""


def _locale(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return locales.normalize(value)
    except locales.LocaleError as exc:
        fail(f"--locale: {exc}")
        raise  # unreachable: fail() exits


@translations.command("status")
@click.argument("campaign")
@click.option("--locale", help="Only this locale (default: every locale in use).")
@friendly_errors
def status(campaign: str, locale: str | None) -> None:
    """Per locale: translated, missing and stale messages and resources."""
    app = load_app()
    require_migrated(app)
    wanted = _locale(locale)
    with app.extensions["sidcontent.db"].session() as session:
        try:
            report = coveragemod.coverage(session, campaign, [wanted] if wanted else None)
        except coveragemod.UnknownCampaign as exc:
            fail(str(exc))
    click.echo(f"{report['campaign']} (source {report['source_locale']})")
    click.echo(f"{'locale':<10} {'translated':>10} {'missing':>8} {'stale':>6} {'total':>6}")
    for entry in report["locales"]:
        c = entry["counts"]
        click.echo(
            f"{entry['locale']:<10} {c['translated']:>10} {c['missing']:>8} {c['stale']:>6} "
            f"{c['total']:>6}"
        )
        for kind in ("messages", "resources"):
            group = entry[kind]
            if group["missing"]:
                ids = ", ".join(map(str, group["missing"]))
                click.echo(f"  missing {kind}: {ids}")
            if group["stale"]:
                ids = ", ".join(str(s["id"]) for s in group["stale"])
                click.echo(f"  stale {kind}: {ids}")


@translations.command("export")
@click.argument("campaign")
@click.option("--locale", required=True, help="The locale to translate into, e.g. de.")
@click.option("--format", "fmt", type=click.Choice(sorted(files.FORMATS)), default="xliff")
@click.option("--output", help="File or directory (default: current directory; '-': stdout).")
@friendly_errors
def export(campaign: str, locale: str, fmt: str, output: str | None) -> None:
    """Write CAMPAIGN's texts as an XLIFF 1.2 or PO file for translators."""
    app = load_app()
    require_migrated(app)
    target = _locale(locale)
    assert target is not None
    host = app.extensions["sidcontent.plugins"]
    limits = {name: int(reg.item.limit) for name, reg in host.social_platforms.items()}
    with app.extensions["sidcontent.db"].session() as session:
        try:
            content, name = files.export_campaign(session, campaign, target, fmt, limits)
        except (files.NoCampaign, files.FileError) as exc:
            fail(str(exc))
    if output == "-":
        sys.stdout.buffer.write(content)
        return
    path = Path(output or ".")
    if path.is_dir():
        path = path / name
    path.write_bytes(content)
    click.echo(f"wrote {path} ({len(content):,} bytes)", err=True)


@translations.command("import")
@click.argument("campaign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--locale", help="Refuse the file unless it translates into this locale.")
@click.option("--author", default="cli", show_default=True, help="Recorded on each revision.")
@friendly_errors
def import_(campaign: str, file: Path, locale: str | None, author: str) -> None:
    """Apply a translated XLIFF or PO FILE to CAMPAIGN (all or nothing)."""
    app = load_app()
    require_migrated(app)
    expected = _locale(locale)
    content = file.read_bytes()
    try:
        parsed = files.read(content)
    except files.FileError as exc:
        fail(f"{file}: {exc}")
    with app.extensions["sidcontent.db"].session() as session:
        try:
            report = importing.apply(
                session, campaign, parsed, author[:64], utcnow(), expected_locale=expected
            )
        except importing.ImportRefused as exc:
            session.rollback()
            details = "; ".join(f"{u['id']}: {u.get('reason', u['status'])}" for u in exc.units)
            fail(exc.detail + (f" ({details})" if details else ""))
    counts = report.counts()
    click.echo(
        f"imported {file.name} into {report.campaign} ({report.locale}): "
        + ", ".join(f"{n} {state}" for state, n in counts.items())
    )
    for unit in report.units:
        if unit["status"] == "updated":
            click.echo(f"  updated {unit['id']}")
