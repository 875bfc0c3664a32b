"""Requests per second of the read API against a bare Flask route.

Both run under gunicorn with the same command line (``servers.gunicorn_argv``)
on loopback and are loaded by wrk one at a time. Figures swing a lot between
runs on a shared 2-core machine, so runs are interleaved (bare, list, bare,
bundle, bare, 304, bare, ...) and every endpoint run is divided by the mean of
the bare runs right before and after it; the median of those ratios is
reported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import bare_app
import servers
import wrk

LIST = "/api/v1/messages?limit=20"
BUNDLE = "/api/v1/campaigns/sid-2017/bundle"


@dataclass(frozen=True)
class Target:
    short: str  # for progress lines
    name: str
    path: str
    goal: float  # minimum ratio to the bare route
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Measured:
    target: Target
    ratios: list[float] = field(default_factory=list)
    rps: list[float] = field(default_factory=list)
    bare_rps: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def prepare_database(workdir: Path, fixtures: Path) -> dict[str, str]:
    """A temp SQLite database, migrated and seeded through the real CLI."""
    env = {
        "SIDCONTENT_DATABASE_URL": f"sqlite:///{workdir / 'api.sqlite3'}",
        "SIDCONTENT_INSTANCE_PATH": str(workdir / "instance"),
        "SIDCONTENT_SECRET_KEY": "bench-secret",
    }
    cli = str(Path(sys.executable).parent / "sidcontent")
    for argv in ([cli, "db", "upgrade"], [cli, "fixtures", "load", str(fixtures)]):
        subprocess.run(argv, env={**os.environ, **env}, check=True, capture_output=True)
    return env


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:  # 304 arrives as an HTTPError
        return exc.code, dict(exc.headers), exc.read()


def _check_targets(api: str, bare: str) -> list[Target]:
    """Make sure each URL answers what we think it answers before loading it."""
    status, _, body = _get(bare + bare_app.PATH)
    if status != 200:
        raise RuntimeError(f"the bare route answered {status}")
    status, headers, body = _get(api + LIST)
    if status != 200 or len(json.loads(body)["data"]) != 20:
        raise RuntimeError(f"{LIST} answered {status}, not a page of 20")
    etag = headers["ETag"]
    status, _, body = _get(api + BUNDLE)
    if status != 200 or not json.loads(body)["data"]["messages"]:
        raise RuntimeError(f"{BUNDLE} answered {status} or an empty bundle")
    # Ask several times so both workers answer at least once.
    for _ in range(6):
        status, _, body = _get(api + LIST, {"If-None-Match": etag})
        if status != 304 or body:
            raise RuntimeError(f"revalidating {LIST} answered {status}, not an empty 304")
    return [
        Target("list", f"GET {LIST}", LIST, 0.5),
        Target("bundle", f"GET {BUNDLE}", BUNDLE, 0.3),
        Target("304", f"304 {LIST} (If-None-Match)", LIST, 0.8, {"If-None-Match": etag}),
    ]


def measure(
    workdir: Path,
    fixtures: Path,
    rounds: int,
    seconds: float,
    say: Callable[[str], None],
) -> list[Measured]:
    env = prepare_database(workdir, fixtures)
    with ExitStack() as stack:
        api = stack.enter_context(
            servers.gunicorn("sidcontent:create_app()", env, "/healthz", workdir / "api.log")
        )
        bare = stack.enter_context(
            servers.gunicorn("bare_app:create_app()", {}, bare_app.PATH, workdir / "bare.log")
        )
        targets = _check_targets(api, bare)
        bare_url = bare + bare_app.PATH

        say("warming up (fills each worker's response cache and connection pool)")
        wrk.run(bare_url, 1)
        for target in targets:
            wrk.run(api + target.path, 1, target.headers)

        results = [Measured(t) for t in targets]
        previous_bare = _bare_run(bare_url, seconds, results)
        for round_no in range(rounds):
            # Rotate the order so no endpoint always runs first in a round.
            order = results[round_no % len(results) :] + results[: round_no % len(results)]
            for measured in order:
                run = wrk.run(api + measured.target.path, seconds, measured.target.headers)
                next_bare = _bare_run(bare_url, seconds, results)
                baseline = (previous_bare + next_bare) / 2
                measured.rps.append(run.requests_per_second)
                measured.bare_rps.append(baseline)
                measured.ratios.append(run.requests_per_second / baseline)
                measured.p99_ms.append(run.p99_ms)
                if run.bad_status or run.socket_errors:
                    measured.problems.append(
                        f"{run.bad_status} non-2xx/3xx responses, {run.socket_errors} socket errors"
                    )
                previous_bare = next_bare
            say(
                f"round {round_no + 1}/{rounds}: "
                + ", ".join(f"{m.target.short} {m.ratios[-1]:.2f}x" for m in order)
            )
    return results


def _bare_run(url: str, seconds: float, results: list[Measured]) -> float:
    run = wrk.run(url, seconds)
    if run.bad_status or run.socket_errors:
        for measured in results:
            measured.problems.append(
                f"bare route: {run.bad_status} bad responses, {run.socket_errors} socket errors"
            )
    return run.requests_per_second


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
