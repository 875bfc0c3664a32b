"""Queued exports: the record row is the job, Celery only carries it.

With ``SIDCONTENT_BROKER_URL`` set, a request is validated and its content
resolved in the web process as inline (so a bad request is still a 422 at
once), stored as a ``queued`` record, and a message naming the record goes
to Redis. A ``sidcontent worker`` takes it, marks it ``running`` and runs
the very same sandbox as inline exports; the record ends ``succeeded`` or
``failed``. Clients poll the record, never Celery (which calls every id it
does not know PENDING).

Following Celery's advice for long, idempotent jobs:

- ``acks_late`` with ``task_reject_on_worker_lost``: a worker killed mid-
  export leaves its message to be delivered again, and the next attempt
  sees the record still ``running``: it retries, at most ``MAX_ATTEMPTS``
  times in all, then fails the record as ``lost``. A plugin's own failure is
  recorded as such and never retried (the task does not raise for it).
- prefetch 1: a worker holds only the job it runs, so a long export does not
  hide queued ones from idle workers.
- soft and hard time limits derived from ``SIDCONTENT_EXPORT_TIMEOUT``
  (:func:`limits`), the sandbox's own limit coming first; the Redis
  visibility timeout is above the hard limit, so a message is only ever
  redelivered after its first run must have ended.
- a task id derived from the request key, and one active record per key
  (a unique partial index): an identical request is one job.

The message carries the validated request and the content as it was
resolved, so the worker exports exactly what was accepted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from sidcontent.content.models import utcnow
from sidcontent.exporting import ContentBundle
from sidcontent.exports import store as export_store

if TYPE_CHECKING:
    from celery import Celery

    from sidcontent.exports.service import Exports, Plan

log = logging.getLogger("sidcontent.exports")

TASK_NAME = "sidcontent.export"
MAX_ATTEMPTS = 3  # runs of one job in all, when its workers keep being lost


@dataclass(frozen=True)
class Limits:
    soft: float  # seconds: Celery raises SoftTimeLimitExceeded in the task
    hard: float  # seconds: Celery kills the worker process; a record older is lost
    visibility: float  # seconds before Redis hands an unacknowledged message out again


def limits(export_timeout: float) -> Limits:
    """The queue's limits around the sandbox's ``export_timeout``.

    The sandbox stops an exporter at ``export_timeout`` and takes a few
    seconds more to stop its process and store the artifact; the soft limit
    leaves it that, the hard limit a little more.
    """
    soft = export_timeout + 10
    hard = export_timeout + 20
    return Limits(soft=soft, hard=hard, visibility=hard + 10)


def task_id(request_key: str) -> str:
    return f"export-{request_key[:40]}"


def message(plan: Plan) -> dict[str, Any]:
    """What a worker needs besides the record: the request's own options
    (validated again by the worker's plugin) and the resolved content."""
    return {
        "options": dict(plan.request.options),
        "bundle": orjson.dumps(plan.bundle_payload).decode(),
    }


class Queue:
    """The web side: sends a record's job to the workers."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def enqueue(self, export_id: str, plan: Plan) -> None:
        self.celery.send_task(TASK_NAME, args=(export_id, message(plan)), task_id=task_id(plan.key))


def run_queued(service: Exports, export_id: str, body: dict[str, Any]) -> str:
    """The worker side: run the job of record ``export_id``; never raises
    for the export's own failure. Returns what happened, for the log.

    Every way a claimed run ends (done, refused by this worker's plugin,
    out of time, lost too often) is settled through the service, so the
    record gets its ``export.*`` event once, and a run that another delivery
    or the reaper has overtaken changes nothing.
    """
    service.reap()
    with service.database.session() as session:
        row = export_store.get(session, export_id)
    if row is None:
        return "unknown record"
    if row.status in export_store.FINISHED:
        return f"already {row.status}"
    if row.status == "running" and row.attempts >= MAX_ATTEMPTS:
        error = f"the export worker was lost {row.attempts} times; not retried again"
        service.fail(row, "lost", error, attempts=row.attempts)
        return "lost"
    # Claimed (or re-claimed after a lost worker) unless someone else was first.
    now = utcnow()
    with service.database.session() as session:
        claimed = export_store.claim(session, row, now)
    if not claimed:
        return "taken by another delivery"
    row.status, row.started_at, row.attempts = "running", now, row.attempts + 1
    from sidcontent.exports.service import ExportRejected

    try:
        plan = service.plan_of(row, body["options"], _bundle(body, row.content_revision))
    except ExportRejected as exc:
        # A worker without the exporter's plugin, or options it now refuses.
        error = f"the worker could not run this export: {exc.detail}"
        service.fail(row, "export-error", error, attempts=row.attempts)
        return "rejected"
    from celery.exceptions import SoftTimeLimitExceeded

    try:
        record = service.execute(plan, row, claimed=row.attempts)
    except SoftTimeLimitExceeded:
        # The sandbox stops exporters well before this; storing took too long.
        error = f"the export did not finish within {limits(service.timeout).soft:g} s"
        service.fail(row, "timeout", error, attempts=row.attempts)
        return "timeout"
    return record.status


def _bundle(body: dict[str, Any], revision: str) -> ContentBundle:
    return ContentBundle.from_api(orjson.loads(body["bundle"]), revision=revision)


def register(celery: Celery, service: Exports) -> None:
    """Add the export task to a worker's Celery app."""
    bounds = limits(service.timeout)

    @celery.task(  # type: ignore[untyped-decorator]
        name=TASK_NAME,
        acks_late=True,
        reject_on_worker_lost=True,
        soft_time_limit=bounds.soft,
        time_limit=bounds.hard,
        ignore_result=True,
    )
    def export(export_id: str, body: dict[str, Any]) -> str:
        outcome = run_queued(service, export_id, body)
        log.info("export %s: %s", export_id, outcome)
        return outcome

    celery.steps["worker"].add(_reaper_step(service))


def reap_interval(service: Exports) -> float:
    """How often a worker looks for jobs nobody will finish: often enough
    that a lost message is queued again soon after its deadline."""
    return min(60.0, max(1.0, service.queue_deadline / 4))


def _reaper_step(service: Exports) -> type:
    """A worker bootstep that reaps on a timer in the worker's main process.

    Without it, only clients that poll (and jobs that arrive) would notice a
    lost message; one that waits for the ``export.*`` webhook never polls.
    """
    from celery import bootsteps

    def reap() -> None:
        try:
            reaped = service.reap()
        except Exception:  # the database may be away for a while: try next time
            log.exception("reaping lost exports failed")
            return
        if reaped:
            log.info("settled %d export(s) that no worker would finish", reaped)

    class Reaper(bootsteps.StartStopStep):  # type: ignore[misc]
        requires = {"celery.worker.components:Timer"}

        def __init__(self, worker: Any, **options: Any) -> None:
            super().__init__(worker, **options)
            self.entry: Any = None

        def start(self, worker: Any) -> None:
            self.entry = worker.timer.call_repeatedly(reap_interval(service), reap, priority=10)

        def stop(self, worker: Any) -> None:
            if self.entry is not None:
                self.entry.cancel()

    return Reaper
