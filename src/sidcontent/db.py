"""Engine and session setup, and the Alembic entry points.

One engine per app (kept in ``app.extensions``), one session per request or
CLI command. Nothing here is global, so every test's app is independent.

Alembic (with Mako and Pygments, about 11 MB per process) is imported only
by the commands that migrate or list migrations. Every web worker and CLI
command checks that the database is migrated (``/readyz``,
``require_migrated``), so those two answers are read without it: the
current revision from the version table, the head from the migration
files' ``revision``/``down_revision`` assignments.
"""

from __future__ import annotations

import ast
import functools
import os
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from sidcontent.generation_watch import BUMPED, WATCH_APPLICATION_NAME, GenerationWatch
from sidcontent.thread_connections import ThreadConnections

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic's default, which migrations/env.py keeps.
VERSION_TABLE = "alembic_version"
_GENERATION_SQL = "SELECT generation FROM content_state WHERE id = 1"

# (table, index, "rows, then average rows per distinct prefix of the index")
# for 100,000 messages and 20,000 resources: per-parent rows stay few (3
# translations a message), categorical values grow (an audience has 15,000).
SQLITE_PLANNING_PROFILE = (
    ("messages", "ix_messages_campaign_id_id", "100000 2000 1"),
    ("messages", "ix_messages_audience_id", "100000 15000 1"),
    ("messages", "ix_messages_kind_id", "100000 20000 1"),
    ("messages", "ix_messages_status_publish_at", "100000 40000 40000"),
    ("messages", "ix_messages_updated_at_id", "100000 2 1"),
    ("message_tags", "sqlite_autoindex_message_tags_1", "300000 3 1"),
    ("message_tags", "ix_message_tags_tag_message_id", "300000 3000 1"),
    ("message_translations", "sqlite_autoindex_message_translations_1", "300000 3 1"),
    ("resources", "ix_resources_campaign_id_id", "20000 400 1"),
    ("resources", "ix_resources_type_id", "20000 2000 1"),
    ("resources", "ix_resources_status_publish_at", "20000 8000 8000"),
    ("resources", "ix_resources_updated_at_id", "20000 2 1"),
    ("resource_audiences", "sqlite_autoindex_resource_audiences_1", "40000 2 1"),
    ("resource_audiences", "ix_resource_audiences_audience_resource_id", "40000 6000 1"),
    ("resource_tags", "sqlite_autoindex_resource_tags_1", "60000 3 1"),
    ("resource_tags", "ix_resource_tags_tag_resource_id", "60000 600 1"),
    ("resource_translations", "sqlite_autoindex_resource_translations_1", "60000 3 1"),
)


