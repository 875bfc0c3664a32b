"""Memory per web worker after the read benchmark's load, against bare Flask.

    make bench                        # or: .venv/bin/python bench/worker_memory.py

Three servers run side by side under the read benchmark's gunicorn command
line (``servers.gunicorn_argv``: sync workers, two of them) and take the same
wrk load on the read endpoints (list, bundle, detail, 304, ``/exporters``,
``/plugins``):

- **bare**: a Flask route returning constant JSON (``bare_app``);
- **sidcontent**: the API as it serves reads, exporters' libraries unloaded;
- **exporters loaded**: the same API whose workers also ran every exporter's
  ``preload()`` at start, which is what each web worker carried before the
  exporters loaded their libraries lazily (and what an export worker holds);
- **sidcontent serve**: the production command (the app loaded once, then
  forked into threaded workers, which share its pages: compare PSS).

Then each worker's RSS (and PSS, which shares out pages the workers have in
common) is read from ``/proc``. The target is at most 80 MB RSS per
sidcontent worker.

What a lean web worker pays instead: each export's forked child imports the
exporter's libraries itself. The second table times one export of each
built-in exporter in a forked child (``sidcontent.exports.sandbox``, as the
server runs it) from a process that never loaded them, then from the same
process after ``preload_exporters()``, as ``sidcontent worker`` runs them.
Figures are printed, never asserted.

The third table says where a worker's memory goes: one fresh interpreter
imports, in turn, what a read-serving worker imports (the third-party
libraries first, then sidcontent's modules), builds the app and serves the
reads, printing its RSS after each step. Steps are cumulative, so each
figure is what that step added on top of the ones before it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import bare_app
import servers
import wrk

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 80.0
READS = (
    "/api/v1/messages?limit=20",
    "/api/v1/messages?limit=20&audience=parents-carers&locale=de",
    "/api/v1/campaigns/sid-2017/bundle",
    "/api/v1/campaigns/sid-2017/bundle?locale=fr",
    "/api/v1/messages/8",
    "/api/v1/resources?limit=20",
    "/api/v1/exporters",
    "/api/v1/plugins",
)


def prepare_database(workdir: Path, fixtures: Path) -> dict[str, str]:
    """A temp SQLite database, migrated and seeded through the real CLI.

    (throughput.py used to provide this; it now prepares its databases at
    two sizes, so this benchmark keeps its own.)
    """
    env = {
        "SIDCONTENT_DATABASE_URL": f"sqlite:///{workdir / 'api.sqlite3'}",
        "SIDCONTENT_INSTANCE_PATH": str(workdir / "instance"),
        "SIDCONTENT_SECRET_KEY": "bench-secret",
    }
    cli = str(servers.BIN / "sidcontent")
    for argv in ([cli, "db", "upgrade"], [cli, "fixtures", "load", str(fixtures)]):
        subprocess.run(argv, env={**os.environ, **env}, check=True, capture_output=True)
    return env


def exporters_loaded_app() -> object:
    """The API with every exporter preloaded in the worker: the old web worker."""
    from sidcontent import create_app

    app = create_app()
    app.extensions["sidcontent.plugins"].preload_exporters()
    return app


@dataclass(frozen=True)
class Worker:
    pid: int
    rss_mb: float
    pss_mb: float


def workers_of(base_url: str) -> list[Worker]:
    """gunicorn's workers for the server on ``base_url``: the processes whose
    command line binds its port, less the arbiter (their parent)."""
    bind = f"{servers.HOST}:{urlsplit(base_url).port}"
    found: dict[int, int] = {}  # pid -> ppid
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        if bind.encode() in argv:
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return [_measure(pid) for pid, ppid in sorted(found.items()) if ppid in found]


def children_of(pid: int) -> list[Worker]:
    """The processes whose parent is ``pid``: ``sidcontent serve``'s workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(_measure(int(entry.name)))
    return found


