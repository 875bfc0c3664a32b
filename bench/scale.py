"""Does a page cost the same at 100,000 messages as at 1,000?

Two databases of the same shape, one with 1,000 messages and one with
100,000, each behind its own app with the response cache off
(``RESPONSE_CACHE_SIZE=0``: ``ResponseCache.put`` keeps nothing, so every
request runs its queries and serialises). Requests go through the Flask test
client in-process; the two sizes are timed in alternation so machine noise
hits both alike. Each query is also timed without HTTP, calling
``queries.list_messages`` directly, because a fixed ~ms of serialisation
would otherwise hide a query that doubled.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import generate
from flask import Flask
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session

from sidcontent import create_app
from sidcontent.content import cursors, queries
from sidcontent.content.models import Campaign, Message, utcnow

SMALL = 1_000
LARGE = 100_000
SECRET = "bench-secret"
PATH = "/api/v1/messages"
FILTERS = {"campaign": "sid-2017", "audience": "parents-carers"}
LIMIT = 20


@dataclass(frozen=True)
class Case:
    name: str
    filters: dict[str, str]
    deep: bool  # start from a cursor near the end
    goal: float | None = 2.0  # largest acceptable large/small ratio; None: shown only


CASES = [
    Case("filtered page (campaign+audience)", FILTERS, deep=False),
    Case("deep cursor page (no filter)", {}, deep=True),
    Case("deep cursor page (campaign+audience)", FILTERS, deep=True),
    Case("first page (no filter), for reference", {}, deep=False, goal=None),
]


@dataclass
class Timing:
    case: Case
    page_ms: dict[int, list[float]] = field(default_factory=dict)
    query_ms: dict[int, list[float]] = field(default_factory=dict)


@dataclass
class Sized:
    size: int
    app: Flask
    urls: dict[str, str] = field(default_factory=dict)
    afters: dict[str, int | None] = field(default_factory=dict)


def _cli(env: dict[str, str], *args: str) -> None:
    cli = str(Path(sys.executable).parent / "sidcontent")
    subprocess.run([cli, *args], env={**os.environ, **env}, check=True, capture_output=True)


def _seed(url: str, instance: Path, fixtures: Path) -> None:
    env = {
        "SIDCONTENT_DATABASE_URL": url,
        "SIDCONTENT_INSTANCE_PATH": str(instance),
        "SIDCONTENT_SECRET_KEY": SECRET,
    }
    _cli(env, "db", "upgrade")
    _cli(env, "fixtures", "load", str(fixtures))


def _fill(url: str, total: int) -> float:
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        generate.fill_messages(engine, total)
        elapsed = time.perf_counter() - started
        if generate.message_count(engine) != total:
            raise RuntimeError(f"expected {total} messages after the bulk insert")
        return elapsed
    finally:
        engine.dispose()


@contextmanager
def sqlite_databases(
    workdir: Path, fixtures: Path, say: Callable[[str], None], analyze: bool = False
) -> Iterator[dict[int, str]]:
    """A 1,000-message SQLite file, and a copy of it grown to 100,000.

    The app never runs ANALYZE, so by default neither do we: the planner works
    without statistics, as it does in production. ``analyze`` shows what
    statistics change.
    """
    small = workdir / "small.sqlite3"
    large = workdir / "large.sqlite3"
    _seed(f"sqlite:///{small}", workdir / "instance", fixtures)
    _fill(f"sqlite:///{small}", SMALL)
    with closing(sqlite3.connect(small)) as src, closing(sqlite3.connect(large)) as dst:
        src.backup(dst)
    seconds = _fill(f"sqlite:///{large}", LARGE)
    say(f"SQLite: bulk-inserted {LARGE - SMALL:,} messages in {seconds:.1f} s")
    if analyze:
        for path in (small, large):
            with closing(sqlite3.connect(path)) as conn:
                conn.execute("ANALYZE")
                conn.commit()
    yield {SMALL: f"sqlite:///{small}", LARGE: f"sqlite:///{large}"}


@contextmanager
def postgresql_databases(
    admin_url: str, workdir: Path, fixtures: Path, say: Callable[[str], None]
) -> Iterator[dict[int, str]]:
    """Two throwaway PostgreSQL databases, dropped afterwards."""
    base = make_url(admin_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    names = {size: f"sidbench_{size}_{uuid.uuid4().hex[:6]}" for size in (SMALL, LARGE)}
    urls = {
        size: base.set(database=name).render_as_string(hide_password=False)
        for size, name in names.items()
    }
    try:
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        for size, url in urls.items():
            _seed(url, workdir / "instance", fixtures)
            seconds = _fill(url, size)
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                # What autovacuum would have done by the time anyone reads.
                conn.execute(text("ANALYZE"))
            engine.dispose()
            say(f"PostgreSQL: {size:,} messages loaded ({seconds:.1f} s of bulk insert)")
        yield urls
    finally:
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _cursor_after(session: Session, filters: dict[str, str]) -> int:
    """An id with 40 matching visible messages after it: a page near the end."""
    now = utcnow()
    stmt = select(Message.id).where(
        queries.visible(Message, now),
        Message.campaign_id.in_(select(Campaign.id).where(queries.visible(Campaign, now))),
    )
    if "campaign" in filters:
        stmt = stmt.where(
            Message.campaign_id.in_(select(Campaign.id).where(Campaign.slug == filters["campaign"]))
        )
    if "audience" in filters:
        stmt = stmt.where(Message.audience == filters["audience"])
    ids = list(session.scalars(stmt.order_by(Message.id.desc()).limit(2 * LIMIT + 1)))
    return ids[-1]


def _prepare(size: int, url: str, workdir: Path) -> Sized:
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": str(workdir / "instance"),
            "RESPONSE_CACHE_SIZE": 0,
        }
    )
    sized = Sized(size, app)
    database = app.extensions["sidcontent.db"]
    with database.session() as session:
        for case in CASES:
            params: dict[str, Any] = {**case.filters, "limit": LIMIT}
            after = None
            if case.deep:
                after = _cursor_after(session, case.filters)
                # Cursors are signed over the path and the filters, exactly as
                # api/listing.py does; the check below proves the app agrees.
                fingerprint = {"path": PATH, "filters": case.filters}
                params["cursor"] = cursors.encode({"id": after}, fingerprint, SECRET)
            sized.urls[case.name] = f"{PATH}?{urlencode(params)}"
            sized.afters[case.name] = after
    client = app.test_client()
    for case in CASES:
        response = client.get(sized.urls[case.name])
        data = response.get_json()["data"] if response.status_code == 200 else []
        if response.status_code != 200 or len(data) != LIMIT:
            raise RuntimeError(
                f"{case.name} at {size:,}: {response.status_code}, {len(data)} items "
                f"({response.get_data(as_text=True)[:200]})"
            )
        if case.deep and data[0]["id"] <= (sized.afters[case.name] or 0):
            raise RuntimeError(f"{case.name} at {size:,}: the cursor was not applied")
    return sized


def measure(urls: dict[int, str], workdir: Path, rounds: int, per_round: int) -> list[Timing]:
    sized = [_prepare(size, url, workdir) for size, url in sorted(urls.items())]
    timings = [Timing(case) for case in CASES]
    try:
        for _ in range(rounds):
            for timing in timings:
                for one in sized:
                    page, query = _time_case(one, timing.case, per_round)
                    timing.page_ms.setdefault(one.size, []).extend(page)
                    timing.query_ms.setdefault(one.size, []).extend(query)
    finally:
        for one in sized:
            one.app.extensions["sidcontent.db"].dispose()
    return timings


def _time_case(one: Sized, case: Case, n: int) -> tuple[list[float], list[float]]:
    client = one.app.test_client()
    url = one.urls[case.name]
    page = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        page.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    query = []
    database = one.app.extensions["sidcontent.db"]
    after = one.afters[case.name]
    for _ in range(n):
        with Session(database.engine) as session:
            started = time.perf_counter()
            result = queries.list_messages(session, dict(case.filters), after, LIMIT, utcnow())
            # The lazy-free page: rows, translations and tags are all loaded.
            for row in result.items:
                _ = (row.translations, row.tags)
            query.append((time.perf_counter() - started) * 1000)
    return page, query


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
