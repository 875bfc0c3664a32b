"""Starting gunicorn on loopback, identically for the API and the baseline."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
WORKERS = 2
BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def gunicorn_argv(app_spec: str, port: int) -> list[str]:
    """One command line for every server under test: only the app differs.

    Sync workers, two of them, as TIPS.md measured (they matched or beat
    gthread on these CPU-bound routes); no access log, which would otherwise
    be a large share of a constant-JSON request.
    """
    return [
        str(BIN / "gunicorn"),
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"{HOST}:{port}",
        "--pythonpath",
        str(BENCH_DIR),
        "--log-level",
        "warning",
        app_spec,
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], ready_path: str, log: Path) -> Iterator[str]:
    """Run ``app_spec`` under gunicorn until the block ends; yield its base URL."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            gunicorn_argv(app_spec, port),
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_ready(base + ready_path, process, log)
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 15 s: gunicorn's arbiter takes its workers with it."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer {url} within 30 s:\n{log.read_text()}")
