"""The Celery app behind ``sidcontent worker`` (and the web side's sender).

One Celery app per Flask app, kept in ``app.extensions["sidcontent.celery"]``
and built only when ``SIDCONTENT_BROKER_URL`` is set. The export task and
its limits live in :mod:`sidcontent.exports.queue`, webhook delivery in
:mod:`sidcontent.webhooks.tasks`; this module only sets Celery up the way
long, idempotent jobs want it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from sidcontent.exports import queue
from sidcontent.webhooks import tasks as webhook_tasks

if TYPE_CHECKING:
    from celery import Celery

    from sidcontent.exports.service import Exports

QUEUE_NAME = "sidcontent.exports"


def celery_app(app: Flask, service: Exports) -> Celery:
    """A Celery app for ``app``'s broker, with the export task registered."""
    from celery import Celery

    bounds = queue.limits(service.timeout)
    celery = Celery("sidcontent", broker=str(app.config["BROKER_URL"]), set_as_current=False)
    celery.conf.update(
        task_default_queue=QUEUE_NAME,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,  # the export record is the result
        worker_prefetch_multiplier=1,
        # Redis hands an unacknowledged message out again after this long:
        # longer than any run may last, so only a lost worker's job returns.
        broker_transport_options={"visibility_timeout": bounds.visibility},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_serializer="json",
        accept_content=["json"],
    )
    queue.register(celery, service)
    webhook_tasks.register(celery, app)
    return celery
