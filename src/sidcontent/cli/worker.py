"""`sidcontent worker`: a Celery worker running queued exports."""

from __future__ import annotations

import gc
import os

import click

from sidcontent.cli.common import fail, friendly_errors, load_app, require_migrated
from sidcontent.exports.sandbox import NICENESS


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Exports run at once (processes); run more workers to use more hosts.",
)
@click.option("--loglevel", default="INFO", show_default=True)
@friendly_errors
def worker(concurrency: int, loglevel: str) -> None:
    """Run queued exports (needs SIDCONTENT_BROKER_URL)."""
    app = load_app()
    celery = app.extensions.get("sidcontent.celery")
    if celery is None:
        fail("SIDCONTENT_BROKER_URL is not set: exports run inline and need no worker")
    assert celery is not None
    require_migrated(app)
    service = app.extensions["sidcontent.exports"]
    reaped = service.reap()
    if reaped:
        click.echo(f"settled {reaped} export(s) that no worker would finish", err=True)
    # Each export forks from a pool process, itself forked from this one: load
    # the exporters' libraries once here, not in every export's child.
    service.host.preload_exporters()
    # The pool's processes fork from this one: they must not share its
    # connections (each also drops what it inherits, see sidcontent.db).
    app.extensions["sidcontent.db"].dispose()
    # Batch work: the whole worker yields the CPU to reads served on the
    # same host (each export's child lowers itself further, see sandbox.py).
    os.nice(NICENESS)
    # What is loaded now lives as long as the worker: frozen, the pool's
    # collectors never walk it, so its pages stay shared with this process.
    gc.freeze()
    click.echo(
        f"worker for {len(service.host.exporters)} exporters, {concurrency} at a time", err=True
    )
    celery.worker_main(
        [
            "worker",
            f"--loglevel={loglevel}",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            f"--hostname=sidcontent-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
