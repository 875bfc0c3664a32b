"""The background dispatcher: delivers webhooks from the outbox.

Without a broker it runs in each app process: in a gunicorn worker as soon
as the worker has forked (:func:`start_in_process`, called by
:mod:`sidcontent.serving`; a thread started before the fork would not
survive it), elsewhere at the first request, and whenever an endpoint is
made. It starts only if an endpoint exists. After that every committed
event wakes it (through the app's event notifier), and it also polls, so
retries fall due, passed schedules are announced (content/golive.py) and
deliveries a crashed process left behind go out. Several processes may run
one each: deliveries are claimed, never sent twice at once.

With ``SIDCONTENT_BROKER_URL`` set, web processes never deliver: their
dispatcher stays off, and the Celery worker's pool processes run one each
instead (webhooks/tasks.py). A pass with no enabled endpoint costs one query.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import exists, select

from sidcontent.content.events import Event, EventNotifier
from sidcontent.content.models import utcnow
from sidcontent.db import Database
from sidcontent.webhooks import delivery
from sidcontent.webhooks.models import WebhookEndpoint

log = logging.getLogger(__name__)
POLL = 2.0  # seconds between passes when nothing wakes it


class Dispatcher:
    def __init__(
        self,
        database: Database,
        *,
        allow_private: bool,
        timeout: float,
        clock: Callable[[], datetime] = utcnow,
        local: bool = True,
    ) -> None:
        self.database = database
        self.allow_private = allow_private
        self.timeout = timeout
        self.clock = clock
        # False: this process never delivers (the Celery worker does).
        self.local = local
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._checked = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running or not self.local:
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="sidcontent-webhooks", daemon=True
            )
            self._thread.start()

    def _wanted(self) -> bool:
        with self.database.session() as session:
            return bool(session.scalar(select(exists().where(WebhookEndpoint.enabled))))

    def start_if_needed(self) -> None:
        """Start if any endpoint exists (checked once per process until one does)."""
        if self.running or self._checked or not self.local:
            return
        wanted = self._wanted()
        self._checked = True
        if wanted:
            self.start()

    def become_local(self) -> None:
        """Deliver in this process from now on (a Celery pool process). It
        polls even with no endpoint yet: none of its requests will make one."""
        self.local = True
        self.start()

    def nudge(self, _event: Event | None = None) -> None:
        if not self.local:
            return
        if not self.running:
            self._checked = False
            self.start_if_needed()
        self._wake.set()

    def stop(self, timeout: float = 20.0) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                upcoming = None
                if self._wanted():
                    delivery.run_once(
                        self.database,
                        allow_private=self.allow_private,
                        timeout=self.timeout,
                        clock=self.clock,
                    )
                    upcoming = delivery.next_due(self.database)
            except Exception:
                log.exception("webhook dispatch pass failed")
                upcoming = None
            wait = POLL
            if upcoming is not None:
                wait = max(0.05, min(POLL, (upcoming - utcnow()).total_seconds()))
            self._wake.wait(wait)


def app_clock(app: Flask) -> Callable[[], datetime]:
    """The app's content clock: ``CLOCK`` when a test injects one."""

    def now() -> datetime:
        clock = app.config.get("CLOCK")
        return clock() if clock is not None else utcnow()

    return now


def init_app(app: Flask) -> Dispatcher:
    database: Database = app.extensions["sidcontent.db"]
    dispatcher = Dispatcher(
        database,
        allow_private=bool(app.config["WEBHOOK_ALLOW_PRIVATE"]),
        timeout=float(app.config["WEBHOOK_TIMEOUT"]),
        clock=app_clock(app),
        local="sidcontent.celery" not in app.extensions,
    )
    notifier: EventNotifier = app.extensions["sidcontent.events"]
    notifier.subscribe(dispatcher.nudge)
    app.extensions["sidcontent.webhooks"] = dispatcher

    def first_request() -> Any:
        if not dispatcher._checked and not dispatcher.running:
            start_in_process(app)
        return None

    app.before_request(first_request)
    return dispatcher


def start_in_process(app: Any, *, wait: bool = True) -> None:
    """Start the app's dispatcher here if it has work (a forked server worker's start).

    ``wait=False`` asks the database from a thread of its own, so a server
    worker boots at once even while the database does not answer.
    """
    dispatcher: Dispatcher | None = getattr(app, "extensions", {}).get("sidcontent.webhooks")
    if dispatcher is None:
        return

    def start() -> None:
        try:
            dispatcher.start_if_needed()
        except Exception:
            log.exception("could not start the webhook dispatcher")

    if wait:
        start()
    else:
        threading.Thread(target=start, name="sidcontent-webhooks-start", daemon=True).start()


__all__ = ["Dispatcher", "app_clock", "init_app", "start_in_process"]
