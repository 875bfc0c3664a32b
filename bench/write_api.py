"""What a token and a write cost, next to an anonymous read, in one run.

In-process (Flask test client) on a fresh SQLite database with the seed
content, so the figures are the app's own work, not the network's. Prints
per-request times and ratios to the anonymous cached read; never asserts.

    .venv/bin/python bench/write_api.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from sidcontent import create_app
from sidcontent.cli import main
from sidcontent.content import fixtures

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 300


def timed(label: str, call, rounds: int = ROUNDS) -> tuple[str, float]:
    for _ in range(20):
        call()
    start = time.perf_counter()
    for _ in range(rounds):
        call()
    return label, (time.perf_counter() - start) / rounds


def run() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="sidcontent-bench-"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(tmp)})
    db = app.extensions["sidcontent.db"]
    db.upgrade()
    with db.session() as session:
        fixtures.load(session, ROOT / "fixtures")
    env = {"SIDCONTENT_DATABASE_URL": url, "SIDCONTENT_INSTANCE_PATH": str(tmp)}
    result = CliRunner().invoke(
        main, ["tokens", "create", "--name", "bench", "--role", "admin", "--quiet"], env=env
    )
    auth = {"Authorization": f"Bearer {result.stdout.strip()}"}
    client = app.test_client()
    path = "/api/v1/messages/8"

    def patch() -> None:
        etag = client.get(f"{path}?preview=true", headers=auth).headers["ETag"]
        response = client.patch(path, json={"tags": ["bench"]}, headers={**auth, "If-Match": etag})
        assert response.status_code == 200

    rows = [
        timed("anonymous GET (cached)", lambda: client.get(path)),
        timed("token GET (cached, private)", lambda: client.get(path, headers=auth)),
        timed("token GET ?preview=true", lambda: client.get(f"{path}?preview=true", headers=auth)),
        timed("GET + PATCH with If-Match", patch, rounds=100),
    ]
    base = rows[0][1]
    print(f"{'request':<30} {'ms':>8} {'x anonymous':>12}")
    for label, seconds in rows:
        print(f"{label:<30} {seconds * 1000:>8.3f} {seconds / base:>12.1f}")
    db.dispose()


if __name__ == "__main__":
    run()
