"""Engine and session setup, and the Alembic entry points.

One engine per app (kept in ``app.extensions``), one session per request or
CLI command. Nothing here is global, so every test's app is independent.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
_GENERATION_SQL = "SELECT generation FROM content_state WHERE id = 1"


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._generation_reader = _GenerationReader(self.engine)

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

        Every cached GET reads it, so it bypasses SQLAlchemy's connection and
        result machinery (~0.3 ms) for a driver connection per thread kept in
        autocommit mode: a few microseconds on SQLite, one round trip on
        PostgreSQL, and always the latest committed value.
        """
        try:
            return self._generation_reader.read()
        except Exception:
            # A dropped connection (server restart, failover): one retry on
            # a new one; a second failure propagates as a 500/503.
            self._generation_reader.reset()
            return self._generation_reader.read()

    def analyze(self) -> None:
        """Refresh the query planner's statistics.

        Without them SQLite answers an unfiltered page by collecting every
        visible row and sorting it (7x slower at 100,000 messages than at
        1,000, bench/read_api.py); with them it walks the id index. Run after
        migrations and bulk loads; PostgreSQL's autovacuum also does this.
        """
        with self.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def upgrade(self, revision: str = "head") -> None:
        with self.engine.begin() as conn:
            config = alembic_config(self.url)
            config.attributes["connection"] = conn
            command.upgrade(config, revision)

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        return ScriptDirectory.from_config(alembic_config(self.url)).get_current_head()

    def dispose(self) -> None:
        self._generation_reader.reset_all()
        self.engine.dispose()


class _GenerationReader:
    """Reads the generation on a driver connection of the thread's own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Any] = []

    def _connect(self) -> Any:
        dialect = self.engine.dialect
        cargs, cparams = dialect.create_connect_args(self.engine.url)
        if dialect.name == "sqlite":
            cparams = {**cparams, "isolation_level": None, "check_same_thread": False}
        connection = dialect.loaded_dbapi.connect(*cargs, **cparams)
        if dialect.name != "sqlite":
            connection.autocommit = True
        with self._lock:
            self._all.append(connection)
        return connection

    def read(self) -> int:
        # Connections are per process too: a forked worker must not share
        # its parent's socket.
        pid = os.getpid()
        if getattr(self._local, "pid", None) != pid:
            self._local.connection = self._connect()
            self._local.pid = pid
        cursor = self._local.connection.cursor()
        try:
            cursor.execute(_GENERATION_SQL)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return int(row[0]) if row else 0

    def reset(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.pid = None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()

    def reset_all(self) -> None:
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            with contextlib.suppress(Exception):
                connection.close()
        self._local = threading.local()


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
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


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
