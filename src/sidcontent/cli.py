"""The ``sidcontent`` command.

Every command reads ``SIDCONTENT_DATABASE_URL`` (default: SQLite in the
instance folder). Errors are one line on stderr and a non-zero exit; a
traceback is a bug.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sidcontent import __version__, create_app
from sidcontent.content import fixtures as fixture_files
from sidcontent.content import tokens as api_tokens
from sidcontent.content.models import utcnow

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_FIXTURES = Path("fixtures")


def _fail(message: str) -> None:
    raise click.ClickException(message)


def friendly_errors(func: F) -> F:
    """Turn expected failures into one clear line instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except (fixture_files.FixtureError, api_tokens.TokenError) as exc:
            _fail(str(exc))
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            _fail(f"database error: {detail}")
        except (OSError, ValueError) as exc:
            _fail(str(exc))

    return wrapper  # type: ignore[return-value]


def _app() -> Flask:
    from sidcontent.plugins import PluginLoadError

    try:
        app = create_app()
    except ValueError as exc:
        _fail(f"configuration error: {exc}")
        raise  # unreachable, for type checkers
    except PluginLoadError as exc:
        _fail(f"plugin error: {exc}")
        raise
    # Close pooled connections when the command ends, not at interpreter exit.
    click.get_current_context().call_on_close(app.extensions["sidcontent.db"].dispose)
    return app


@click.group()
@click.version_option(__version__, prog_name="sidcontent")
def main() -> None:
    """sidcontent: campaign content as an API, and exporters for it."""


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@friendly_errors
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations up to REVISION."""
    database = _app().extensions["sidcontent.db"]
    database.upgrade(revision)
    database.analyze()
    click.echo(f"database at migration {database.current_revision()}")


@db.command("current")
@friendly_errors
def db_current() -> None:
    """Print the database's migration."""
    database = _app().extensions["sidcontent.db"]
    click.echo(database.current_revision() or "empty (run `sidcontent db upgrade`)")


def _require_migrated(app: Flask) -> None:
    database = app.extensions["sidcontent.db"]
    if database.current_revision() != database.head_revision():
        _fail("the database is not migrated; run `sidcontent db upgrade` first")


@main.group()
def fixtures() -> None:
    """Seed content: load and dump."""


@fixtures.command("load")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@friendly_errors
def fixtures_load(path: Path | None) -> None:
    """Load fixture files from PATH (default: ./fixtures). Safe to repeat."""
    app = _app()
    _require_migrated(app)
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
    app = _app()
    _require_migrated(app)
    with app.extensions["sidcontent.db"].session() as session:
        counts = fixture_files.dump(session, path or DEFAULT_FIXTURES)
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    click.echo(f"dumped: {summary}")


@main.group()
def tokens() -> None:
    """API tokens: create, list, revoke. Secrets are shown once, stored as hashes."""


@contextmanager
def _migrated_session() -> Iterator[Session]:
    """A session on the migrated database; the engine is closed afterwards."""
    app = _app()
    database = app.extensions["sidcontent.db"]
    try:
        _require_migrated(app)
        with database.session() as session:
            yield session
    finally:
        database.dispose()


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z") if value is not None else "never"


@tokens.command("create")
@click.option("--name", required=True, help="A unique name; revisions record it as the author.")
@click.option("--role", required=True, type=click.Choice(api_tokens.ROLES), help="What it may do.")
@click.option("--expires", "expires_days", type=int, help="Expire after this many days.")
@click.option("--quiet", is_flag=True, help="Print only the secret, on one line.")
@friendly_errors
def tokens_create(name: str, role: str, expires_days: int | None, quiet: bool) -> None:
    """Create a token and print its secret (shown only this once)."""
    with _migrated_session() as session:
        token, secret = api_tokens.create(session, name, role, expires_days)
    if quiet:
        click.echo(secret)
        return
    click.echo(f"created token {token.name!r} ({token.role}), expires {_iso(token.expires_at)}")
    click.echo(secret)
    click.echo("Keep it now: only its hash is stored, so it cannot be shown again.", err=True)


@tokens.command("list")
@friendly_errors
def tokens_list() -> None:
    """List tokens (names, roles, states; never secrets)."""
    now = utcnow()
    with _migrated_session() as session:
        rows = api_tokens.list_tokens(session)
    if not rows:
        click.echo("no tokens (create one with `sidcontent tokens create`)")
        return
    click.echo(f"{'NAME':<24} {'ROLE':<10} {'STATE':<8} {'HINT':<10} {'CREATED':<21} EXPIRES")
    for t in rows:
        click.echo(
            f"{t.name:<24} {t.role:<10} {t.state(now):<8} {t.hint:<10} "
            f"{_iso(t.created_at):<21} {_iso(t.expires_at)}"
        )


