"""Webhook delivery on the Celery worker (when ``SIDCONTENT_BROKER_URL`` is set).

Each pool process of ``sidcontent worker`` runs the same dispatcher as a
broker-less app (webhooks/dispatcher.py), in a thread of its own, started
when Celery has forked it. Why a thread and no task per delivery: a pool
process spends minutes on an export, and a delivery may wait 15 s on a slow
receiver; in a thread neither ever waits behind the other, and the poll
that finds new events, retries and passed schedules needs no beat process
and puts nothing on the exports' queue. Deliveries are claimed in the
database, so any number of worker processes and hosts share the work
without sending one twice. The web processes never deliver: an event
reaches receivers at the worker's next poll (``POLL``, 2 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from celery import Celery


def register(celery: Celery, app: Flask) -> None:
    """Start delivery in each pool process of ``celery``'s worker."""
    from celery.signals import worker_process_init

    def start(**_kwargs: Any) -> None:
        # Only for this app's worker (the signal is global to the process).
        if app.extensions.get("sidcontent.celery") is celery:
            app.extensions["sidcontent.webhooks"].become_local()

    # weak=False: the closure is referenced nowhere else.
    worker_process_init.connect(start, weak=False)


__all__ = ["register"]
