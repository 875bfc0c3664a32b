"""What running each export in its own process costs, measured side by side.

Runs the calendar exporter on the same bundle four ways, in one run:

- inline: in this process (no time limit possible: a thread cannot be stopped);
- fork: a forked child per export, as the server does (``sidcontent.exports.sandbox``);
- spawn: a fresh interpreter per export (what fork avoids);
- reused: ``POST /exports`` answered from the store (identical request).

Usage: ``.venv/bin/python bench/export_worker.py [ROUNDS]``. Figures swing
between runs; compare the ratios, which are measured in the same run.
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sidcontent import create_app
from sidcontent.content import fixtures
from sidcontent.exports import sandbox
from sidcontent.exports.service import ExportRequest

ROOT = Path(__file__).resolve().parent.parent


def timed(func, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _spawned(host_config, bundle, options, media_type):  # runs in the spawned child
    from sidcontent.plugins import PluginHost

    host = PluginHost.from_config(host_config)
    sandbox.produce(host, host.exporters["calendar"], bundle, options, media_type, 1 << 24)


def main(rounds: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="sidcontent-bench-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'b.sqlite3'}", "INSTANCE_PATH": str(tmp)})
    database = app.extensions["sidcontent.db"]
    database.upgrade()
    with database.session() as session:
        fixtures.load(session, ROOT / "fixtures")
    service = app.extensions["sidcontent.exports"]
    host = service.host
    registered = host.exporters["calendar"]
    bundle = service.bundle("sid-2026", "fr")
    options = registered.item.options_schema().load({"reminder_minutes": 10})
    job = sandbox.Job("calendar", registered.plugin, bundle, options, "text/calendar", 1 << 24)

    inline = timed(
        lambda: sandbox.produce(host, registered, bundle, options, "text/calendar", 1 << 24),
        rounds,
    )
    forked = timed(lambda: sandbox.run(job, host, 30), rounds)
    spawn = multiprocessing.get_context("spawn")

    def spawned() -> None:
        process = spawn.Process(target=_spawned, args=({}, bundle, options, "text/calendar"))
        process.start()
        process.join()

    spawned_ms = timed(spawned, max(3, rounds // 5))
    service.run(ExportRequest("calendar", "sid-2026", "fr"))
    reused = timed(lambda: service.run(ExportRequest("calendar", "sid-2026", "fr")), rounds)

    print(f"calendar export of sid-2026 (fr), median of {rounds} rounds")
    print(f"  inline (no time limit)     {inline:8.2f} ms   1.0x")
    print(f"  forked worker (the server) {forked:8.2f} ms   {forked / inline:5.1f}x")
    print(f"  spawned interpreter        {spawned_ms:8.2f} ms   {spawned_ms / inline:5.1f}x")
    print(f"  identical request, reused {reused:8.2f} ms   {reused / inline:5.1f}x")
    database.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
