"""No lost updates under real concurrency: threads against a real server.

Several clients PATCH one item with the same ETag at the same moment;
exactly one wins and every other gets 412. This runs on whatever database
the suite runs on (SQLite by default, PostgreSQL in CI).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter

import pytest
from werkzeug.serving import make_server

CLIENTS = 8


@pytest.fixture()
def server(editing_app):
    srv = make_server("127.0.0.1", 0, editing_app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield editing_app, srv.server_port
    srv.shutdown()
    thread.join()
    srv.server_close()


def _request(port, method, path, headers, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _race(port, method, path, headers, bodies):
    barrier = threading.Barrier(len(bodies))
    results = [None] * len(bodies)

    def worker(index):
        barrier.wait()
        results[index] = _request(port, method, path, headers, bodies[index])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_same_etag_patches_exactly_one_wins(server, callers):
    _, port = server
    auth = callers["editor"]
    path = "/api/v1/messages/8"
    status, headers, body = _request(port, "GET", f"{path}?preview=true", auth)
    etag = headers["ETag"]
    revision = json.loads(body)["data"]["revision"]
    bodies = [
        json.dumps({"translations": {"en": {"headline": f"Writer {i}"}}}) for i in range(CLIENTS)
    ]
    results = _race(
        port,
        "PATCH",
        path,
        {**auth, "If-Match": etag, "Content-Type": "application/merge-patch+json"},
        bodies,
    )
    statuses = Counter(status for status, _, _ in results)
    assert statuses == {200: 1, 412: CLIENTS - 1}, statuses
    winner = next(i for i, (status, _, _) in enumerate(results) if status == 200)
    _, headers, body = _request(port, "GET", f"{path}?preview=true", auth)
    item = json.loads(body)["data"]
    assert item["headline"] == f"Writer {winner}"
    assert item["revision"] == revision + 1
    for status, response_headers, _ in results:
        if status == 412:
            assert response_headers["ETag"] == headers["ETag"]
    _, _, body = _request(port, "GET", f"{path}/revisions", auth)
    updates = [r for r in json.loads(body)["data"] if r["action"] == "update"]
    assert len(updates) == 1


def test_same_slug_creates_exactly_one_wins(server, callers):
    _, port = server
    auth = {**callers["editor"], "Content-Type": "application/json"}
    body = json.dumps(
        {"slug": "sid-2099", "day": "2099-02-10", "translations": {"en": {"name": "Race"}}}
    )
    results = _race(port, "POST", "/api/v1/campaigns", auth, [body] * CLIENTS)
    statuses = Counter(status for status, _, _ in results)
    assert statuses == {201: 1, 409: CLIENTS - 1}, statuses
