"""The social exporter works where ``pkg_resources`` does not exist.

twitter-text reads its emoji list through ``pkg_resources``, which belongs to
setuptools: Python 3.12's venvs have no setuptools, and setuptools 81 removed
``pkg_resources``. Here a ``pkg_resources`` that fails to import the way a
missing one does comes first on ``PYTHONPATH``, and ``sidcontent export``
runs the social exporter in a fresh process: the posts must come out exactly
as they do with a working ``pkg_resources`` (X's and Mastodon's counts
come from twitter-text, which reads the emoji list as it loads).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.auth_helpers import app_env
from tests.conftest import make_app

pytestmark = pytest.mark.slow  # two fresh interpreters running an export each

MISSING = "raise ModuleNotFoundError(\"No module named 'pkg_resources'\", name='pkg_resources')\n"


def _export(env: dict[str, str]) -> dict[str, object]:
    cli = str(Path(sys.executable).with_name("sidcontent"))
    done = subprocess.run(
        [cli, "export", "social", "--campaign", "sid-2017", "--locale", "fr", "--output", "-"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    document: dict[str, object] = json.loads(done.stdout)
    return document


def test_social_export_needs_no_pkg_resources(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'social.sqlite3'}", tmp_path)
    app.extensions["sidcontent.db"].dispose()
    # Strict: a plugin that fails to import stops the command, rather than
    # leaving "no exporter named social" to explain.
    env = {**os.environ, **app_env(app), "SIDCONTENT_STRICT_PLUGINS": "1"}
    blocked = tmp_path / "no-setuptools"
    (blocked / "pkg_resources").mkdir(parents=True)
    (blocked / "pkg_resources" / "__init__.py").write_text(MISSING)
    probe = [sys.executable, "-c", "import pkg_resources"]
    refused = subprocess.run(probe, env={**env, "PYTHONPATH": str(blocked)}, capture_output=True)
    assert b"No module named 'pkg_resources'" in refused.stderr  # the stand-in works

    without = _export({**env, "PYTHONPATH": str(blocked)})
    with_setuptools = _export(env)

    posts = without["posts"]
    assert isinstance(posts, list) and posts
    assert posts == with_setuptools["posts"]
    x_posts = [p for p in posts if p["platform"] == "x"]
    assert x_posts and all(part["length"] <= 280 for p in x_posts for part in p["parts"])
