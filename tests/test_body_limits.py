"""Body limits hold for Content-Length and chunked bodies alike.

Over a real socket, because the test client never sends a body the way a
client does: chunked, with ``Transfer-Encoding`` and no length. Both servers
we run are tried: werkzeug's (in a thread) and gunicorn (``sidcontent
serve``, as in production). Over the limit is a 413 problem, and the
database is byte-identical before and after: nothing was parsed or stored.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.auth_helpers import make_token
from tests.conftest import fresh_database, make_app
from tests.test_hostile_bodies import DOCUMENTS, db_dump

LIMIT = 1024 * 1024
MESSAGE = json.dumps(DOCUMENTS["messages"]).encode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        part = body[start : start + size]
        yield f"{len(part):x}\r\n".encode() + part + b"\r\n"
    yield b"0\r\n\r\n"


def send(port: int, token: str, body: bytes, *, chunked: bool) -> tuple[int, dict, bytes]:
    """POST /api/v1/messages over a socket; (status, headers, body)."""
    head = [
        "POST /api/v1/messages HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: Bearer {token}",
        "Content-Type: application/json",
        "Connection: close",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}",
    ]
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    received: list[bytes] = []

    def read() -> None:
        try:
            while data := sock.recv(65536):
                received.append(data)
        except OSError:
            pass

    reader = threading.Thread(target=read)
    reader.start()
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        for part in _chunks(body) if chunked else [body]:
            sock.sendall(part)
    except OSError:
        pass  # the server may answer 413 and close before the body is all sent
    reader.join(30)
    sock.close()
    raw = b"".join(received)
    header_block, _, payload = raw.partition(b"\r\n\r\n")
    lines = header_block.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, payload


CASES = [
    # (name, body, chunked, expected status)
    ("small-chunked", MESSAGE, True, 201),
    ("small-length", MESSAGE, False, 201),
    # A valid message, then padding that JSON allows, then garbage past the
    # limit: cut at the limit it would parse (the finding).
    ("padded-chunked", MESSAGE + b" " * (LIMIT - len(MESSAGE)) + b"garbage" * 100, True, 413),
    ("padded-length", MESSAGE + b" " * (LIMIT - len(MESSAGE)) + b"garbage" * 100, False, 413),
    ("ten-mb-chunked", b"[" + b"1," * (5 * 1024 * 1024) + b"1]", True, 413),
    ("exactly-the-limit-chunked", MESSAGE + b" " * (LIMIT - len(MESSAGE)), True, 201),
]


@pytest.fixture(scope="module")
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    tmp_path: Path = tmp_path_factory.mktemp("limits")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        yield app, make_token(app, "big-bodies", "editor")
        app.extensions["sidcontent.db"].dispose()


def _check(app: Flask, port: int, token: str, body: bytes, chunked: bool, expected: int) -> None:
    before = db_dump(app)
    status, headers, payload = send(port, token, body, chunked=chunked)
    assert status == expected, payload[:300]
    if expected == 413:
        assert headers["content-type"] == "application/problem+json"
        assert json.loads(payload)["status"] == 413
        assert db_dump(app) == before
    else:
        assert db_dump(app) != before


@pytest.mark.parametrize(("name", "body", "chunked", "expected"), CASES, ids=[c[0] for c in CASES])
def test_werkzeug_server(served_app, name, body, chunked, expected):
    app, token = served_app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _check(app, server.server_port, token, body, chunked, expected)
    finally:
        server.shutdown()
        thread.join(10)


@pytest.mark.slow
def test_gunicorn_server(served_app, tmp_path):
    app, token = served_app
    port = _free_port()
    env = {
        **os.environ,
        "SIDCONTENT_DATABASE_URL": app.config["DATABASE_URL"],
        "SIDCONTENT_INSTANCE_PATH": app.instance_path,
        "SIDCONTENT_SECRET_KEY": app.config["SECRET_KEY"],
    }
    command = [str(Path(sys.executable).parent / "sidcontent"), "serve", "--port", str(port)]
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [*command, "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for _name, body, chunked, expected in CASES:
            _check(app, port, token, body, chunked, expected)
    finally:
        server.terminate()
        server.wait(30)
        log.close()
