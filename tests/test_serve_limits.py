"""`sidcontent serve` against slow and oversized clients.

Four slow-loris sockets (a header line every few seconds, never finishing)
must not stop reads; every request the OpenAPI contract allows fits the
request-line limits, and what does not fit is a problem+json 414/431.
The figure for read p99 under slow clients is measured by
bench/slow_clients.py; here the check is that reads keep flowing at all.
"""

from __future__ import annotations

import json
import socket
import statistics
import threading
import time
import urllib.parse

import pytest

from sidcontent.content.models import AUDIENCES, MESSAGE_KINDS
from tests.conftest import fresh_database, make_app
from tests.servers import Server, environment

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("serve-limits")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        app.extensions["sidcontent.db"].dispose()
        env = environment(url, tmp_path / "instance", SIDCONTENT_WEB_READ_TIMEOUT="30")
        srv = Server(env, tmp_path / "serve.log", "--workers", "2", "--threads", "4")
        try:
            srv.wait_ready()
            yield srv
        finally:
            srv.stop()


def _slow_loris(port: int, stop: threading.Event) -> None:
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(b"GET /api/v1/campaigns HTTP/1.1\r\nHost: x\r\n")
        while not stop.wait(2):
            sock.sendall(b"X-Slow: 1\r\n")
    except OSError:
        pass
    finally:
        sock.close()


def test_reads_keep_flowing_while_slow_clients_trickle_headers(server):
    stop = threading.Event()
    # More slow clients than one worker has threads: a sync-worker server
    # (or a gthread one without bounded reads) would stall here.
    slow = [threading.Thread(target=_slow_loris, args=(server.port, stop)) for _ in range(4)]
    for thread in slow:
        thread.start()
    try:
        time.sleep(3)  # they have all sent their first lines
        times = []
        for _ in range(60):
            started = time.perf_counter()
            status, _, _ = server.request("GET", "/api/v1/campaigns", timeout=10)
            times.append(time.perf_counter() - started)
            assert status == 200
    finally:
        stop.set()
        for thread in slow:
            thread.join()
    # Liveness, not speed: without the fix these take gunicorn's timeout.
    assert max(times) < 5, statistics.quantiles(times, n=100)[-1]


def test_the_largest_contract_request_fits(server):
    cursor = "A" * 400 + "." + "B" * 111  # 512 characters, the contract's maximum
    query = urllib.parse.urlencode(
        {
            "q": "\U0001f30d" * 200,  # 200 four-byte characters, 2,400 bytes encoded
            "campaign": "c" * 80,
            "theme": "t" * 80,
            "audience": AUDIENCES[-1],
            "tag": "g" * 64,
            "kind": MESSAGE_KINDS[0],
            "status": "published",
            "locale": "fr-BE",
            "updated_since": "2017-01-01T00:00:00+00:00",
            "limit": "100",
            "cursor": cursor,
        }
    )
    status, headers, body = server.request("GET", f"/api/v1/messages?{query}")
    # The app itself answers (a forged cursor is its 400), not the server's limit.
    assert status == 400, body[:300]
    assert json.loads(body)["errors"].keys() == {"cursor"}


def test_an_oversized_request_line_is_a_problem_414(server):
    status, headers, body = server.request("GET", "/api/v1/messages?q=" + "a" * 9000)
    assert status == 414
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["status"] == 414


def test_an_oversized_header_is_a_problem_431(server):
    status, headers, body = server.request("GET", "/api/v1/messages", {"X-Big": "a" * 9000})
    assert status == 431
    assert headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == 431 and problem["title"] == "Request Header Fields Too Large"


def test_too_many_headers_is_a_problem_431(server):
    headers = {f"X-H{i}": "1" for i in range(150)}
    status, response_headers, body = server.request("GET", "/api/v1/messages", headers)
    assert status == 431
    assert response_headers["Content-Type"] == "application/problem+json"
