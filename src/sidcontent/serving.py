"""The production HTTP server: gunicorn with threaded workers, set up so
slow clients cannot starve it and every refusal is a problem document.

Why gthread workers: a sync worker serves one connection at a time, so two
clients trickling headers hold two workers until gunicorn's timeout. A
gthread worker waits for a connection's first bytes in its poller, not in a
thread, and then gives it one of ``threads`` threads; with a read timeout
on every client socket a client that stops sending is dropped, and one that
trickles holds one thread, not a process. Capacity against tricklers is
``workers x threads``; in front of the internet, a buffering reverse proxy
(docs/deploy.md) takes them off the app entirely.

Fork safety lives in :mod:`sidcontent.db`: each worker drops the master's
connections when it forks, and the master closes its own before forking.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

import orjson
from gunicorn import util
from gunicorn.workers.gthread import TConn, ThreadWorker

from sidcontent.api.errors import PROBLEM_MEDIA_TYPE, TYPE_BASE

# gunicorn answers requests it cannot parse itself, before the app sees
# them; these are the statuses it uses and what they mean to a client.
_HINTS = {
    414: "The request line (method, path and query) is longer than the server accepts.",
    431: "A request header, or all of them together, is larger than the server accepts.",
}


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error page, as RFC 9457 problem+json instead of HTML."""
    title = reason or "Bad Request"
    body = {
        "type": TYPE_BASE + "-".join(title.lower().split()),
        "title": title,
        "status": status_int,
        "detail": _HINTS.get(status_int) or mesg or title,
    }
    payload = orjson.dumps(body)
    head = (
        f"HTTP/1.1 {status_int} {title}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_MEDIA_TYPE}\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + payload)


class _TimedSocket(socket.socket):
    """A client socket whose blocking reads give up after ``read_timeout``.

    gunicorn switches a connection to blocking mode (no timeout) in the
    thread that serves it; this keeps a timeout instead, so a client that
    goes quiet mid-request frees its thread.
    """

    read_timeout: float = 10.0

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(self.read_timeout)
        else:
            super().setblocking(False)


class Worker(ThreadWorker):
    """gunicorn's gthread worker with bounded reads and problem+json errors."""

    read_timeout = 10.0
    _in_threads = 0  # connections handed to the thread pool, not yet finished

    def init_process(self) -> None:
        # Only this worker process answers with it; gunicorn looks the
        # function up at each error, so replacing it here is enough.
        util.write_error = write_problem
        _TimedSocket.read_timeout = float(self.read_timeout)
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        # Background work starts here, after the fork: a thread started in
        # the master would not survive it (and would not be wanted there).
        from sidcontent.webhooks.dispatcher import start_in_process

        start_in_process(self.wsgi, wait=False)

    def accept(self, listener: Any) -> None:
        try:
            raw, client_addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        client = _TimedSocket(raw.family, raw.type, raw.proto, fileno=raw.detach())
        self.nr_conns += 1
        client.setblocking(True)
        conn = TConn(self.cfg, client, client_addr, listener.getsockname())
        self.enqueue_req(conn)

    # gthread accepts while all its threads are busy and queues what it
    # accepted behind them: with its threads held by trickling clients, a
    # worker would sit on new connections that another worker could serve.
    # So a worker stops accepting while every thread is taken. (All three
    # run on the worker's main thread.)

    def enqueue_req(self, conn: Any) -> None:
        self._in_threads += 1
        super().enqueue_req(conn)
        if self._in_threads >= self.cfg.threads:
            self.set_accept_enabled(False)

    def finish_request(self, conn: Any, fs: Any) -> None:
        self._in_threads -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled: bool | None) -> None:
        super().set_accept_enabled(bool(enabled) and self._in_threads < self.cfg.threads)


def worker_class(read_timeout: float) -> type[Worker]:
    """The worker class, with this server's read timeout."""
    return type("SidcontentWorker", (Worker,), {"read_timeout": read_timeout})
