"""What every command shares: one-line errors, the app, the migration check."""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sidcontent import create_app
from sidcontent.content import fixtures as fixture_files
from sidcontent.content import tokens as api_tokens

F = TypeVar("F", bound=Callable[..., Any])


class _ConsoleHandler(logging.Handler):
    """Log records on stderr, looked up at each record (click's runner swaps it).

    Without ``--verbose`` a record is its first line (a failed plugin is one
    line on the console, its traceback only with ``--verbose``); with it, the
    whole record and its traceback, and INFO records too.
    """

    def __init__(self, verbose: bool) -> None:
        super().__init__(logging.DEBUG if verbose else logging.WARNING)
        self.verbose = verbose

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if self.verbose:
                if record.exc_info:
                    text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            else:
                text = text.splitlines()[0] if text else ""
                if record.levelno >= logging.ERROR:
                    text += " (--verbose for details)"
            click.echo(f"{record.levelname.lower()}: {text}", err=True)
        except Exception:
            self.handleError(record)


_console: _ConsoleHandler | None = None


def setup_logging(verbose: bool) -> None:
    """Send the ``sidcontent`` loggers to the console, once per command."""
    global _console
    logger = logging.getLogger("sidcontent")
    if _console is not None:
        logger.removeHandler(_console)
    _console = _ConsoleHandler(verbose)
    logger.addHandler(_console)


def fail(message: str) -> None:
    """Stop the command with one line on stderr and exit code 1."""
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
            fail(str(exc))
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            fail(f"database error: {detail}")
        except (OSError, ValueError) as exc:
            fail(str(exc))

    return wrapper  # type: ignore[return-value]


def load_app() -> Flask:
    """The app for this command; its connections close when the command ends."""
    from sidcontent.plugins import PluginLoadError

    try:
        app = create_app()
    except ValueError as exc:
        fail(f"configuration error: {exc}")
        raise  # unreachable, for type checkers
    except PluginLoadError as exc:
        fail(f"plugin error: {exc}")
        raise
    # Close pooled connections when the command ends, not at interpreter exit.
    click.get_current_context().call_on_close(app.extensions["sidcontent.db"].dispose)
    return app


def require_migrated(app: Flask) -> None:
    """Refuse to run against a database that is not at the latest migration."""
    database = app.extensions["sidcontent.db"]
    if database.current_revision() != database.head_revision():
        fail("the database is not migrated; run `sidcontent db upgrade` first")


@contextmanager
def migrated_session() -> Iterator[Session]:
    """A session on the migrated database; the engine is closed afterwards."""
    app = load_app()
    database = app.extensions["sidcontent.db"]
    try:
        require_migrated(app)
        with database.session() as session:
            yield session
    finally:
        database.dispose()


def iso(value: Any) -> str:
    """A timestamp as ISO 8601 UTC with Z, or 'never'."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else "never"
