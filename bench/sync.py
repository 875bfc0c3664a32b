"""A delta sync with 10 changes: 100,000 messages against 1,000, side by side.

Both databases hold the seed content plus generated messages (bench/generate.py);
on each, a client finishes an initial sync of everything, ten published
messages are edited, and the delta (the ten items whole) is timed through the
content layer the endpoint uses (sync.page: the change log, scheduled
arrivals, visibility, representation). The target: within 2x.

    .venv/bin/python bench/sync.py [--postgresql URL] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import scale  # noqa: E402

from sidcontent.content import editing, sync  # noqa: E402
from sidcontent.content.models import utcnow  # noqa: E402
from sidcontent.db import Database  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EDITED = range(1, 20)  # seed messages of sid-2017, published


def _delta_ms(url: str, rounds: int) -> tuple[float, int]:
    database = Database(url)
    try:
        with database.session() as session:
            start = sync.Position(seq=sync._log_end(session), at=utcnow())
        now = utcnow()
        kind = editing.KINDS["messages"]
        done = 0
        with database.session() as session:
            for message_id in EDITED:
                row = editing.load(session, kind, message_id)
                if row.status != "published" or done == 10:
                    continue
                patch = {"translations": {"en": {"headline": f"Edited {message_id}"}}}
                editing.update_item(session, kind, row, None, patch, "bench", now, merge=True)
                done += 1
        view = sync.View(limit=100)
        timings, entries = [], 0
        for _ in range(rounds):
            with database.sessions() as session:
                began = time.perf_counter()
                page = sync.page(session, view, start, utcnow())
                timings.append((time.perf_counter() - began) * 1000)
                entries = len(page.entries)
        return statistics.median(timings), entries
    finally:
        database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgresql", help="an admin URL: measure on PostgreSQL too")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sidbench-sync-") as tmp:
        backends = [("SQLite", scale.sqlite_databases(Path(tmp), FIXTURES, print))]
        if args.postgresql:
            backends.append(
                (
                    "PostgreSQL",
                    scale.postgresql_databases(args.postgresql, Path(tmp), FIXTURES, print),
                )
            )
        worst = 0.0
        for label, databases in backends:
            with databases as urls:
                small = _delta_ms(urls[scale.SMALL], args.rounds)
                large = _delta_ms(urls[scale.LARGE], args.rounds)
            ratio = large[0] / small[0]
            worst = max(worst, ratio)
            print(
                f"{label}: delta of {small[1]} changes: {small[0]:.2f} ms at {scale.SMALL:,} "
                f"messages, {large[0]:.2f} ms at {scale.LARGE:,}: {ratio:.2f}x (target <= 2x)"
            )
    return 0 if worst <= 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
