"""Requests per second of the read API against a bare Flask route.

Three API servers share one database: one with the response cache off
(``RESPONSE_CACHE_SIZE=0``: every request runs its queries and assembles its
body from rendered items), one with no cache at all (the fragment cache off
too: the whole work per request), and one as deployed. A bare Flask route
runs beside them under the same gunicorn command line. wrk loads one at a
time; runs are interleaved (bare, list, bare, detail, bare, ...) and every
endpoint run is divided by the mean of the bare runs right before and after
it. Figures swing a lot between runs on a shared 2-core machine: compare the
ratios, never the requests per second of different runs.

"After a write" PATCHes one message and then times the next WRITE_REQUESTS
list requests, cycling through WRITE_URLS distinct lists (so every worker's
response cache is stale for each of them), against as many bare requests.
"""

from __future__ import annotations

import dataclasses
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
FILTERED = "/api/v1/messages?campaign=sid-2017&audience=parents-carers"
BUNDLE = "/api/v1/campaigns/sid-2017/bundle"
WRITE_REQUESTS = 200
WRITES_PER_ROUND = 5
COUNTED_SECONDS = 3  # long enough for 200 requests at 70 requests/s
WRITE_URLS = [
    LIST,
    "/api/v1/messages?limit=20&locale=fr",
    "/api/v1/messages?limit=20&locale=de",
    FILTERED,
    "/api/v1/messages?campaign=sid-2017&locale=es",
    "/api/v1/messages?audience=educators",
    "/api/v1/messages?kind=tip&limit=50",
    "/api/v1/messages?tag=privacy",
    "/api/v1/messages?theme=be-the-change-2017&locale=fr",
    "/api/v1/resources?limit=20",
]
SECRET = "bench-secret"


@dataclass(frozen=True)
class Target:
    short: str  # for progress lines
    name: str
    server: str  # "uncached", "bare-work" or "cached"
    path: str
    goal: float | None  # minimum ratio to the bare route; None: shown only
    headers: dict[str, str] = field(default_factory=dict)
    after_write: bool = False
    # Largest acceptable ratio(1k) / ratio(100k); None: not comparable.
    growth: float | None = 1.5


@dataclass
class Measured:
    target: Target
    ratios: list[float] = field(default_factory=list)
    rps: list[float] = field(default_factory=list)
    bare_rps: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    note: str = ""


