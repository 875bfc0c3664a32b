"""Read-API benchmark: throughput against a bare Flask route, and flatness at scale.

    make bench                          # or: .venv/bin/python bench/read_api.py
    .venv/bin/python bench/read_api.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Part 1 serves the API and a bare Flask route under identical gunicorn
settings and loads them alternately with wrk; it prints requests/s and the
median ratio of each endpoint to the bare route, next to the targets.
Part 2 times a filtered page and deep cursor pages at 1,000 and at 100,000
messages, uncached, and prints the growth next to the 2x target.

Figures are printed, never asserted: this is a benchmark, not a test. Compare
ratios measured in one run; absolute numbers swing between runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import scale
import throughput
import wrk

ROOT = Path(__file__).resolve().parent.parent


def say(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=8, help="throughput rounds (default 8)")
    parser.add_argument("--seconds", type=float, default=3, help="seconds per wrk run (default 3)")
    parser.add_argument(
        "--scale-rounds", type=int, default=15, help="alternations of 1k/100k (default 15)"
    )
    parser.add_argument(
        "--per-round",
        type=int,
        default=10,
        help="requests per case per size per round (default 10)",
    )
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="also run the scale check on PostgreSQL; URL of a database to create others beside",
    )
    parser.add_argument(
        "--sqlite-analyze",
        action="store_true",
        help="also time SQLite after ANALYZE (the app itself never collects statistics)",
    )
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--fixtures", type=Path, default=ROOT / "fixtures")
    args = parser.parse_args(argv)

    if not args.skip_throughput and not wrk.available():
        print(wrk.INSTALL_HINT, file=sys.stderr)
        print("(run with --skip-throughput for the scale check alone)", file=sys.stderr)
        return 2

    started = time.monotonic()
    print(
        f"sidcontent read-API benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="sidbench-") as tmp:
        workdir = Path(tmp)
        if not args.skip_throughput:
            say(
                f"throughput: {args.rounds} rounds x 3 endpoints, {args.seconds:g} s per wrk "
                f"run (-t{wrk.THREADS} -c{wrk.CONNECTIONS}), each between two bare runs"
            )
            where = workdir / "throughput"
            where.mkdir()
            results = throughput.measure(where, args.fixtures, args.rounds, args.seconds, say)
            print_throughput(results)
        if not args.skip_scale:
            backends: list[tuple[str, str | None, bool]] = [("SQLite", None, False)]
            if args.sqlite_analyze:
                backends.append(("SQLite after ANALYZE", None, True))
            if args.postgresql:
                backends.append(("PostgreSQL", args.postgresql, False))
            for label, admin_url, analyze in backends:
                where = workdir / label.lower().replace(" ", "-")
                where.mkdir()
                say(f"scale check on {label}: building 1,000- and 100,000-message databases")
                if admin_url is None:
                    databases = scale.sqlite_databases(where, args.fixtures, say, analyze)
                else:
                    databases = scale.postgresql_databases(admin_url, where, args.fixtures, say)
                with databases as urls:
                    say(f"timing {len(scale.CASES)} cases, {args.scale_rounds} alternations")
                    timings = scale.measure(urls, where, args.scale_rounds, args.per_round)
                print_scale(label, timings)
    print(f"\nwhole run: {time.monotonic() - started:.0f} s")
    return 0


def print_throughput(results: list[throughput.Measured]) -> None:
    print(
        "\nThroughput under gunicorn -w 2 (sync), wrk "
        f"-t{wrk.THREADS} -c{wrk.CONNECTIONS}, loopback; ratio = endpoint / bare route"
    )
    header = (
        f"{'endpoint':<50} {'req/s':>7} {'bare':>7} {'ratio':>6} "
        f"{'min-max':>11} {'p99 ms':>7} {'target':>7}  met"
    )
    print(header)
    print("-" * len(header))
    for m in results:
        ratio = throughput.median(m.ratios)
        spread = f"{min(m.ratios):.2f}-{max(m.ratios):.2f}"
        met = "yes" if ratio >= m.target.goal else "NO"
        print(
            f"{m.target.name:<50} {throughput.median(m.rps):>7.0f} "
            f"{throughput.median(m.bare_rps):>7.0f} {ratio:>5.2f}x {spread:>11} "
            f"{throughput.median(m.p99_ms):>7.1f} {'>=' + format(m.target.goal, '.1f') + 'x':>7}"
            f"  {met}"
        )
        for problem in sorted(set(m.problems)):
            print(f"    warning: {problem}")
    print("(medians over rounds; each ratio uses the bare runs just before and after it)")


def print_scale(label: str, timings: list[scale.Timing]) -> None:
    print(
        f"\nScale on {label}: median ms per request, response cache off, in-process "
        f"({scale.SMALL:,} vs {scale.LARGE:,} messages)"
    )
    header = (
        f"{'case':<40} {'page 1k':>8} {'page 100k':>10} {'growth':>7} "
        f"{'query 1k':>9} {'query 100k':>11} {'growth':>7} {'target':>7}  met"
    )
    print(header)
    print("-" * len(header))
    for t in timings:
        small_page, large_page = (scale.median(t.page_ms[s]) for s in (scale.SMALL, scale.LARGE))
        small_q, large_q = (scale.median(t.query_ms[s]) for s in (scale.SMALL, scale.LARGE))
        page_growth = large_page / small_page
        query_growth = large_q / small_q
        goal = t.case.goal
        if goal is None:
            target, met = "-", "-"
        else:
            target = f"<={goal:.0f}x"
            met = "yes" if page_growth <= goal and query_growth <= goal else "NO"
        print(
            f"{t.case.name:<40} {small_page:>8.2f} {large_page:>10.2f} {page_growth:>6.2f}x "
            f"{small_q:>9.2f} {large_q:>11.2f} {query_growth:>6.2f}x {target:>7}  {met}"
        )
    print("(page = full GET through the app; query = queries.list_messages alone)")


if __name__ == "__main__":
    sys.exit(main())
