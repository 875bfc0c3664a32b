"""Degrade, don't crash: the database going away, an artifact store that
cannot be written.

The database is made unreachable for real: the app talks to a throwaway
PostgreSQL database through a small TCP proxy of the test's own, which is
stopped (every connection cut) and started again. The shared server is
never touched.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.auth_helpers import bearer, make_token
from tests.conftest import TEST_DATABASE_URL, fresh_database, make_app


class TcpProxy:
    """Forward 127.0.0.1:<port> to a target; ``stop`` cuts every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                if self._listener is not listener:
                    # Accepted as stop() ran: an outage refuses it.
                    client.close()
                    return
                upstream = socket.create_connection(self.target)
                self._sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        if listener is not None:
            # close() alone leaves a socket that a thread is blocked in
            # accept() on listening, so one more client got through after the
            # "outage" (a reconnect, then served for good: CI failed on it);
            # shutdown() stops the listening and wakes that accept().
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@pytest.fixture()
def proxied(tmp_path: Path) -> Iterator[tuple[object, TcpProxy, dict[str, str]]]:
    if not TEST_DATABASE_URL:
        # A PostgreSQL outage needs a PostgreSQL test database: .ci/run's second pass
        # (SIDCONTENT_TEST_DATABASE_URL set) runs it, so the SQLite pass skips it, in CI too.
        pytest.skip("runs in the PostgreSQL pass (set SIDCONTENT_TEST_DATABASE_URL; .ci/run does)")
    with fresh_database(tmp_path) as direct:
        url = make_url(direct)
        proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
        proxy.start()
        app = make_app(
            url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
            tmp_path,
        )
        try:
            yield app, proxy, bearer(make_token(app, "outage", "admin"))
        finally:
            app.extensions["sidcontent.db"].dispose()
            proxy.stop()


def test_database_unreachable_is_503_and_recovers_by_itself(proxied):
    app, proxy, auth = proxied
    client = app.test_client()  # type: ignore[attr-defined]
    assert client.get("/api/v1/campaigns").status_code == 200
    assert client.get("/api/v1/messages/1").status_code == 200
    proxy.stop()
    for method, path, headers in [
        ("GET", "/api/v1/campaigns?limit=3", {}),
        ("GET", "/api/v1/messages/2", {}),
        ("GET", "/api/v1/whoami", auth),
        ("PATCH", "/api/v1/messages/1", auth),
        ("POST", "/api/v1/exports", auth),
    ]:
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == 503, (method, path, response.get_data()[:300])
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"] == "5"
        assert "database" in response.get_json()["detail"]
    assert client.get("/readyz").status_code == 503
    proxy.start()  # the database is back, on the same address
    assert client.get("/api/v1/campaigns?limit=3").status_code == 200
    assert client.get("/api/v1/whoami", headers=auth).status_code == 200
    assert client.get("/readyz").status_code == 200


@pytest.fixture()
def unwritable_store(tmp_path: Path) -> Iterator[object]:
    # The suite runs as root, for whom no permission bit forbids a write; a
    # file where the store's folder should be refuses it for everyone.
    blocker = tmp_path / "artifacts"
    blocker.write_text("not a folder")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path, ARTIFACT_DIR=str(blocker / "store"))
        yield app
        app.extensions["sidcontent.db"].dispose()


def test_unwritable_artifact_store_is_a_failed_export_naming_the_cause(unwritable_store):
    app = unwritable_store
    client = app.test_client()  # type: ignore[attr-defined]
    auth = bearer(make_token(app, "store", "marketer"))
    body = {"exporter": "calendar", "campaign": "sid-2017"}
    response = client.post("/api/v1/exports", json=body, headers=auth)
    assert response.status_code == 503, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith("/artifact-store-failed")
    assert "could not be stored" in problem["detail"]
    assert "not writable" in problem["detail"]
    assert response.headers["Retry-After"]
    record = client.get(response.headers["Location"], headers=auth).get_json()["data"]
    assert record["status"] == "failed"
    assert record["error_type"] == "artifact-store-failed"
    assert record["artifact"] is None