# Every Database of this process, so a fork can make each child start afresh.
_LIVE: weakref.WeakSet[Database] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for database in list(_LIVE):
        database.forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Database:
    """An engine and its session factory.

    Fork safe: a child process (a gunicorn or Celery worker, an export
    sandbox) never uses a connection, SQLite handle or socket its parent
    opened. Every fork drops the inherited ones without closing them (closing
    would end the parent's session on the shared socket) and the child
    connects anew on first use (the SQLAlchemy docs' "Using Connection Pools
    with Multiprocessing or os.fork()").
    """

    def __init__(self, url: str, *, watch_generation: bool = False, **engine_options: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._generation_reader = _GenerationReader(self.engine)
        # PostgreSQL pushes each committed generation (see generation_watch.py).
        self._generation_watch: GenerationWatch | None = None
        if watch_generation and self.engine.dialect.name == "postgresql":
            reader = self._generation_reader
            self._generation_watch = GenerationWatch(
                # Named, so an operator can tell it in pg_stat_activity.
                lambda: reader._connect(application_name=WATCH_APPLICATION_NAME),
                _read_generation,
            )
            event.listen(self.sessions, "after_commit", self._committed)
        # What else holds connections to this database and must close with it
        # (the API's kept read connections).
        self.on_dispose: list[Callable[[], None]] = []
        _LIVE.add(self)

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's connections, unclosed."""
        self.engine.dispose(close=False)
        self._generation_reader.connections.forget_after_fork()
        if self._generation_watch is not None:
            self._generation_watch.forget_after_fork()

    def _committed(self, session: Session) -> None:
        # This process's own write is seen now, not when its notice arrives:
        # the generation read after the commit is at least the one it wrote.
        watch = self._generation_watch
        if watch is None or not session.info.pop(BUMPED, False):
            return
        try:
            watch.saw(self._generation_reader.read())
        except Exception:
            self._generation_reader.connections.drop()
            watch.distrust()  # read per request until the listener hears again

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def generation(self) -> int:
        """The content generation (see ``ContentState``).

        Every cached GET reads it. On PostgreSQL with a watch it is the value
        the listener last read (generation_watch.py), no query at all; else,
        and whenever the watch cannot vouch for its value, it is read on a
        driver connection per thread kept in autocommit mode, bypassing
        SQLAlchemy's connection and result machinery (~0.3 ms): a few
        microseconds on SQLite, one round trip on PostgreSQL.
        """
        watch = self._generation_watch
        if watch is not None:
            pushed = watch.current()
            if pushed is not None:
                return pushed
        try:
            return self._generation_reader.read()
        except Exception:
            # A dropped connection (server restart, failover): one retry on
            # a new one; a second failure propagates as a 500/503.
            self._generation_reader.connections.drop()
            return self._generation_reader.read()

    def analyze(self) -> None:
        """Give the query planner statistics; run after migrations and loads.

        PostgreSQL: a plain ANALYZE (autovacuum keeps it fresh afterwards).

        SQLite never refreshes statistics by itself, and both of its defaults
        scale badly (bench/read_api.py): with no statistics it answers an
        unfiltered page by collecting every visible row and sorting it (7x
        slower at 100,000 messages than at 1,000); with statistics taken
        from the 49 seed messages it scans whole tag tables instead of using
        their index (3x). So the growing tables get a fixed planning profile
        describing them at scale ("Manual Control Of Query Plans Using
        SQLITE_STAT Tables", sqlite.org/optoverview.html), which keeps the
        plans that are right for both 1,000 and 100,000 rows.
        """
        with self.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            if self.engine.dialect.name != "sqlite":
                return
            for table, index, stat in SQLITE_PLANNING_PROFILE:
                conn.exec_driver_sql(
                    "DELETE FROM sqlite_stat1 WHERE tbl = ? AND idx = ?", (table, index)
                )
                conn.exec_driver_sql(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)",
                    (table, index, stat),
                )
            # Make this connection's planner read the new rows too.
            conn.exec_driver_sql("ANALYZE sqlite_schema")

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def upgrade(self, revision: str = "head") -> None:
        # Lazy: only `db upgrade` and test set-up migrate (see the module doc).
        from alembic import command

        with self.engine.begin() as conn:
            config = alembic_config(self.url)
            config.attributes["connection"] = conn
            command.upgrade(config, revision)

    def current_revision(self) -> str | None:
        """The revision the database is at (None before the first migration).

        Read as Alembic's ``MigrationContext.get_current_revision`` reads it,
        without importing Alembic: every readiness check asks.
        """
        with self.engine.connect() as conn:
            if not inspect(conn).has_table(VERSION_TABLE):
                return None
            rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        if len(rows) > 1:
            raise MigrationHeadsError(f"the database is at several heads: {sorted(rows)}")
        return rows[0] if rows else None

    def known_revisions(self) -> list[str]:
        """Every migration's revision, oldest first."""
        # Lazy: only `db upgrade` validates its argument against the list.
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(alembic_config(self.url))
        return [rev.revision for rev in reversed(list(script.walk_revisions()))]

    def head_revision(self) -> str | None:
        """The latest migration's revision, as Alembic's ``get_current_head``."""
        return migrations_head()

    def dispose(self) -> None:
        if self._generation_watch is not None:
            self._generation_watch.stop()
        for dispose in self.on_dispose:
            dispose()
        self._generation_reader.connections.close_all()
        self.engine.dispose()


