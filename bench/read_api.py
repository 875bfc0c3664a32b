"""Read-API benchmark: throughput against a bare Flask route, at 1,000 and 100,000 messages.

    make bench                          # or: .venv/bin/python bench/read_api.py
    .venv/bin/python bench/read_api.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    (or set SIDCONTENT_BENCH_POSTGRESQL to that URL, and `make bench` runs PostgreSQL too)

Part 1, per backend and per size: the API (response cache off, no cache at
all, and as deployed) and a bare Flask route under identical gunicorn
settings, loaded alternately with wrk; it prints the median ratio of each
endpoint to the bare route next to its target, the same at 100,000 messages,
and the growth between the two against the 1.5x target.
Part 2 times a filtered page and deep cursor pages at both sizes in-process,
uncached, and prints the growth next to the 2x target.

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
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds (default 3)")
    parser.add_argument("--seconds", type=float, default=2, help="seconds per wrk run (default 2)")
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
        default=os.environ.get("SIDCONTENT_BENCH_POSTGRESQL") or None,
        help="also run on PostgreSQL; URL of a database to create others beside",
    )
    parser.add_argument(
        "--sqlite-analyze",
        action="store_true",
        help="also time SQLite after ANALYZE (the app itself never collects statistics)",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
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
    backends: list[tuple[str, str | None, bool]] = []
    if not args.skip_sqlite:
        backends.append(("SQLite", None, False))
        if args.sqlite_analyze:
            backends.append(("SQLite after ANALYZE", None, True))
    if args.postgresql:
        backends.append(("PostgreSQL", args.postgresql, False))
    with tempfile.TemporaryDirectory(prefix="sidbench-") as tmp:
        for label, admin_url, analyze in backends:
            where = Path(tmp) / label.lower().replace(" ", "-")
            where.mkdir()
            say(f"{label}: building 1,000- and 100,000-message databases")
            if admin_url is None:
                databases = scale.sqlite_databases(where, args.fixtures, say, analyze)
            else:
                databases = scale.postgresql_databases(admin_url, where, args.fixtures, say)
            with databases as urls:
                if not args.skip_throughput:
                    by_size = {}
                    for size, url in sorted(urls.items()):
                        say(
                            f"{label}, {size:,} messages: {args.rounds} rounds, "
                            f"{args.seconds:g} s per wrk run (-t{wrk.THREADS} "
                            f"-c{wrk.CONNECTIONS}), each between two bare runs"
                        )
                        sized = where / f"throughput-{size}"
                        sized.mkdir()
                        # At 100,000 messages a bundle holds 10,000 of them (its
                        # cap): another payload, not the same one grown slower.
                        skip = frozenset({"bundle"}) if size == scale.LARGE else frozenset()
                        by_size[size] = throughput.measure(
                            url, sized, args.rounds, args.seconds, say, skip
                        )
                    print_throughput(label, by_size)
                if not args.skip_scale:
                    say(f"timing {len(scale.CASES)} cases, {args.scale_rounds} alternations")
                    timings = scale.measure(urls, where, args.scale_rounds, args.per_round)
                    print_scale(label, timings)
    print(f"\nwhole run: {time.monotonic() - started:.0f} s")
    return 0


def print_throughput(label: str, by_size: dict[int, list[throughput.Measured]]) -> None:
    small, large = by_size[scale.SMALL], by_size[scale.LARGE]
    print(
        f"\nThroughput on {label} under gunicorn -w 2 (sync), wrk -t{wrk.THREADS} "
        f"-c{wrk.CONNECTIONS}, loopback; ratio = endpoint / bare route in the same run"
    )
    header = (
        f"{'endpoint':<48} {'target':>7} {'1k':>6} {'min-max':>10} {'req/s':>6} {'bare':>6} "
        f"{'100k':>6} {'min-max':>10} {'growth':>7}  met"
    )
    print(header)
    print("-" * len(header))
    for one, big in zip(small, large, strict=True):
        goal, growth_goal = one.target.goal, one.target.growth
        ratio = throughput.median(one.ratios)
        big_ratio = throughput.median(big.ratios) if big.ratios else None
        growth = ratio / big_ratio if big_ratio else None
        verdicts = []
        if goal is not None:
            verdicts.append(ratio >= goal and (big_ratio is None or big_ratio >= goal))
        if growth_goal is not None and growth is not None:
            verdicts.append(growth <= growth_goal)
        met = "-" if not verdicts else ("yes" if all(verdicts) else "NO")
        target = f">={goal:.2f}x" if goal is not None else "-"
        print(
            f"{one.target.name:<48} {target:>7} {ratio:>5.2f}x {_spread(one):>10} "
            f"{throughput.median(one.rps):>6.0f} {throughput.median(one.bare_rps):>6.0f} "
            f"{_ratio(big_ratio):>6} {_spread(big):>10} "
            f"{_ratio(growth):>6}{'' if growth_goal is not None else '*'}  {met}"
        )
        for note in (one.note and f"1k: {one.note}", big.note and f"100k: {big.note}"):
            if note:
                print(f"    {note}")
        for problem in sorted(set(one.problems + big.problems)):
            print(f"    warning: {problem}")
    print(
        "(medians over rounds; each ratio uses the bare runs just before and after it; growth ="
        " 1k ratio / 100k ratio, target <=1.5x; * no growth target: a bundle holds every"
        " message of its campaign, up to 10,000, so it is not run at 100k)"
    )


def _spread(measured: throughput.Measured) -> str:
    if not measured.ratios:
        return "-"
    return f"{min(measured.ratios):.2f}-{max(measured.ratios):.2f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


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
