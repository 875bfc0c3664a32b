"""The background dispatcher: delivers webhooks in the app's own process.

It starts when there is something to deliver to: at the first request of a
process that has endpoints, or when an endpoint is made. After that every
committed event wakes it (through the app's event notifier), and it also
polls, so retries fall due and deliveries a crashed process left behind go
out. Several processes may run one each: deliveries are claimed, never sent
twice at once.
"""

from __future__ import annotations

import logging
import threading
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
    def __init__(self, database: Database, *, allow_private: bool, timeout: float) -> None:
        self.database = database
        self.allow_private = allow_private
        self.timeout = timeout
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
            if self.running:
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="sidcontent-webhooks", daemon=True
            )
            self._thread.start()

    def start_if_needed(self) -> None:
        """Start if any endpoint exists (checked once per process until one does)."""
        if self.running or self._checked:
            return
        with self.database.session() as session:
            wanted = bool(session.scalar(select(exists().where(WebhookEndpoint.enabled))))
        self._checked = True
        if wanted:
            self.start()

    def nudge(self, _event: Event | None = None) -> None:
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
                delivery.run_once(
                    self.database, allow_private=self.allow_private, timeout=self.timeout
                )
                upcoming = delivery.next_due(self.database)
            except Exception:
                log.exception("webhook dispatch pass failed")
                upcoming = None
            wait = POLL
            if upcoming is not None:
                wait = max(0.05, min(POLL, (upcoming - utcnow()).total_seconds()))
            self._wake.wait(wait)


def init_app(app: Flask) -> Dispatcher:
    database: Database = app.extensions["sidcontent.db"]
    dispatcher = Dispatcher(
        database,
        allow_private=bool(app.config["WEBHOOK_ALLOW_PRIVATE"]),
        timeout=float(app.config["WEBHOOK_TIMEOUT"]),
    )
    notifier: EventNotifier = app.extensions["sidcontent.events"]
    notifier.subscribe(dispatcher.nudge)
    app.extensions["sidcontent.webhooks"] = dispatcher

    def first_request() -> Any:
        if not dispatcher._checked and not dispatcher.running:
            try:
                dispatcher.start_if_needed()
            except Exception:
                log.exception("could not start the webhook dispatcher")
        return None

    app.before_request(first_request)
    return dispatcher


__all__ = ["Dispatcher", "init_app"]
