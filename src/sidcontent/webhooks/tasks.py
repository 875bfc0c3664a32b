"""Webhook delivery on the Celery worker (when ``SIDCONTENT_BROKER_URL`` is set).

Each pool process of ``sidcontent worker`` runs the same dispatcher as a
broker-less app (webhooks/dispatcher.py), in a thread of its own, started
when Celery has forked it if an endpoint exists (else by the wake-up that
follows the first endpoint's creation). Why a thread, not one task per delivery: a pool
process spends minutes on an export, and a delivery may wait 15 s on a slow
receiver; in a thread, neither ever waits behind the other, and the poll
that finds retries and passed schedules needs no beat process. Deliveries
are claimed in the database, so any number of worker processes and hosts
share the work without sending one twice.

The web processes never deliver. After each committed event they send the
``wake`` task, which only wakes the thread of whichever pool process takes
it (so a delivery starts at once, not at the next poll); a lost wake-up
costs at most one poll interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)

WAKE_TASK = "sidcontent.webhooks.wake"


def waker(celery: Celery) -> Callable[[], None]:
    """What a web process calls instead of delivering: a wake-up for the worker."""

    def wake() -> None:
        try:
            # No retries: it runs on the writer's thread after the commit, and
            # the worker's poll finds the delivery anyway.
            celery.send_task(WAKE_TASK, ignore_result=True, retry=False)
        except Exception as exc:
            log.warning("could not wake the webhook worker: %s", exc)

    return wake


def register(celery: Celery, app: Flask) -> None:
    """Add the wake task to ``celery`` and start delivery in each pool process."""
    from celery.signals import worker_process_init

    def dispatcher() -> Any:
        return app.extensions["sidcontent.webhooks"]

    @celery.task(name=WAKE_TASK, ignore_result=True)  # type: ignore[untyped-decorator]
    def wake() -> None:
        dispatcher().nudge()

    def start(**_kwargs: Any) -> None:
        # Only in a pool process of this app's worker (the signal is global).
        if app.extensions.get("sidcontent.celery") is celery:
            dispatcher().become_local()

    # weak=False: the closure is referenced nowhere else.
    worker_process_init.connect(start, weak=False)


__all__ = ["WAKE_TASK", "register", "waker"]
