"""Exports inline against queued, side by side in one run.

For each setup, on one throwaway PostgreSQL database and one Redis
database: N poster exports posted by 4 concurrent clients while one more
client reads a message list as fast as it gets answers. Printed per setup:
exports per second (first POST to last record finished) and read p99 during
the flood, as a ratio to the idle p99 measured first on the same server.

- inline: `sidcontent serve --workers 2`, no broker (exports in the request);
- queued 1: the same server with SIDCONTENT_BROKER_URL, one `sidcontent worker`;
- queued 2: two workers.

Needs PostgreSQL and Redis on 127.0.0.1 (the defaults below; override with
SIDCONTENT_BENCH_PG_URL / SIDCONTENT_BENCH_REDIS_URL). Only its own Redis
database number is flushed.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
SIDCONTENT = str(Path(sys.executable).with_name("sidcontent"))
PG_URL = os.environ.get(
    "SIDCONTENT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("SIDCONTENT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
EXPORTS = int(os.environ.get("BENCH_EXPORTS", "24"))
CLIENTS = 4
READ_PATH = "/api/v1/messages?campaign=sid-2017&limit=20"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(port: int, method: str, path: str, headers=None, body=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        args, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("server exited early")
        try:
            if request(port, "GET", "/readyz", timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server not ready")


def read_times(port: int, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, _ = request(port, "GET", READ_PATH)
        times.append(time.perf_counter() - started)
        assert status == 200, status
    return times


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[98]


def flood(port: int, token: str, label: str, queued: bool) -> tuple[float, float, float]:
    """(exports/s, idle read p99, read p99 during the flood)."""
    read_times(port, 20)
    idle = read_times(port, 200)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [
        json.dumps(
            {
                "exporter": "poster",
                "campaign": "sid-2017",
                "options": {"partner": f"{label}-{i}-{uuid.uuid4().hex[:6]}"},
            }
        )
        for i in range(EXPORTS)
    ]
    ids: list[str] = []
    lock = threading.Lock()
    during: list[float] = []
    stop_reading = threading.Event()

    def reader() -> None:
        while not stop_reading.is_set():
            during.extend(read_times(port, 5))

    def poster(chunk: list[str]) -> None:
        for body in chunk:
            status, raw = request(port, "POST", "/api/v1/exports", auth, body)
            assert status in (201, 202), (status, raw[:200])
            with lock:
                ids.append(json.loads(raw)["data"]["id"])

    reading = threading.Thread(target=reader)
    reading.start()
    started = time.perf_counter()
    posters = [threading.Thread(target=poster, args=(bodies[i::CLIENTS],)) for i in range(CLIENTS)]
    for thread in posters:
        thread.start()
    for thread in posters:
        thread.join()
    if queued:
        pending = set(ids)
        while pending:
            for export_id in list(pending):
                _, raw = request(port, "GET", f"/api/v1/exports/{export_id}", auth)
                if json.loads(raw)["data"]["status"] in ("succeeded", "failed"):
                    pending.discard(export_id)
            time.sleep(0.1)
    elapsed = time.perf_counter() - started
    stop_reading.set()
    reading.join()
    return EXPORTS / elapsed, p99(idle), p99(during)


def main() -> None:
    import redis

    broker = redis.Redis.from_url(REDIS_URL)
    broker.ping()
    base = make_url(PG_URL)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"sidcontent_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="sidcontent-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIDCONTENT_")}
    env.update(
        SIDCONTENT_DATABASE_URL=url,
        SIDCONTENT_INSTANCE_PATH=str(work / "instance"),
        SIDCONTENT_SECRET_KEY="bench",
        SIDCONTENT_ARTIFACT_STORE="database",
    )
    processes: list[subprocess.Popen[bytes]] = []
    results = {}
    try:
        subprocess.run([SIDCONTENT, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run(
            [SIDCONTENT, "fixtures", "load", str(ROOT / "fixtures")],
            env=env,
            check=True,
            capture_output=True,
        )
        token = subprocess.run(
            [SIDCONTENT, "tokens", "create", "--name", "bench", "--role", "marketer", "--quiet"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for label, workers in (("inline", 0), ("queued, 1 worker", 1), ("queued, 2 workers", 2)):
            broker.flushdb()
            run_env = dict(env)
            if workers:
                run_env["SIDCONTENT_BROKER_URL"] = REDIS_URL
            port = free_port()
            server = start(
                [SIDCONTENT, "serve", "--port", str(port), "--workers", "2"],
                run_env,
                work / f"serve-{workers}.log",
            )
            processes.append(server)
            for n in range(workers):
                processes.append(
                    start([SIDCONTENT, "worker"], run_env, work / f"worker-{workers}-{n}.log")
                )
            wait_ready(port, server)
            time.sleep(3 if workers else 0)  # workers connected
            results[label] = flood(port, token, label.split(",")[0].replace(" ", ""), bool(workers))
            for process in processes:
                stop(process)
            processes.clear()
    finally:
        for process in processes:
            stop(process)
        broker.flushdb()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    inline_rate = results["inline"][0]
    print(f"{EXPORTS} poster exports from {CLIENTS} clients, reads of {READ_PATH} alongside")
    print(
        f"{'setup':<20} {'exports/s':>10} {'vs inline':>10} {'read p99 idle':>14} "
        f"{'read p99 flood':>15} {'flood/idle':>11}"
    )
    for label, (rate, idle, during) in results.items():
        print(
            f"{label:<20} {rate:>10.2f} {rate / inline_rate:>9.2f}x {idle * 1000:>11.1f} ms "
            f"{during * 1000:>12.1f} ms {during / idle:>10.1f}x"
        )


if __name__ == "__main__":
    main()
