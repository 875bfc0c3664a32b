"""One database connection per thread for content reads, kept open.

An uncached read spent about a fifth of its time taking a connection from
the pool through an ORM session and handing it back (begin, rollback,
reset). A read needs none of that: it runs a few SELECTs, and in autocommit
each sees the latest committed data, exactly as each statement does inside a
READ COMMITTED transaction (PostgreSQL's default; SQLite's driver runs
SELECTs outside a transaction anyway). So each thread keeps one connection in
autocommit, from an engine of its own: connections held for a thread's life
must never starve the pool that writers take theirs from.

Fork safe like ``sidcontent.db``: a child never uses a connection its parent
opened, nor lets one be finalised (which could talk on the shared socket).
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from typing import Any

from flask import Flask
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from sidcontent.db import Database, make_engine

KEY = "sidcontent.read_connections"
_LIVE: weakref.WeakSet[ReadConnections] = weakref.WeakSet()
# Connections inherited across a fork: referenced forever, never finalised.
_INHERITED: list[Any] = []


def _after_fork_in_child() -> None:
    for reads in list(_LIVE):
        reads.forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def usable(url: str) -> bool:
    """A second engine reaches the same data (not so for an in-memory SQLite)."""
    parsed = make_url(url)
    return not (parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"))


_creating = threading.Lock()


def for_app(app: Flask) -> ReadConnections | None:
    """The app's kept read connections (made on first use); None where they
    cannot serve (an in-memory SQLite database: reads use the session)."""
    reads: ReadConnections | None = app.extensions.get(KEY)
    if reads is not None:
        return reads
    database: Database = app.extensions["sidcontent.db"]
    if not usable(database.url):
        return None
    with _creating:
        reads = app.extensions.get(KEY)
        if reads is None:
            reads = app.extensions[KEY] = ReadConnections(database.url)
            database.on_dispose.append(reads.dispose)
    return reads


class ReadConnections:
    def __init__(self, url: str) -> None:
        # pool_size=0: as many as there are threads, each kept.
        self.engine = make_engine(url, pool_size=0)
        self._local = threading.local()
        self._lock = threading.Lock()
        # Every connection by the thread that holds it: dispose() closes them
        # all, and a thread that has ended gives its one back (a server that
        # starts a thread per request would otherwise keep one per thread it
        # ever ran, until PostgreSQL refuses clients).
        self._all: dict[threading.Thread, Connection] = {}
        _LIVE.add(self)

    def get(self) -> Connection:
        local = self._local
        connection: Connection | None = getattr(local, "connection", None)
        if (
            connection is None
            or getattr(local, "pid", None) != os.getpid()
            or connection.closed
            or connection.invalidated
        ):
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            local.connection, local.pid = connection, os.getpid()
            with self._lock:
                ended = [thread for thread in self._all if not thread.is_alive()]
                orphans = [self._all.pop(thread) for thread in ended]
                self._all[threading.current_thread()] = connection
            for orphan in orphans:
                with contextlib.suppress(Exception):
                    orphan.close()
        return connection

    def drop(self) -> None:
        """Forget this thread's connection (after an error); the next get() opens one."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                if self._all.get(threading.current_thread()) is connection:
                    del self._all[threading.current_thread()]
            with contextlib.suppress(Exception):
                connection.invalidate()

    def forget_after_fork(self) -> None:
        # The parent's lock may have been held by a thread that did not survive.
        self._lock = threading.Lock()
        _INHERITED.extend(self._all.values())
        self._all = {}
        self._local = threading.local()
        self.engine.dispose(close=False)

    def dispose(self) -> None:
        """Close every thread's connection (the app's database is being closed)."""
        with self._lock:
            held, self._all = list(self._all.values()), {}
        self._local = threading.local()
        for connection in held:
            with contextlib.suppress(Exception):
                connection.close()
        self.engine.dispose()
