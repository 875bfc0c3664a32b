"""Read p99 of `sidcontent serve` idle, then with 4 slow-loris sockets open
(each sends one header line every 2 s and never finishes), side by side.

Runs on SQLite in a temporary instance folder, with the default worker
model (2 gthread workers x 8 threads).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIDCONTENT = str(Path(sys.executable).with_name("sidcontent"))
SLOW = 4
READS = 400
PATH = "/api/v1/campaigns"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", PATH)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def reads(port: int, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        assert get(port) == 200
        times.append(time.perf_counter() - started)
    return times


def slow_loris(port: int, stop: threading.Event) -> None:
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(b"GET /api/v1/campaigns HTTP/1.1\r\nHost: x\r\n")
        while not stop.wait(2):
            sock.sendall(b"X-Slow: 1\r\n")
    except OSError:
        pass
    finally:
        sock.close()


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="sidcontent-slow-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIDCONTENT_")}
    env.update(SIDCONTENT_INSTANCE_PATH=str(work), SIDCONTENT_WEB_READ_TIMEOUT="30")
    subprocess.run([SIDCONTENT, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [SIDCONTENT, "fixtures", "load", str(ROOT / "fixtures")],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = (work / "serve.log").open("wb")
    server = subprocess.Popen(
        [SIDCONTENT, "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if get(port) == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        reads(port, 50)
        idle = reads(port, READS)
        stop = threading.Event()
        threads = [threading.Thread(target=slow_loris, args=(port, stop)) for _ in range(SLOW)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        try:
            slowed = reads(port, READS)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    p_idle = statistics.quantiles(idle, n=100)[98] * 1000
    p_slow = statistics.quantiles(slowed, n=100)[98] * 1000
    print(f"GET {PATH}, {READS} reads each, 2 workers x 8 threads")
    print(f"read p99 idle               {p_idle:7.2f} ms")
    print(f"read p99, {SLOW} slow-loris open {p_slow:7.2f} ms  ({p_slow / p_idle:.2f}x idle)")
    print(f"max with slow clients       {max(slowed) * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