@contextmanager
def sidcontent_serve(env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """``sidcontent serve`` as an operator runs it (the app loaded before gunicorn
    forks, threaded workers); yield its base URL and its pid."""
    port = servers.free_port()
    argv = [str(servers.BIN / "sidcontent"), "serve", "--host", servers.HOST, "--port", str(port)]
    argv += ["--workers", str(servers.WORKERS)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://{servers.HOST}:{port}"
    try:
        servers.wait_ready(base + "/healthz", process, log)
        yield base, process.pid
    finally:
        servers.stop(process)


def _kb(pid: int, path: str, field: str) -> float:
    for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    return float("nan")


def _measure(pid: int) -> Worker:
    return Worker(pid, _kb(pid, "status", "VmRSS") / 1024, _kb(pid, "smaps_rollup", "Pss") / 1024)


def load(base_url: str, paths: tuple[str, ...], seconds: float) -> int:
    """wrk on each path in turn; the number of requests that were not 2xx/3xx."""
    bad = 0
    for path in paths:
        result = wrk.run(base_url + path, seconds)
        bad += result.bad_status + result.socket_errors
    return bad


EXPORTS = (
    ("social", "application/json", {}),
    ("poster", "application/pdf", {}),
    ("newsletter", "text/html", {}),
    ("calendar", "text/calendar", {}),
)


#: (what, modules) in the order a worker pays for them; see _STEPS_CHILD.
STEPS = (
    ("Flask, Werkzeug, Jinja2, click", ("flask",)),
    ("SQLAlchemy core", ("sqlalchemy",)),
    ("SQLAlchemy ORM", ("sqlalchemy.orm",)),
    (
        "marshmallow, flask-smorest, apispec, webargs, PyYAML",
        ("marshmallow", "flask_smorest", "apispec.ext.marshmallow", "webargs", "yaml"),
    ),
    ("flask-limiter, limits", ("flask_limiter",)),
    ("langcodes (its language data)", ("langcodes", "langcodes.language_distance")),
    (
        "pluggy, orjson, regex, standardwebhooks, swagger-ui",
        ("pluggy", "orjson", "regex", "standardwebhooks", "flask_swagger_ui"),
    ),
    ("sidcontent's modules", ("sidcontent.app",)),
)
#: What a read-serving worker must not carry (tests/test_lean_workers.py
#: checks it); the child reports any that got imported.
NEVER = ("alembic", "mako", "translate", "lxml", "PIL", "reportlab", "fontTools", "celery")


# Run with ``python -c`` so the child imports nothing of this benchmark (whose
# own imports, urllib among them, would be counted as the interpreter's).
# argv[1]: [STEPS, READS, NEVER] as JSON; prints [[label, MB], ...] and the
# modules of NEVER it imported, as one JSON line.
_STEPS_CHILD = """
import importlib, json, os, sys

def rss():
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) / 1024
    return float("nan")

steps, reads, never = json.loads(sys.argv[1])
rows = [("interpreter", rss())]
for label, modules in steps:
    for module in modules:
        importlib.import_module(module)
    rows.append((label, rss()))
from sidcontent import create_app
app = create_app()
rows.append(("create_app(): views, their docs, the spec, plugins", rss()))
client = app.test_client()
for _ in range(20):
    for path in reads:
        if client.get(path).status_code != 200:
            raise RuntimeError(path + " did not answer 200")
rows.append(("serving reads: caches, connections", rss()))
app.extensions["sidcontent.db"].dispose()
print(json.dumps({"rows": rows, "loaded": sorted(n for n in never if n in sys.modules)}))
"""


def steps(env: dict[str, str]) -> tuple[list[tuple[str, float]], list[str]]:

    spec = json.dumps([STEPS, [*READS, "/readyz"], NEVER])
    done = subprocess.run(
        [sys.executable, "-c", _STEPS_CHILD, spec],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return [(label, mb) for label, mb in result["rows"]], result["loaded"]


def export_costs(env: dict[str, str], rounds: int) -> list[tuple[str, float, float]]:
    """(exporter, median ms from a lean process, median ms after preloading)."""
    os.environ.update(env)
    from sidcontent import create_app
    from sidcontent.exports import sandbox

    app = create_app()
    service = app.extensions["sidcontent.exports"]
    host = service.host
    jobs = []
    for name, media_type, given in EXPORTS:
        registered = host.exporters[name]
        options = registered.item.options_schema().load(given)
        bundle = service.bundle("sid-2017", None)
        jobs.append(sandbox.Job(name, registered.plugin, bundle, options, media_type, 1 << 26))

    def median_ms(job: sandbox.Job) -> float:
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            outcome = sandbox.run(job, host, 60)
            samples.append((time.perf_counter() - started) * 1000)
            if not isinstance(outcome, sandbox.Produced):
                raise RuntimeError(f"{job.exporter} failed: {outcome}")
        return statistics.median(samples)

    lean = [median_ms(job) for job in jobs]
    host.preload_exporters()
    warm = [median_ms(job) for job in jobs]
    app.extensions["sidcontent.db"].dispose()
    return [(job.exporter, a, b) for job, a, b in zip(jobs, lean, warm, strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2, help="seconds of wrk per URL")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the URLs")
    parser.add_argument("--export-rounds", type=int, default=5, help="exports per case")
    parser.add_argument("--fixtures", type=Path, default=ROOT / "fixtures")
    args = parser.parse_args(argv)
    if not wrk.available():
        print(wrk.INSTALL_HINT, file=sys.stderr)
        return 2
    print(
        f"sidcontent web worker memory, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} CPUs, gunicorn -w {servers.WORKERS} sync"
    )
    with tempfile.TemporaryDirectory(prefix="sidbench-mem-") as tmp:
        workdir = Path(tmp)
        env = prepare_database(workdir, args.fixtures)
        with ExitStack() as stack:
            servers_under_test = {
                "bare Flask": (
                    stack.enter_context(
                        servers.gunicorn(
                            "bare_app:create_app()", {}, bare_app.PATH, workdir / "bare.log"
                        )
                    ),
                    (bare_app.PATH,),
                ),
                "sidcontent": (
                    stack.enter_context(
                        servers.gunicorn(
                            "sidcontent:create_app()", env, "/healthz", workdir / "api.log"
                        )
                    ),
                    READS,
                ),
                "exporters loaded": (
                    stack.enter_context(
                        servers.gunicorn(
                            "worker_memory:exporters_loaded_app()",
                            env,
                            "/healthz",
                            workdir / "eager.log",
                        )
                    ),
                    READS,
                ),
            }
            serve_url, serve_pid = stack.enter_context(sidcontent_serve(env, workdir / "serve.log"))
            servers_under_test["sidcontent serve"] = (serve_url, READS)
            bad = 0
            for round_no in range(args.rounds):
                for name, (base, paths) in servers_under_test.items():
                    print(f"  .. round {round_no + 1}: {name}", file=sys.stderr, flush=True)
                    bad += load(base, paths, args.seconds)
            measured = {name: workers_of(base) for name, (base, _) in servers_under_test.items()}
            measured["sidcontent serve"] = children_of(serve_pid)
        print("  .. exports in forked children, lean then preloaded", file=sys.stderr, flush=True)
        costs = export_costs(env, args.export_rounds)
        print("  .. where a worker's memory goes, in a fresh process", file=sys.stderr, flush=True)
        attribution, loaded = steps(env)
    bare_rss = statistics.mean(w.rss_mb for w in measured["bare Flask"])
    print(f"\n{'server':<18} {'RSS/worker MB':>14} {'PSS/worker MB':>14} {'x bare':>7}  target")
    for name, workers in measured.items():
        rss = statistics.mean(w.rss_mb for w in workers)
        pss = statistics.mean(w.pss_mb for w in workers)
        goal = ""
        if name.startswith("sidcontent"):
            goal = f"<= {TARGET_MB:.0f} MB: {'met' if rss <= TARGET_MB else 'missed'}"
        print(f"{name:<18} {rss:>14.1f} {pss:>14.1f} {rss / bare_rss:>6.2f}x  {goal}")
        if len(workers) != servers.WORKERS:
            print(f"  (found {len(workers)} workers, expected {servers.WORKERS})")
    print(
        f"\none export in a forked child, median of {args.export_rounds} "
        "(lean: a web worker; preloaded: sidcontent worker)"
    )
    print(f"{'exporter':<12} {'lean ms':>9} {'preloaded ms':>13} {'lean/preloaded':>15}")
    for name, lean, warm in costs:
        print(f"{name:<12} {lean:>9.1f} {warm:>13.1f} {lean / warm:>14.2f}x")
    print("\nwhere a read-serving worker's memory goes (one fresh process, cumulative)")
    print(f"{'step':<54} {'RSS MB':>7} {'added':>6}")
    previous = attribution[0][1]
    for label, mb in attribution:
        print(f"{label:<54} {mb:>7.1f} {mb - previous:>+6.1f}")
        previous = mb
    if loaded:
        print(f"warning: the worker imported {', '.join(loaded)}, which it should not need")
    if bad:
        print(f"\nwarning: {bad} responses were not 2xx/3xx or failed at the socket")
    return 0


if __name__ == "__main__":
    sys.exit(main())
