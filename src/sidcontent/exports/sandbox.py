"""Running an exporter's plugin code in a worker process, under a time limit.

A thread cannot be stopped, so an exporter that loops forever would hold a
server worker for good. Each export runs in a forked child process instead:
the child already has the app's plugins imported, so the fork itself costs
a few milliseconds and a whole export round trip some tens (measured by
``bench/export_worker.py`` against running inline), against seconds for a
fresh interpreter; on timeout the child is terminated, then killed. A crash
(segfault, ``os._exit``) costs that child only. The child never touches the
database: it inherits the parent's pooled connections but leaves through
``os._exit``, which closes nothing on them.

``forkserver`` would avoid forking a threaded server, but every child
re-imports the parent's ``__main__`` (any embedding script, re-run) and
must re-load the plugins; the servers here (gunicorn sync workers, the CLI,
pytest) are single-threaded, so a plain fork is both safe and cheapest.

The child runs the ``prepare_bundle`` chain and the exporter, checks the
artifact and sends it back; an oversized artifact never crosses the pipe.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from sidcontent.exporting import (
    Artifact,
    ArtifactRejected,
    ContentBundle,
    ExportError,
    check_artifact,
)
from sidcontent.plugins import PluginFault, PluginHost, Registered, describe

START_METHOD = "fork"


@dataclass(frozen=True)
class Job:
    """What to export; the child gets it by fork, not by pickling."""

    exporter: str
    plugin: str
    bundle: ContentBundle
    options: Mapping[str, Any]  # validated, as the exporter's schema loaded them
    media_type: str
    max_bytes: int


@dataclass(frozen=True)
class Produced:
    artifact: Artifact
    seconds: float


@dataclass(frozen=True)
class Failed:
    kind: str  # "export-error", "plugin-failed", "artifact-too-large", "timeout", "crashed"
    plugin: str
    message: str
    field: str | None = None


def produce(
    host: PluginHost,
    registered: Registered,
    bundle: ContentBundle,
    options: Mapping[str, Any],
    media_type: str,
    max_bytes: int,
) -> Artifact:
    """Prepare the bundle, export and check the artifact: in this process.

    ``options`` are the exporter's options as its schema loaded them.
    Raises ``ExportError`` (the exporter refused the content) or
    :class:`PluginFault` (a plugin misbehaved).
    """
    item = registered.item
    loaded = options
    bundle = host.prepare_bundle(bundle, item.name, loaded)
    try:
        # In the shape the exporter was written in: with or without a context.
        artifact = host.call_export(registered, bundle, loaded, media_type)
    except ExportError:
        raise
    except Exception as exc:
        raise PluginFault(registered.plugin, "export", describe(exc)) from exc
    try:
        return check_artifact(artifact, item, media_type, max_bytes)
    except ArtifactRejected as exc:
        raise PluginFault(registered.plugin, "export", exc.message, exc.kind) from None


def outcome(job: Job, host: PluginHost) -> Produced | Failed:
    """Run a job in this process and describe the result; never raises."""
    started = time.perf_counter()
    try:
        artifact = produce(
            host,
            host.exporters[job.exporter],
            job.bundle,
            job.options,
            job.media_type,
            job.max_bytes,
        )
    except ExportError as exc:
        return Failed("export-error", job.plugin, exc.message, field=exc.field)
    except PluginFault as exc:
        return Failed(exc.kind, exc.plugin, exc.message)
    except BaseException as exc:  # SystemExit and friends from plugin code, too
        if isinstance(exc, KeyboardInterrupt):
            raise
        traceback.print_exc()
        return Failed("plugin-failed", job.plugin, describe(exc))
    return Produced(artifact, time.perf_counter() - started)


def _work(job: Job, host: PluginHost, conn: Connection) -> None:
    result = outcome(job, host)
    try:
        conn.send(result)
    except Exception as exc:  # an unpicklable message from a plugin, say
        conn.send(Failed("plugin-failed", job.plugin, f"result could not be sent: {describe(exc)}"))
    finally:
        conn.close()


def run(job: Job, host: PluginHost, timeout: float) -> Produced | Failed:
    """Run ``job`` in a worker process; stop it after ``timeout`` seconds."""
    ctx: Any = multiprocessing.get_context(START_METHOD)
    receiver, sender = ctx.Pipe(duplex=False)
    result: Produced | Failed | None = None
    process = ctx.Process(
        target=_work,
        args=(job, host, sender),
        name=f"sidcontent-export-{job.exporter}",
        daemon=True,
    )
    try:
        process.start()
        sender.close()
        if receiver.poll(timeout):
            try:
                result = receiver.recv()
            except EOFError:
                process.join(1)
                result = Failed(
                    "crashed",
                    job.plugin,
                    f"the export worker died (exit code {process.exitcode}) before answering",
                )
        else:
            return Failed(
                "timeout",
                job.plugin,
                f"exporter {job.exporter!r} ran longer than {timeout:g} s "
                "(SIDCONTENT_EXPORT_TIMEOUT) and was stopped",
            )
    finally:
        sender.close()
        receiver.close()
        # A child that answered is exiting: give it a moment. One that did
        # not (timeout, or an error here) is stopped at once.
        _stop(process, grace=2.0 if result is not None else 0.0)
    return result


def _stop(process: Any, grace: float) -> None:
    if process.pid is None:
        return
    process.join(grace)
    if process.is_alive():
        process.terminate()
        process.join(2)
    if process.is_alive():
        process.kill()
        process.join()
    process.close()
