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
    try:
        app = create_app()
    except ValueError as exc:
        _fail(f"configuration error: {exc}")
        raise  # unreachable, for type checkers
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