def _cli(env: dict[str, str], *args: str) -> str:
    cli = str(Path(sys.executable).parent / "sidcontent")
    done = subprocess.run(
        [cli, *args], env={**os.environ, **env}, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:  # 304 arrives as an HTTPError
        return exc.code, dict(exc.headers), exc.read()


class Writer:
    """PATCHes one message's English headline, with If-Match, as an editor would."""

    def __init__(self, base: str, token: str, message_id: int) -> None:
        self.base, self.message_id, self.count = base, message_id, 0
        self.auth = {"Authorization": f"Bearer {token}"}

    def write(self) -> None:
        path = f"{self.base}/api/v1/messages/{self.message_id}"
        status, headers, _ = _get(path + "?preview=true", self.auth)
        if status != 200:
            raise RuntimeError(f"reading message {self.message_id} to edit it answered {status}")
        self.count += 1
        body = {"translations": {"en": {"headline": f"Edited for the benchmark ({self.count})"}}}
        request = urllib.request.Request(
            path,
            data=json.dumps(body).encode(),
            method="PATCH",
            headers={**self.auth, "If-Match": headers["ETag"], "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                raise RuntimeError(f"PATCH answered {response.status}")


def _targets(api: dict[str, str], bare: str) -> tuple[list[Target], int]:
    """Make sure each URL answers what we think it answers before loading it."""
    status, _, body = _get(bare + bare_app.PATH)
    if status != 200:
        raise RuntimeError(f"the bare route answered {status}")
    status, headers, body = _get(api["cached"] + LIST)
    if status != 200 or len(json.loads(body)["data"]) != 20:
        raise RuntimeError(f"{LIST} answered {status}, not a page of 20")
    first = json.loads(body)["data"][0]["id"]
    etag = headers["ETag"]
    for path in [FILTERED, f"/api/v1/messages/{first}", BUNDLE, *WRITE_URLS]:
        status, _, body = _get(api["uncached"] + path)
        if status != 200 or not body:
            raise RuntimeError(f"{path} answered {status}")
    # Ask several times so both workers answer at least once.
    for _ in range(6):
        status, _, body = _get(api["cached"] + LIST, {"If-None-Match": etag})
        if status != 304 or body:
            raise RuntimeError(f"revalidating {LIST} answered {status}, not an empty 304")
    detail = f"/api/v1/messages/{first}"
    return [
        Target("list", f"uncached GET {LIST}", "uncached", LIST, 0.30),
        Target("filtered", "uncached GET /messages?campaign&audience", "uncached", FILTERED, 0.30),
        Target("detail", f"uncached GET {detail}", "uncached", detail, 0.50),
        Target("bundle", f"uncached GET {BUNDLE}", "uncached", BUNDLE, 0.12, growth=None),
        Target("bare-work", f"no caches at all: GET {LIST}", "bare-work", LIST, None),
        Target("cached", f"cached GET {LIST}", "cached", LIST, 0.80),
        Target("304", f"304 {LIST} (If-None-Match)", "cached", LIST, 0.85, {"If-None-Match": etag}),
        Target(
            "write",
            f"after a write: next {WRITE_REQUESTS} of {len(WRITE_URLS)} lists",
            "cached",
            LIST,
            0.50,
            after_write=True,
        ),
    ], first


def measure(
    database_url: str,
    workdir: Path,
    rounds: int,
    seconds: float,
    say: Callable[[str], None],
    skip: frozenset[str] = frozenset(),
) -> list[Measured]:
    """Every target's ratios on ``database_url``; targets named in ``skip`` stay empty."""
    env = {
        "SIDCONTENT_DATABASE_URL": database_url,
        "SIDCONTENT_INSTANCE_PATH": str(workdir / "instance"),
        "SIDCONTENT_SECRET_KEY": SECRET,
        "SIDCONTENT_RATE_LIMIT_WRITES": "100000/minute",
    }
    name = f"bench-{workdir.name}"
    token = _cli(env, "tokens", "create", "--name", name, "--role", "editor", "--quiet")
    settings = {
        "uncached": {"SIDCONTENT_RESPONSE_CACHE_SIZE": "0"},
        "bare-work": {"SIDCONTENT_RESPONSE_CACHE_SIZE": "0", "SIDCONTENT_FRAGMENT_CACHE_SIZE": "0"},
        "cached": {},
    }
    counted_api = wrk.counted_script(workdir / "after-write.lua", WRITE_URLS, WRITE_REQUESTS)
    counted_bare = wrk.counted_script(
        workdir / "bare-counted.lua",
        [f"{bare_app.PATH}?n={i}" for i in range(len(WRITE_URLS))],
        WRITE_REQUESTS,
    )
    with ExitStack() as stack:
        api = {
            name: stack.enter_context(
                servers.gunicorn(
                    "sidcontent:create_app()",
                    {**env, **extra},
                    "/healthz",
                    workdir / f"api-{name}.log",
                )
            )
            for name, extra in settings.items()
        }
        bare = stack.enter_context(
            servers.gunicorn("bare_app:create_app()", {}, bare_app.PATH, workdir / "bare.log")
        )
        targets, message_id = _targets(api, bare)
        writer = Writer(api["cached"], token, message_id)
        bare_url = bare + bare_app.PATH

        say("warming up (each worker's caches and connection pool)")
        wrk.run(bare_url, 1)
        for target in targets:
            if target.short in skip:
                continue
            if target.after_write:
                wrk.run(api[target.server] + LIST, 1, script=counted_api)
            else:
                wrk.run(api[target.server] + target.path, 1, target.headers)

        results = [Measured(t) for t in targets]
        previous_bare = _bare_run(bare_url, seconds, results)
        for round_no in range(rounds):
            # Rotate the order so no endpoint always runs first in a round.
            order = results[round_no % len(results) :] + results[: round_no % len(results)]
            for measured in order:
                target = measured.target
                if target.short in skip:
                    continue
                runs = []
                if target.after_write:
                    # 200 requests take a fraction of a second: several writes a round.
                    for _ in range(WRITES_PER_ROUND):
                        writer.write()
                        run = _counted(api[target.server] + LIST, counted_api, measured)
                        bare_run = _counted(bare_url, counted_bare, measured)
                        runs.append((run, bare_run.requests_per_second))
                else:
                    run = wrk.run(api[target.server] + target.path, seconds, target.headers)
                    next_bare = _bare_run(bare_url, seconds, results)
                    runs.append((run, (previous_bare + next_bare) / 2))
                    previous_bare = next_bare
                for run, baseline in runs:
                    measured.rps.append(run.requests_per_second)
                    measured.bare_rps.append(baseline)
                    measured.ratios.append(run.requests_per_second / baseline)
                    measured.p99_ms.append(run.p99_ms)
                    if run.bad_status or run.socket_errors:
                        measured.problems.append(
                            f"{run.bad_status} non-2xx/3xx responses, "
                            f"{run.socket_errors} socket errors"
                        )
            say(
                f"round {round_no + 1}/{rounds}: "
                + ", ".join(f"{m.target.short} {m.ratios[-1]:.2f}x" for m in order if m.ratios)
            )
        # The writes landed, and the lists served them (no stale cache hid them).
        _, _, body = _get(api["cached"] + LIST)
        edited = f"Edited for the benchmark ({writer.count})"
        if writer.count and not any(m["headline"] == edited for m in json.loads(body)["data"]):
            raise RuntimeError(f"{LIST} does not show the last write ({edited!r})")
        _, _, body = _get(api["uncached"] + BUNDLE)
        bundle = json.loads(body)["data"]
        for measured in results:
            if measured.target.short == "bundle" and "bundle" not in skip:
                measured.note = (
                    f"{len(bundle['messages'])} messages, {len(bundle['resources'])} resources"
                )
    return results


def _counted(url: str, script: Path, measured: Measured) -> wrk.Result:
    """A run of WRITE_REQUESTS requests, its rate taken from its mean latency."""
    run = wrk.run(url, COUNTED_SECONDS, script=script)
    if run.requests < WRITE_REQUESTS:
        measured.problems.append(
            f"only {run.requests} of {WRITE_REQUESTS} requests answered in {COUNTED_SECONDS} s"
        )
    return dataclasses.replace(run, requests_per_second=wrk.CONNECTIONS * 1000 / run.mean_ms)


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
