"""docs/apps.md runs: its Python and its JavaScript app loop, against a real server.

Each program is taken from the document as written, started as a process
(Python with the checkout's interpreter, JavaScript with Node), and driven
from outside: its initial sync must equal a fresh one, a forged webhook is
refused, and after an edit and an unpublish (announced by real, signed
webhooks) its store must equal a fresh initial sync again.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.auth_helpers import bearer, make_token
from tests.conftest import make_app
from tests.servers import Process, Server, environment, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "apps.md"
INITIAL = "/api/v1/sync?initial=true&campaign=sid-2017&locale=en"


def _block(language: str) -> str:
    (found,) = re.findall(rf"^```{language}\n(.*?)^```$", DOC.read_text(), re.S | re.M)
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("apps")
    url = f"sqlite:///{tmp_path / 'apps.sqlite3'}"
    app = make_app(url, tmp_path / "setup")
    token = bearer(make_token(app, "admin", "admin"))
    app.extensions["sidcontent.db"].dispose()
    env = environment(url, tmp_path / "instance", SIDCONTENT_WEBHOOK_ALLOW_PRIVATE="1")
    live = Server(env, tmp_path / "serve.log", "--workers", "1", "--threads", "4")
    try:
        live.wait_ready()
        yield live, token
    finally:
        live.stop()


def _json(server: Server, method: str, path: str, headers=None, body=None):
    status, answer_headers, raw = server.request(method, path, headers, body)
    return status, answer_headers, json.loads(raw) if raw else None


def _fresh_view(server: Server) -> dict:
    """The whole view as a new client gets it: what the store must equal."""
    items, url = {}, INITIAL
    while url:
        status, _, page = _json(server, "GET", url)
        assert status == 200, page
        items.update({f"{e['type']}:{e['id']}": e["item"] for e in page["data"]})
        url = page["meta"]["next_page_url"]
    return items


def _store(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _wait_until(predicate, timeout: float, what: str, process: Process) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process.popen.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{what}; the app said:\n{process.output()[-3000:]}")
        time.sleep(0.1)


LANGUAGES = {
    # language: (file name, command, the messages it edits and unpublishes)
    "python": ("app_loop.py", [sys.executable], (8, 9)),
    "js": ("app-loop.mjs", [shutil.which("node") or "node"], (10, 11)),
}


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_documented_app_loop_runs(language, server, tmp_path):
    live, token = server
    name, command, (edited, unpublished) = LANGUAGES[language]
    if language == "js" and shutil.which("node") is None:
        pytest.skip("Node is not installed")
    program = tmp_path / name
    program.write_text(_block(language))
    port = free_port()
    status, _, created = _json(
        live,
        "POST",
        "/api/v1/webhooks",
        {**token, "Content-Type": "application/json"},
        json.dumps({"url": f"http://127.0.0.1:{port}/hooks"}),
    )
    assert status == 201, created
    store_path = tmp_path / "store.json"
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "SID_ORIGIN": f"http://127.0.0.1:{live.port}",
        "SID_STORE": str(store_path),
        "SID_WEBHOOK_SECRET": created["data"]["secret"],
        "PORT": str(port),
    }
    app = Process([*command, str(program)], env, tmp_path / "app.log")
    try:
        _wait_until(lambda: _store(store_path) is not None, 60, "no initial sync", app)
        store = _store(store_path)
        assert store["items"] == _fresh_view(live)
        assert f"message:{unpublished}" in store["items"]
        assert store["next_sync_url"].startswith("/api/v1/sync?sync_token=")

        # A forged webhook is refused, and changes nothing.
        probe = Server.__new__(Server)
        probe.port = port
        _wait_until(lambda: _answers(probe), 30, "the app does not listen", app)
        status, _, _ = probe.request(
            "POST",
            "/hooks",
            {
                "webhook-id": "msg_forged",
                "webhook-timestamp": str(int(time.time())),
                "webhook-signature": "v1,Zm9yZ2VkIHNpZ25hdHVyZSBvZiB0aGUgcmlnaHQgc2l6ZSEhISE=",
                "Content-Type": "application/json",
            },
            b'{"type": "content.updated", "timestamp": "2026-01-01T00:00:00Z", "data": {}}',
        )
        assert status == 400

        # One edit and one unpublish, announced by signed webhooks.
        _, headers, _ = _json(live, "GET", f"/api/v1/messages/{edited}?preview=true", token)
        headline = f"Stop, think, then share ({language})"
        status, _, body = _json(
            live,
            "PATCH",
            f"/api/v1/messages/{edited}",
            {**token, "If-Match": headers["ETag"], "Content-Type": "application/merge-patch+json"},
            json.dumps({"translations": {"en": {"headline": headline}}}),
        )
        assert status == 200, body
        status, _, body = _json(live, "POST", f"/api/v1/messages/{unpublished}/unpublish", token)
        assert status == 200, body

        def caught_up() -> bool:
            now = _store(store_path)
            return (
                now is not None
                and f"message:{unpublished}" not in now["items"]
                and (now["items"].get(f"message:{edited}", {}).get("headline") == headline)
            )

        _wait_until(caught_up, 60, "the store did not catch up", app)
        assert _store(store_path)["items"] == _fresh_view(live)
    finally:
        app.stop()


def _answers(server: Server) -> bool:
    try:
        server.request("GET", "/", timeout=2)
        return True
    except OSError:
        return False
