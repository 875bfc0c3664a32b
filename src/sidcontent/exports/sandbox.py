"""Running an exporter's plugin code in a worker process, under a time limit.

A thread cannot be stopped, so an exporter that loops forever would hold a
server worker for good. Each export runs in a forked child process instead:
the child already has the app's plugins imported, so the fork itself costs
a few milliseconds and a whole export round trip some tens (measured by
``bench/export_worker.py`` against running inline), against seconds for a
fresh interpreter; on timeout the child is terminated, then killed. A crash
(segfault, ``os._exit``) costs that child only.

What the child inherits is made harmless before plugin code runs: it drops
the parent's pooled database connections unclosed (``sidcontent.db`` at
fork), closes every inherited socket (the client's connection, the
listening socket, database and broker sockets), so a child outliving its
request can never answer or hold a client, and asks the kernel to kill it
when its parent dies (``PR_SET_PDEATHSIG``), so a worker killed mid-export
never leaves a child behind. It runs at a lower CPU priority (``nice``
10), so reads served beside it keep their latency, and leaves through
``os._exit``.

The fork is a plain ``os.fork`` rather than ``multiprocessing``: that one
refuses to start children from Celery's (daemonic) pool processes. And
``forkserver`` would re-import the parent's ``__main__`` and re-load the
plugins in every child. Forking a threaded server (gunicorn's gthread
workers) is safe here because the child runs only plugin code and the pipe,
and Python re-initialises its own locks (logging, imports) after a fork.

The child runs the ``prepare_bundle`` chain and the exporter, checks the
artifact and sends it back; an oversized artifact never crosses the pipe.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import stat
import sys
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

PR_SET_PDEATHSIG = 1
# Exports are batch work: their children yield the CPU to the reads a web
# worker (or a worker's neighbours on one host) serves.
NICENESS = 10


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


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _close_inherited_sockets(keep: int) -> None:
    """Close every socket this process inherited (Linux: /proc/self/fd)."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        if fd <= 2 or fd == keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            continue


def _child(job: Job, host: PluginHost, parent: int, conn: Connection) -> None:
    """The forked child: never returns."""
    code = 0
    try:
        _die_with_parent(parent)
        _close_inherited_sockets(keep=conn.fileno())
        os.nice(NICENESS)
        _work(job, host, conn)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _work(job: Job, host: PluginHost, conn: Connection) -> None:
    result = outcome(job, host)
    try:
        conn.send(result)
    except Exception as exc:  # an unpicklable message from a plugin, say
        conn.send(Failed("plugin-failed", job.plugin, f"result could not be sent: {describe(exc)}"))
    finally:
        conn.close()


def run(job: Job, host: PluginHost, timeout: float) -> Produced | Failed:
    """Run ``job`` in a forked child process; stop it after ``timeout`` seconds."""
    read_fd, write_fd = os.pipe()
    receiver = Connection(read_fd, writable=False)
    sender = Connection(write_fd, readable=False)
    parent = os.getpid()
    result: Produced | Failed | None = None
    # Frozen across the fork: the child's garbage collector then leaves the
    # objects it inherited alone instead of walking them, which copied the
    # parent's pages into the child and made the same export take 1x-3x as
    # long depending on the parent's collector state. The parent thaws at once.
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, measured by its effects
        receiver.close()
        _child(job, host, parent, sender)
    gc.unfreeze()
    try:
        sender.close()
        if receiver.poll(timeout):
            try:
                result = receiver.recv()
            except EOFError:
                code = _reap(pid, grace=1.0)
                result = Failed(
                    "crashed",
                    job.plugin,
                    f"the export worker died (exit code {code}) before answering",
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
        _reap(pid, grace=2.0 if result is not None else 0.0)
    return result


def _reap(pid: int, grace: float) -> int | None:
    """Wait up to ``grace`` s for the child, then stop it; its exit code."""
    deadline = time.monotonic() + grace
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + (2.0 if sig == signal.SIGTERM else 10.0)
        while True:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return None  # already reaped
            if done:
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() >= deadline:
                break
            time.sleep(0.01)
    return None
