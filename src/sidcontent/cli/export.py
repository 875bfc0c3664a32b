"""`sidcontent export`: run an exporter and write its artifact."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from sidcontent.cli.common import fail, friendly_errors, load_app, require_migrated


def _option_value(text: str) -> Any:
    """``-o key=value``: JSON where it parses (numbers, booleans, lists), else text."""
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def _parse_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"option {pair!r} is not key=value")
        options[key.strip()] = _option_value(value)
    return options


def _flatten(errors: Any, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        lines = []
        for key, value in errors.items():
            lines += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return lines
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return [f"{prefix}: {' '.join(errors)}"]
    if isinstance(errors, list):
        return [line for e in errors for line in _flatten(e, prefix)]
    return [f"{prefix}: {errors}"]


def _target(output: str | None, filename: str, locale: str, several: bool) -> Path | None:
    """Where an artifact goes; None means standard output."""
    if output == "-":
        return None
    base = Path(output) if output else Path(".")
    if several:
        return base / locale / filename
    if output and not (base.is_dir() or output.endswith(("/", "\\"))):
        return base
    return base / filename


def _wait(service: Any, export_id: str) -> Any:
    """Poll a queued export until it ends, with one progress line on stderr."""
    started = time.monotonic()
    last = ""
    while True:
        record, position = service.find(export_id)
        if record.status in ("succeeded", "failed"):
            if last:
                click.echo(err=True)
            return record
        waited = time.monotonic() - started
        if record.status == "queued":
            line = f"export {export_id}: queued, position {position} ({waited:.0f} s)"
        else:
            line = f"export {export_id}: running ({waited:.0f} s)"
        if sys.stderr.isatty():
            click.echo("\r" + line.ljust(len(last)), nl=False, err=True)
        elif line.split(" (")[0] != last.split(" (")[0]:
            click.echo(line, err=True)
        last = line
        time.sleep(0.5)


@click.command("export")
@click.argument("exporter")
@click.option("--campaign", required=True, help="Campaign slug, e.g. sid-2017.")
@click.option("--locale", help="Locale to export (default: the campaign's default locale).")
@click.option("--all-locales", is_flag=True, help="One export per locale the campaign has.")
@click.option(
    "--message",
    "messages",
    type=int,
    multiple=True,
    help="Export this message id; repeat for several (default: all).",
)
@click.option(
    "--resource",
    "resources",
    type=int,
    multiple=True,
    help="Export this resource id; repeat for several (default: all).",
)
@click.option("--media-type", help="One of the exporter's media types (default: its first).")
@click.option("-o", "--option", "pairs", multiple=True, metavar="KEY=VALUE", help="An option.")
@click.option(
    "--output",
    help="File or directory (default: the current directory; '-' for standard output). "
    "With --all-locales, a directory with one folder per locale.",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="With a queue (SIDCONTENT_BROKER_URL): print the queued export's id and return.",
)
@friendly_errors
def export(
    exporter: str,
    campaign: str,
    locale: str | None,
    all_locales: bool,
    messages: tuple[int, ...],
    resources: tuple[int, ...],
    media_type: str | None,
    pairs: tuple[str, ...],
    output: str | None,
    no_wait: bool,
) -> None:
    """Run EXPORTER on a campaign's published content and write the artifact."""
    from sidcontent.exports.service import ExportFailed, ExportRejected, ExportRequest

    if locale and all_locales:
        fail("use --locale or --all-locales, not both")
    options = _parse_options(pairs)
    if output and output != "-":
        parent = Path(output.rstrip("/\\") or "/").absolute().parent
        if not parent.is_dir():
            fail(f"--output {output!r}: the folder {str(parent)!r} does not exist")
    app = load_app()
    require_migrated(app)
    service = app.extensions["sidcontent.exports"]
    try:
        # Check what needs no content first, so a typo fails before any work.
        registered = service.exporter(exporter)
        service.media_type(registered, media_type)
        service.options(registered, options)
        targets: list[str | None] = (
            list(service.available_locales(campaign)) if all_locales else [locale]
        )
    except ExportRejected as exc:
        fail("; ".join(_flatten(exc.errors)) if exc.errors else exc.detail)
    several = len(targets) > 1
    if several and output == "-":
        fail("--output - (standard output) takes one export, not --all-locales")
    failures: list[str] = []

    def one(target_locale: str | None) -> str:
        request = ExportRequest(
            exporter=exporter,
            campaign=campaign,
            locale=target_locale,
            media_type=media_type,
            options=options,
            message_ids=messages or None,
            resource_ids=resources or None,
            requested_by="cli",
        )
        try:
            done = service.submit(request)
        except ExportRejected as exc:
            failures.append("; ".join(_flatten(exc.errors)) if exc.errors else exc.detail)
            return ""
        except ExportFailed as exc:
            failures.append(f"export {exc.record.id} failed: {exc.record.error}")
            return ""
        record = done.record
        if done.queued:
            if no_wait:
                click.echo(record.id)
                return f"nothing yet: export {record.id} is queued"
            record = _wait(service, record.id)
            if record.status == "failed":
                failures.append(f"export {record.id} failed: {record.error}")
                return ""
        # Fallback items, clipped HTML...: what the marketer must know before using it.
        for warning in record.warnings:
            click.echo(f"warning: {warning}", err=True)
        chunks = service.artifact_chunks(record)
        assert record.artifact is not None and chunks is not None
        destination = _target(output, record.artifact["filename"], record.locale, several)
        if destination is None:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            if done.reused:
                click.echo(f"export {record.id} reused an identical earlier one", err=True)
            return ""
        destination.parent.mkdir(parents=True, exist_ok=True)
        with destination.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        note = " (reused an identical earlier export)" if done.reused else ""
        return f"{destination} ({record.artifact['size']:,} bytes, {record.locale}){note}"

    if several:
        written = []
        with click.progressbar(targets, label=f"Exporting {exporter}", file=sys.stderr) as bar:
            for target_locale in bar:
                written.append(one(target_locale))
    else:
        written = [one(targets[0])]
    for line in written:
        if line.startswith("nothing yet: "):
            click.echo(line.removeprefix("nothing yet: "), err=True)
        elif line:
            click.echo(f"wrote {line}", err=True)
    if failures:
        fail(
            failures[0]
            if len(failures) == 1
            else f"{len(failures)} exports failed: " + " | ".join(failures)
        )
