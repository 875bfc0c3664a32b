"""One database connection per thread, kept open for the thread's life.

Reads that run many times a second (the content generation check, the read
API's page queries) skip a pool's checkout and reset by keeping a connection
of their own in each thread. The keeper owns the three things that make that
safe, in one place for every such use:

- a thread that has ended gives its connection back (closed when the next
  thread opens one), so a server that starts a thread per request does not
  keep one per thread it ever ran until PostgreSQL refuses clients;
- a forked child never uses, closes or finalises its parent's connections
  (finalising a driver connection can end the session on the shared
  socket): it forgets them, keeps them referenced, and opens its own;
- ``close_all`` closes every thread's, for an app that is shutting down.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

C = TypeVar("C")

# Connections inherited across a fork: referenced for ever, never finalised.
_INHERITED: list[Any] = []


class ThreadConnections(Generic[C]):
    def __init__(
        self,
        connect: Callable[[], C],
        *,
        close: Callable[[C], None],
        usable: Callable[[C], bool] = lambda _connection: True,
    ) -> None:
        self._connect = connect
        self._close = close
        self._usable = usable
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: dict[threading.Thread, C] = {}

    def get(self) -> C:
        """This thread's connection, opened on first use in this process."""
        local = self._local
        connection: C | None = getattr(local, "connection", None)
        if (
            connection is None
            or getattr(local, "pid", None) != os.getpid()
            or not self._usable(connection)
        ):
            connection = self._connect()
            local.connection, local.pid = connection, os.getpid()
            with self._lock:
                ended = [thread for thread in self._all if not thread.is_alive()]
                orphans = [self._all.pop(thread) for thread in ended]
                self._all[threading.current_thread()] = connection
            for orphan in orphans:
                self._quietly_close(orphan)
        return connection

    def drop(self) -> None:
        """Close this thread's connection (after an error); get() opens anew."""
        connection: C | None = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is None:
            return
        with self._lock:
            if self._all.get(threading.current_thread()) is connection:
                del self._all[threading.current_thread()]
        self._quietly_close(connection)

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's connections, unclosed."""
        # The parent's lock may have been held by a thread that did not survive.
        self._lock = threading.Lock()
        _INHERITED.extend(self._all.values())
        self._all = {}
        self._local = threading.local()

    def close_all(self) -> None:
        with self._lock:
            held, self._all = list(self._all.values()), {}
        self._local = threading.local()
        for connection in held:
            self._quietly_close(connection)

    def _quietly_close(self, connection: C) -> None:
        # Closing a connection the server has already dropped may raise.
        with contextlib.suppress(Exception):
            self._close(connection)
