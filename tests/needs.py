"""What a suite needs from the machine, and how to get it.

A test that needs something this machine may lack calls one of these. When
it is missing the test is skipped with a reason of the form
``"<what is missing> (provide: <command>)"``, and ``make test`` ends with a
summary of every skip grouped by reason (see ``pytest_terminal_summary`` in
conftest.py). Under ``CI`` a missing requirement fails instead: CI must run
everything.

    from tests import needs

    def test_something_in_chromium():
        chromium = needs.chromium()
        ...

For something new, call ``needs.require(available, what, provide)`` with the
one command that provides it (a Debian package goes in ``SYSTEM_DEPS`` in the
Makefile, so the command is ``make system-deps``).
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest

CI = bool(os.environ.get("CI"))
PROVIDE = "(provide: "


def require(available: bool, what: str, provide: str) -> None:
    """Skip (fail under CI) unless ``available``; ``provide`` is the command that fixes it."""
    if available:
        return
    reason = f"{what} {PROVIDE}{provide})"
    if CI:
        pytest.fail(f"{reason}: required in CI")
    pytest.skip(reason)


def chromium() -> str:
    """The Chromium executable."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    require(path is not None, "Chromium is not installed", "make system-deps")
    assert path is not None
    return path


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def redis_url() -> str:
    """The Redis the tests may use (``SIDCONTENT_TEST_REDIS_URL``), if it answers."""
    url = os.environ.get("SIDCONTENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    require(
        _answers(host, port),
        f"Redis is not answering on {host}:{port}",
        "apt-get install -y redis-server && service redis-server start",
    )
    return url


def postgresql_url() -> str:
    """The PostgreSQL test database (``SIDCONTENT_TEST_DATABASE_URL``)."""
    url = os.environ.get("SIDCONTENT_TEST_DATABASE_URL", "")
    require(
        url.startswith("postgresql"),
        "SIDCONTENT_TEST_DATABASE_URL names no PostgreSQL database",
        ".ci/run (runs the suite on SQLite, then on a throwaway PostgreSQL database)",
    )
    return url
