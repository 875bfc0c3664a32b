"""`make test` ends with what it skipped, why, and the command that provides it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SUITE = """\
import pytest
from tests import needs


def test_needs_a_gadget():
    needs.require(False, "the gadget is not installed", "make system-deps")


def test_needs_it_too():
    needs.require(False, "the gadget is not installed", "make system-deps")


def test_needs_redis_on_a_closed_port():
    needs.redis_url()


@pytest.mark.skip(reason="not on this platform")
def test_plain_skip():
    pass


def test_runs():
    needs.require(True, "never shown", "never")
"""


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    environ = {k: v for k, v in os.environ.items() if k not in ("CI",)}
    environ.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.skip_summary", "-q", str(tmp_path)],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_the_summary_groups_skips_with_the_command_that_provides_them(tmp_path):
    result = run(tmp_path, SIDCONTENT_TEST_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/3")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.split("what this run left out, and how to run it", 1)[1]
    lines = [line.rstrip() for line in summary.splitlines()]
    gadget = lines.index("skipped 2 tests: the gadget is not installed")
    assert lines[gadget + 1] == "    provide it with: make system-deps"
    redis = next(i for i, line in enumerate(lines) if "Redis is not answering" in line)
    assert "redis-server" in lines[redis + 1]
    assert "skipped 1 test: not on this platform" in lines
    assert "never shown" not in result.stdout


@pytest.mark.slow
def test_under_ci_a_missing_requirement_fails(tmp_path):
    result = run(tmp_path, CI="1")
    assert result.returncode == 1
    assert "required in CI" in result.stdout
