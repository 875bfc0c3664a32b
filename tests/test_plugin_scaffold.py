"""`sidcontent plugins new`: a distribution that installs, passes its tests and serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from sidcontent.cli import main

EXPECTED_FILES = {
    "pyproject.toml",
    "README.md",
    ".gitignore",
    "src/sidcontent_school_digest/__init__.py",
    "tests/test_school_digest.py",
}


def test_new_writes_a_complete_distribution_and_never_overwrites(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["plugins", "new", "school-digest", "-d", str(tmp_path)])
    assert result.exit_code == 0, result.output
    target = tmp_path / "sidcontent-school-digest"
    written = {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()}
    assert written == EXPECTED_FILES
    pyproject = (target / "pyproject.toml").read_text()
    assert (
        '[project.entry-points.sidcontent]\nsidcontent-school-digest = "sidcontent_school_digest"'
        in pyproject
    )
    assert "[tool.ruff.lint]" in pyproject
    assert "sidcontent.testing" in (target / "tests/test_school_digest.py").read_text()
    assert '"plugins", "check"' in (target / "tests/test_school_digest.py").read_text()

    marker = target / "README.md"
    marker.write_text("mine")
    again = runner.invoke(main, ["plugins", "new", "school-digest", "-d", str(tmp_path)])
    assert again.exit_code == 1
    assert "already exists" in again.stderr and "Traceback" not in again.output
    assert marker.read_text() == "mine"


@pytest.mark.parametrize("name", ["Hello", "two--dashes", "-x", "x_y", "a" * 41, ""])
def test_a_bad_name_is_one_line(tmp_path, name):
    result = CliRunner().invoke(main, ["plugins", "new", "-d", str(tmp_path), "--", name])
    assert result.exit_code == 1
    assert "lowercase letters and digits" in result.stderr
    assert not list(tmp_path.iterdir())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return orjson.loads(response.read())


@pytest.mark.slow
def test_scaffold_installs_in_a_fresh_venv_passes_its_tests_and_serves(tmp_path):
    result = CliRunner().invoke(main, ["plugins", "new", "hello", "-d", str(tmp_path)])
    assert result.exit_code == 0, result.output
    project = tmp_path / "sidcontent-hello"

    # A fresh venv that sees this project's packages (sidcontent and its
    # dependencies, pytest, setuptools) through a .pth file: nothing is
    # downloaded, and the plugin is installed into the new venv only.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = Path(sysconfig.get_paths()["purelib"])
    # "0" sorts before the copied .pth files, which may import from ours.
    Path(site, "0-sidcontent-project.pth").write_text(f"{ours}\n")
    for pth in ours.glob("*.pth"):  # the editable install of sidcontent, say
        Path(site, pth.name).write_text(pth.read_text())
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            str(project),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIDCONTENT_", "PYTEST_"))}
    env["SIDCONTENT_INSTANCE_PATH"] = str(tmp_path / "instance")

    # Its own tests pass, run as its author would: pytest in its folder.
    tests = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "7 passed" in tests.stdout

    # And a live server of the fresh venv lists it.
    cli = [python, "-c", "from sidcontent.cli import main; main()"]
    for command in (["db", "upgrade"], ["fixtures", "load", "fixtures"]):
        subprocess.run(
            cli + command, check=True, env=env, cwd=Path(__file__).parent.parent, timeout=120
        )
    port = free_port()
    server = subprocess.Popen(
        cli + ["serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 60
        while True:
            try:
                plugins = get_json(f"{base}/plugins")["data"]
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "the server did not answer in 60 s"
                time.sleep(0.2)
        mine = {p["name"]: p for p in plugins}["sidcontent-hello"]
        assert (mine["status"], mine["source"], mine["version"]) == (
            "loaded",
            "entry-point",
            "0.1.0",
        )
        assert mine["exporters"] == ["hello"]
        exporters = {e["name"]: e for e in get_json(f"{base}/exporters")["data"]}
        assert exporters["hello"]["media_types"] == ["text/plain", "text/markdown"]
    finally:
        server.terminate()
        server.wait(10)
        server.stderr.close()