@tokens.command("revoke")
@click.argument("name")
@friendly_errors
def tokens_revoke(name: str) -> None:
    """Revoke the token NAME: it stops working at once."""
    with _migrated_session() as session:
        api_tokens.revoke(session, name)
    click.echo(f"revoked token {name!r}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@friendly_errors
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API with gunicorn."""
    from gunicorn.app.base import BaseApplication

    app = _app()
    _require_migrated(app)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            # An export may run for SIDCONTENT_EXPORT_TIMEOUT seconds inside a
            # request: gunicorn must not kill the worker before that limit does.
            self.cfg.set("timeout", max(30, int(app.config["EXPORT_TIMEOUT"]) + 15))

        def load(self) -> Flask:
            return app

    click.echo(f"serving on http://{host}:{port}", err=True)
    Server().run()


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml")
@friendly_errors
def openapi(output: Path | None, fmt: str) -> None:
    """Print (or write) the OpenAPI document generated from the code."""
    import orjson

    from sidcontent.api.meta import openapi_document, openapi_yaml

    app = _app()
    api = app.extensions["sidcontent.api"]
    if fmt == "yaml":
        text = openapi_yaml(api)
    else:
        text = orjson.dumps(openapi_document(api), option=orjson.OPT_INDENT_2).decode() + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


# --- plugins and exports --------------------------------------------------------


@main.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/v1/plugins serves.")
@friendly_errors
def plugins_list(as_json: bool) -> None:
    """List plugins: loaded, disabled and failed, with what they provide."""
    import orjson

    host = _app().extensions["sidcontent.plugins"]
    rows = [info.payload() for info in host.plugins.values()]
    if as_json:
        click.echo(orjson.dumps({"data": rows}, option=orjson.OPT_INDENT_2).decode())
        return
    if not rows:
        click.echo("no plugins")
    for row in rows:
        provides = ", ".join(
            [f"exporter {n}" for n in row["exporters"]]
            + [f"platform {n}" for n in row["social_platforms"]]
        )
        line = f"{row['name']} {row['version'] or '-'} [{row['source']}] {row['status']}"
        if provides:
            line += f": {provides}"
        if row["error"]:
            line += f" ({row['error']})"
        click.echo(line)


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
            _fail(f"option {pair!r} is not key=value")
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


@main.command("export")
@click.argument("exporter")
@click.option("--campaign", required=True, help="Campaign slug, e.g. sid-2017.")
@click.option("--locale", help="Locale to export (default: the campaign's default locale).")
@click.option("--all-locales", is_flag=True, help="One export per locale the campaign has.")
@click.option("--message", "messages", type=int, multiple=True, help="Only this message id.")
@click.option("--resource", "resources", type=int, multiple=True, help="Only this resource id.")
@click.option("--media-type", help="One of the exporter's media types (default: its first).")
@click.option("-o", "--option", "pairs", multiple=True, metavar="KEY=VALUE", help="An option.")
@click.option(
    "--output",
    help="File or directory (default: the current directory; '-' for standard output). "
    "With --all-locales, a directory with one folder per locale.",
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
) -> None:
    """Run EXPORTER on a campaign's published content and write the artifact."""
    from sidcontent.export_service import ExportFailed, ExportRejected, ExportRequest

    if locale and all_locales:
        _fail("use --locale or --all-locales, not both")
    options = _parse_options(pairs)
    app = _app()
    _require_migrated(app)
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
        _fail("; ".join(_flatten(exc.errors)) if exc.errors else exc.detail)
    several = len(targets) > 1
    if several and output == "-":
        _fail("--output - (standard output) takes one export, not --all-locales")
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
            done = service.run(request)
        except ExportRejected as exc:
            failures.append("; ".join(_flatten(exc.errors)) if exc.errors else exc.detail)
            return ""
        except ExportFailed as exc:
            failures.append(f"export {exc.record.id} failed: {exc.record.error}")
            return ""
        record = done.record
        path = service.artifact_path(record)
        assert record.artifact is not None and path is not None
        destination = _target(output, record.artifact["filename"], record.locale, several)
        if destination is None:
            sys.stdout.buffer.write(path.read_bytes())
            return ""
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(path.read_bytes())
        note = " (reused)" if done.reused else ""
        return f"{destination} ({record.artifact['size']:,} bytes, {record.locale}){note}"

    if several:
        written = []
        with click.progressbar(targets, label=f"Exporting {exporter}", file=sys.stderr) as bar:
            for target_locale in bar:
                written.append(one(target_locale))
    else:
        written = [one(targets[0])]
    for line in written:
        if line:
            click.echo(f"wrote {line}", err=True)
    if failures:
        _fail(
            failures[0]
            if len(failures) == 1
            else f"{len(failures)} exports failed: " + " | ".join(failures)
        )