class _GenerationReader:
    """Reads the generation on a driver connection of the thread's own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Looked up once: read() runs on every cached GET.
        self._driver_errors: type[Exception] = engine.dialect.loaded_dbapi.Error
        self.connections: ThreadConnections[Any] = ThreadConnections(
            self._connect, close=lambda connection: connection.close()
        )

    def _connect(self, **extra: Any) -> Any:
        dialect = self.engine.dialect
        cargs, cparams = dialect.create_connect_args(self.engine.url)
        cparams = {**cparams, **extra}
        if dialect.name == "sqlite":
            cparams = {**cparams, "isolation_level": None, "check_same_thread": False}
        connection = dialect.loaded_dbapi.connect(*cargs, **cparams)
        if dialect.name != "sqlite":
            connection.autocommit = True
        return connection

    def read(self) -> int:
        try:
            return _read_generation(self.connections.get())
        except self._driver_errors as exc:
            # Connecting and reading both raise the driver's own errors.
            raise driver_error(self.engine.dialect, _GENERATION_SQL, exc) from exc


def driver_error(dialect: Dialect, statement: str, exc: Exception) -> StatementError:
    """A driver's error as SQLAlchemy would raise it, for code that talks to
    the driver directly: an unreachable database is then an
    ``OperationalError`` like any other (a 503, not a 500), with the
    statement's parameters kept out of its message."""
    return DBAPIError.instance(
        statement, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
    )


def _read_generation(connection: Any) -> int:
    cursor = connection.cursor()
    try:
        cursor.execute(_GENERATION_SQL)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return int(row[0]) if row else 0


SUPPORTED_DATABASES = (
    "SQLite (sqlite:///PATH) or PostgreSQL (postgresql+psycopg://USER@HOST/DB, "
    "with the postgres extra: pip install 'sidcontent[postgres]')"
)


class DatabaseURLError(ValueError):
    """A database URL this program cannot use, said in one line."""


def check_url(url: str) -> None:
    """Refuse, in one line, a URL that is not SQLite or PostgreSQL with its driver.

    SQLAlchemy would otherwise fail deep inside its dialect loading (a
    missing MySQLdb, an unknown "oracle" driver) with a long traceback; and
    a SQLite file whose folder does not exist is a typo, not a folder to create.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseURLError(
            f"{url!r} is not a database URL; use {SUPPORTED_DATABASES}"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseURLError(
            f"unsupported database {backend!r} in {parsed.render_as_string()!r}; "
            f"use {SUPPORTED_DATABASES}"
        )
    try:
        parsed.get_dialect().import_dbapi()
    except (ArgumentError, ImportError, NoSuchModuleError) as exc:
        raise DatabaseURLError(
            f"cannot use {parsed.render_as_string()!r}: {exc}; use {SUPPORTED_DATABASES}"
        ) from None
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            raise DatabaseURLError(
                f"the folder of the SQLite database {parsed.database!r} does not exist: "
                f"create {str(folder)!r} first"
            )


def make_engine(url: str, **options: Any) -> Engine:
    check_url(url)
    # Errors (and so log lines) never carry statement parameters: a token
    # hash or a user's text must not reach a log.
    options.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (gunicorn workers) run while a writer commits;
    # foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class MigrationHeadsError(RuntimeError):
    """The migrations (or the database) have more than one head."""


@functools.cache
def migrations_head(versions: Path = MIGRATIONS / "versions") -> str | None:
    """The one revision no migration in ``versions`` names as its ``down_revision``.

    Read from each file's module-level assignments with :mod:`ast`, never by
    running them (that is Alembic's job, and costs its import): the files
    are this package's own and fixed once installed, so once per process.
    Which files count follows Alembic: ``*.py``, less ``__init__.py`` and
    editors' ``.#`` lock files. tests/test_lean_workers.py checks the answer
    against Alembic's.
    """
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        if path.name.startswith((".#", "__init__")):
            continue
        found = _revision_assignments(path)
        if isinstance(found.get("revision"), str):
            revisions.add(found["revision"])
        down = found.get("down_revision")
        downs.update([down] if isinstance(down, str) else down or ())
    heads = sorted(revisions - downs)
    if len(heads) > 1:
        raise MigrationHeadsError(f"the migrations have several heads: {heads}")
    return heads[0] if heads else None


def _revision_assignments(path: Path) -> dict[str, Any]:
    """``revision`` and ``down_revision`` as a migration file assigns them."""
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_bytes(), str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(value)
    return found


def alembic_config(url: str) -> Config:
    # Lazy: see the module doc; only migrating and listing migrations use it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
