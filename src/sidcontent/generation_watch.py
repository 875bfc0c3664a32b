"""The content generation, pushed by PostgreSQL instead of asked per request.

Every cached read needs the current generation (``content_state``): asking
the database is a round trip per request, which on PostgreSQL was a third of
a cached read. Each write's transaction sends ``NOTIFY`` with the generation
it committed (``queries.bump_generation``), so a process can listen instead:
one thread per process holds a connection that ``LISTEN``s and keeps the
newest generation heard, and a read costs an attribute lookup.

What keeps it correct:

- A write in this process is seen at once: its session tells the watch the
  generation it committed (``saw``), before the commit returns to the view.
- Another process's write is seen when its notification arrives, a fraction
  of a millisecond on one host; until then this process may answer with what
  it had cached, as a cache with that lag would. Clients comparing ETags see
  the new one on their next request after that.
- The listener connects, ``LISTEN``s, and only then reads the generation, so
  nothing committed in between is missed. Every few seconds of silence it
  reads it again, which also proves the connection alive.
- The value is only ever read from the table (a notice's payload just says
  whether there is something newer to read), and only grows.
- Whenever the watch cannot vouch for its value (not yet connected, the
  connection lost) ``current()`` is None and the caller asks the database,
  as it would without a watch.

PostgreSQL only (SQLite has no notifications, and reads its generation in a
few microseconds anyway). Turn it off with ``SIDCONTENT_GENERATION_NOTIFY=false``
where ``LISTEN`` does not work, such as behind PgBouncer in transaction mode.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

CHANNEL = "sidcontent_generation"
WATCH_APPLICATION_NAME = "sidcontent generation watch"  # as pg_stat_activity shows it
# Set in a session's ``info`` by a write that bumped the generation.
BUMPED = "sidcontent.generation_bumped"
VERIFY_SECONDS = 5.0  # silence after which the listener reads the generation itself
WAIT_SECONDS = 1.0  # how often the listener checks that it is still wanted
RETRY_SECONDS = (0.2, 1.0, 5.0)  # reconnect delays, the last one repeated

_log = logging.getLogger(__name__)


class GenerationWatch:
    """The newest generation heard, or None when it cannot be vouched for."""

    def __init__(self, connect: Callable[[], Any], read: Callable[[Any], int]) -> None:
        self._connect = connect  # a new autocommit driver connection
        self._read = read  # the generation, read on that connection
        self._value: int | None = None
        self._lock = threading.Lock()
        self._pid: int | None = None  # the process whose listener runs
        self._stopped = threading.Event()

    def current(self) -> int | None:
        """The generation, or None (the caller then asks the database)."""
        if self._pid != os.getpid():
            self._start()
            return None
        return self._value

    def saw(self, generation: int) -> None:
        """A generation committed in this process (so seen before its notice)."""
        with self._lock:
            if self._value is not None and generation > self._value:
                self._value = generation

    def distrust(self) -> None:
        """Not sure of the value any more: None until the listener hears or reads one."""
        self._set(None)

    def forget_after_fork(self) -> None:
        """In a forked child: the parent's listener is not here; start anew."""
        self._value = None
        self._pid = None
        self._lock = threading.Lock()

    def stop(self) -> None:
        self._stopped.set()
        self._value = None

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid() or self._stopped.is_set():
                return
            self._pid = os.getpid()
            self._value = None
        # The thread holds the watch weakly: an app dropped without dispose()
        # lets its listener end and close its connection within a second.
        thread = threading.Thread(
            target=_listen, args=(weakref.ref(self),), name="sidcontent-generation", daemon=True
        )
        thread.start()

    # -- called from the listener thread ------------------------------------

    def _heard(self, generation: int) -> None:
        with self._lock:
            if self._value is None or generation > self._value:
                self._value = generation

    def _set(self, generation: int | None) -> None:
        with self._lock:
            self._value = generation


def _listen(ref: weakref.ref[GenerationWatch]) -> None:
    failures = 0
    while True:
        watch = ref()
        if watch is None or watch._stopped.is_set():
            return
        try:
            connection = watch._connect()
        except Exception as exc:
            _retry(watch, failures, f"cannot connect: {exc}")
            failures += 1
            continue
        del watch
        connected = time.monotonic()
        try:
            _serve(ref, connection)
            return
        except Exception as exc:
            watch = ref()
            if watch is None:
                return
            if time.monotonic() - connected > VERIFY_SECONDS:
                failures = 0  # it had been working: a new outage, said again
            _retry(watch, failures, f"connection lost: {exc}")
            failures += 1
        finally:
            _close(connection)


def _serve(ref: weakref.ref[GenerationWatch], connection: Any) -> None:
    """Listen on ``connection`` until the watch is gone or stopped."""
    connection.execute(f"LISTEN {CHANNEL}")
    watch = ref()
    if watch is None:
        return
    watch._set(watch._read(connection))
    del watch
    quiet_since = time.monotonic()
    while True:
        notices = list(connection.notifies(timeout=WAIT_SECONDS, stop_after=1))
        watch = ref()
        if watch is None or watch._stopped.is_set():
            return
        now = time.monotonic()
        if notices:
            quiet_since = now
            # The payload (the generation written) only says whether there is
            # anything to read; the value always comes from the table, so a
            # stray or forged notice can cost a read but never set it.
            if _newer(notices[0].payload, watch._value):
                watch._heard(watch._read(connection))
        elif now - quiet_since >= VERIFY_SECONDS:
            watch._heard(watch._read(connection))
            quiet_since = now
        del watch


def _newer(payload: str, known: int | None) -> bool:
    try:
        return known is None or int(payload) > known
    except ValueError:
        return True


def _retry(watch: GenerationWatch, failures: int, why: str) -> None:
    watch._set(None)  # until connected again, readers ask the database
    delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
    if failures == 0:
        _log.warning("generation watch: %s; reading the generation per request meanwhile", why)
    stopped = watch._stopped
    del watch
    stopped.wait(delay)


def _close(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # already broken: nothing left to close
        pass
