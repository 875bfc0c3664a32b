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

import os
import threading
import weakref

from flask import Flask
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from sidcontent.db import Database, make_engine
from sidcontent.thread_connections import ThreadConnections

KEY = "sidcontent.read_connections"
_LIVE: weakref.WeakSet[ReadConnections] = weakref.WeakSet()


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
        self.connections: ThreadConnections[Connection] = ThreadConnections(
            lambda: self.engine.connect().execution_options(isolation_level="AUTOCOMMIT"),
            # After an error the connection may be broken: never back to the pool.
            close=lambda connection: connection.invalidate(),
            usable=lambda connection: not (connection.closed or connection.invalidated),
        )
        _LIVE.add(self)

    def get(self) -> Connection:
        return self.connections.get()

    def drop(self) -> None:
        """Forget this thread's connection (after an error); the next get() opens one."""
        self.connections.drop()

    def forget_after_fork(self) -> None:
        self.connections.forget_after_fork()
        self.engine.dispose(close=False)

    def dispose(self) -> None:
        """Close every thread's connection (the app's database is being closed)."""
        self.connections.close_all()
        self.engine.dispose()
