"""`sidcontent serve` under several workers: no connection crosses a fork.

Each start is a fresh server on a fresh database (SQLite by default,
PostgreSQL under SIDCONTENT_TEST_DATABASE_URL), hit by 32 concurrent mixed
requests (anonymous reads, previews and whoami with a token, PATCH with
If-Match) while its 4 workers are still coming up. Nothing may fail, every
answered write must be committed, and no worker may hold a database socket
or file that another process also holds.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from tests.auth_helpers import bearer, make_token
from tests.conftest import fresh_database, make_app
from tests.servers import Server, children, descriptors, environment, tcp_peers

pytestmark = pytest.mark.slow

STARTS = 3
WORKERS = 4
CONCURRENT = 32
PG_PORT = 5432


def _wave(server: Server, requests: list[tuple[str, str, dict, str | None]]) -> list:
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def one(index: int) -> None:
        method, path, headers, body = requests[index]
        barrier.wait()
        try:
            results[index] = server.request(method, path, headers, body)
        except Exception as exc:  # a reset connection is a failure too
            results[index] = (f"{type(exc).__name__}: {exc}", {}, b"")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _database_handles(pid: int, database_url: str) -> set[str]:
    """What in ``pid`` points at the database: sockets to PostgreSQL, SQLite files."""
    peers = tcp_peers()
    handles = set()
    for target in descriptors(pid).values():
        if target.startswith("socket:") and peers.get(target) == PG_PORT:
            handles.add(target)
        elif database_url.startswith("sqlite") and ".sqlite3" in target:
            handles.add(target)
    return handles


def _start(tmp_path: Path, round_: int) -> dict:
    (tmp_path / f"db{round_}").mkdir(parents=True, exist_ok=True)  # SQLite makes no folders
    with fresh_database(tmp_path / f"db{round_}") as url:
        app = make_app(url, tmp_path / f"app{round_}")
        editor = bearer(make_token(app, "editor", "editor"))
        app.extensions["sidcontent.db"].dispose()
        env = environment(url, tmp_path / f"app{round_}" / "instance")
        server = Server(env, tmp_path / f"serve{round_}.log", "--workers", str(WORKERS))
        try:
            server.wait_listening()
            return _exercise(server, editor, url)
        finally:
            server.stop()


def _exercise(server: Server, editor: dict, url: str) -> dict:
    # Wave 1 lands while the workers boot: reads, previews (which also give
    # each message's ETag) and whoami.
    ids = list(range(1, 9))
    wave1 = []
    for i in range(CONCURRENT):
        kind = i % 4
        if kind == 0:
            wave1.append(("GET", "/api/v1/campaigns", {}, None))
        elif kind == 1:
            wave1.append(
                ("GET", f"/api/v1/messages/{ids[(i // 4) % 8]}?preview=true", editor, None)
            )
        elif kind == 2:
            wave1.append(("GET", "/api/v1/whoami", editor, None))
        else:
            wave1.append(("GET", "/api/v1/messages?limit=5", {}, None))
    results = _wave(server, wave1)
    etags = {}
    for (_, path, _, _), (status, headers, _) in zip(wave1, results, strict=True):
        if status == 200 and "preview" in path:
            etags[int(path.split("/")[-1].split("?")[0])] = headers["ETag"]
    # Wave 2: a write with If-Match on each of 8 messages among reads.
    wave2 = []
    patch = {**editor, "Content-Type": "application/merge-patch+json"}
    for i in range(CONCURRENT):
        if i < len(etags):
            message = sorted(etags)[i]
            body = json.dumps({"translations": {"en": {"headline": f"Fork {message}"}}})
            wave2.append(
                (
                    "PATCH",
                    f"/api/v1/messages/{message}",
                    {**patch, "If-Match": etags[message]},
                    body,
                )
            )
        elif i % 2:
            wave2.append(("GET", "/api/v1/whoami", editor, None))
        else:
            wave2.append(("GET", "/api/v1/themes", {}, None))
    results += _wave(server, wave2)
    statuses = Counter(status for status, _, _ in results)
    committed = []
    for message in sorted(etags):
        _, _, body = server.request("GET", f"/api/v1/messages/{message}?preview=true", editor)
        committed.append(json.loads(body)["data"]["headline"] == f"Fork {message}")
    master = server.pid
    workers = children(master)
    handles = {pid: _database_handles(pid, url) for pid in [master, *workers]}
    return {
        "master": master,
        "statuses": statuses,
        "patched": len(etags),
        "committed": committed,
        "workers": workers,
        "handles": handles,
        "sockets": {
            pid: {t for t in descriptors(pid).values() if t.startswith("socket:")}
            for pid in [master, *workers]
        },
    }


def test_fresh_starts_with_four_workers_never_share_a_connection(tmp_path):
    totals: Counter = Counter()
    for round_ in range(STARTS):
        seen = _start(tmp_path, round_)
        totals.update(seen["statuses"])
        assert set(seen["statuses"]) == {200}, (round_, seen["statuses"])
        assert seen["patched"] == 8 and all(seen["committed"]), seen
        assert len(seen["workers"]) == WORKERS
        master = seen["master"]
        # The master holds nothing a worker could inherit ...
        assert seen["handles"][master] == set(), seen["handles"]
        # ... and no two workers share a socket but the listening one (which
        # the master holds too).
        listening = seen["sockets"][master]
        shared = Counter(s for pid in seen["workers"] for s in seen["sockets"][pid] - listening)
        assert [s for s, n in shared.items() if n > 1] == []
        # The workers that served database requests opened their own handles.
        own = [len(seen["handles"][pid]) for pid in seen["workers"]]
        assert sum(1 for n in own if n) >= 2
        print(f"\nstart {round_}: {dict(seen['statuses'])}, database handles per worker {own}")
    assert totals[200] == STARTS * CONCURRENT * 2
