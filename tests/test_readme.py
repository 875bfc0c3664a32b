"""README.md and docs/plugins.md run top to bottom, as a new user would run them.

Every shell block (```sh, ```bash, ```shell) of README.md, then of
docs/plugins.md, runs in order in ONE bash shell (variables such as $TOKEN
carry over), under ``set -euo pipefail``, against a live server started the
way ``make run`` starts it. The rules, which are all an author needs:

- **The working folder** is a scratch folder holding links to the checkout's
  ``.venv`` and ``fixtures`` only (files the blocks write land there), with
  its own instance folder (``SIDCONTENT_INSTANCE_PATH``), so the run touches
  no one's database. ``.venv/bin`` is NOT on PATH: the README must say
  ``source .venv/bin/activate`` before its first bare ``sidcontent``.
- **The only substitution**: ``127.0.0.1:5000`` becomes the live server's
  address (a free port).
- **A line ``sidcontent serve ...``** (re)starts the live server in the
  background, with the shell's environment at that point (for example an
  exported ``SIDCONTENT_PLUGINS_DIR``), and waits until it answers.
- **Markers** are HTML comments on the lines just before a fence:
  ``<!-- readme-test: skip REASON -->`` skips a block that needs something
  else (``make`` itself, a broker, root, minutes of benchmarks);
  ``<!-- readme-test: file PATH -->`` writes the block (any language) to
  PATH in the working folder instead of running it;
  ``<!-- readme-test: allow 401 -->`` lets a block show a 401.
- **The block fails** when a command exits non-zero, and the run fails when
  the server answered any request with a 5xx, or with a 401 outside a block
  that allows it (a token that was never made).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("README.md", "docs/plugins.md")
SHELLS = ("sh", "bash", "shell")
BLOCK_TIMEOUT = 300  # seconds; a block that hangs fails instead of stalling the suite
MARKER = re.compile(r"^<!--\s*readme-test:\s*(\w+)\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^```(\w*)\s*$")
ACCESS = re.compile(r'"[A-Z]+ (\S+) HTTP/[\d.]+" (\d{3}) ')


@dataclass
class Block:
    document: str
    line: int
    language: str
    text: str
    markers: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"


def blocks(document: str) -> list[Block]:
    """The fenced blocks of a Markdown file (not indented ones), with their markers."""
    lines = (ROOT / document).read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        markers: dict[str, str] = {}
        back = index - 1
        while back >= 0 and lines[back].startswith("<!--"):
            marker = MARKER.match(lines[back])
            if marker:
                markers[marker.group(1)] = marker.group(2)
            back -= 1
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        text = "\n".join(lines[index + 1 : end]) + "\n"
        found.append(Block(document, index + 1, opening.group(1), text, markers))
        index = end + 1
    return found


def test_every_shell_block_is_found_and_every_marker_is_known():
    known = {"skip", "file", "allow"}
    for document in DOCUMENTS:
        for block in blocks(document):
            assert set(block.markers) <= known, f"{block.where}: unknown marker {block.markers}"
            if "skip" in block.markers:
                assert block.markers["skip"], f"{block.where}: say why the block is skipped"
    readme = [b for b in blocks("README.md") if b.language in SHELLS and "skip" not in b.markers]
    assert len(readme) >= 10, "the README lost its examples, or the fence parser broke"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PRELUDE = r"""
__restart_server() {
    if [ -n "${__SERVER_PID:-}" ]; then
        kill "$__SERVER_PID" 2>/dev/null || true
        wait "$__SERVER_PID" 2>/dev/null || true
    fi
    "$__VENV/bin/sidcontent" serve --host 127.0.0.1 --port "$__PORT" >>"$__SERVER_LOG" 2>&1 &
    __SERVER_PID=$!
    for _ in $(seq 1 600); do
        if curl -s -o /dev/null "http://127.0.0.1:$__PORT/healthz"; then return 0; fi
        kill -0 "$__SERVER_PID" 2>/dev/null || { echo "the server exited"; return 1; }
        sleep 0.2
    done
    echo "the server did not answer"; return 1
}
"""

# What `make run` does before serving, with the venv's command (make's own).
MAKE_RUN = """\
"$__VENV/bin/sidcontent" db upgrade >/dev/null
"$__VENV/bin/sidcontent" fixtures load fixtures >/dev/null
__restart_server
"""


class Shell:
    """One bash process that runs blocks in turn and reports each one's end."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # so the server it starts is stopped with it
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.count = 0

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, script: str, path: Path) -> tuple[bool, str]:
        """Run ``script`` (saved at ``path``) in this shell; (finished, output)."""
        self.count += 1
        sentinel = f"__block_done_{self.count}__"
        path.write_text(script, encoding="utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(
            f"set -euo pipefail; source {path}; set +euo pipefail; echo; echo {sentinel}\n"
        )
        self.process.stdin.flush()
        output: list[str] = []
        deadline = time.monotonic() + BLOCK_TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                return False, "".join(output) + f"\n(no end after {BLOCK_TIMEOUT} s)"
            if line is None:
                return False, "".join(output)  # the shell exited: a command failed
            if line.strip() == sentinel:
                return True, "".join(output)
            output.append(line)

    def close(self) -> None:
        """Stop the shell and everything it started (the server), and close the pipes."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.reader.join(timeout=20)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


def runnable(block: Block, port: int) -> str:
    text = block.text.replace("127.0.0.1:5000", f"127.0.0.1:{port}")
    lines = []
    for line in text.splitlines():
        if re.match(r"^\s*sidcontent serve(\s|$)", line):
            line = "__restart_server"
        lines.append(line)
    return "\n".join(lines) + "\n"


def statuses(log: Path, start: int) -> tuple[list[tuple[str, int]], int]:
    """(path, status) of the requests logged after offset ``start``; the new offset."""
    data = log.read_bytes() if log.exists() else b""
    found = [(m.group(1), int(m.group(2))) for m in ACCESS.finditer(data[start:].decode())]
    return found, len(data)


@pytest.mark.slow
def test_the_readme_and_the_plugin_guide_run_top_to_bottom(tmp_path):
    venv = ROOT / ".venv"
    if not (venv / "bin" / "sidcontent").exists():
        pytest.fail("no .venv: run `make install` first")
    work = tmp_path / "work"
    work.mkdir()
    (work / ".venv").symlink_to(venv)
    (work / "fixtures").symlink_to(ROOT / "fixtures")
    port = free_port()
    server_log = tmp_path / "server.log"
    venv_bin = str(venv / "bin")
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SIDCONTENT_") and key not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env.update(
        PATH=path,
        HOME=str(tmp_path / "home"),
        SIDCONTENT_INSTANCE_PATH=str(tmp_path / "instance"),
        __VENV=str(venv),
        __PORT=str(port),
        __SERVER_LOG=str(server_log),
    )
    (tmp_path / "home").mkdir()
    assert shutil.which("curl", path=path), "the README's examples need curl"
    shell = Shell(work, env)
    scripts = tmp_path / "blocks"
    scripts.mkdir()
    try:
        ok, output = shell.run(PRELUDE + MAKE_RUN, scripts / "make-run.sh")
        assert ok, f"starting the server as `make run` does failed:\n{output}\n" + (
            server_log.read_text() if server_log.exists() else ""
        )
        _, offset = statuses(server_log, 0)
        ran = 0
        for document in DOCUMENTS:
            for block in blocks(document):
                if "file" in block.markers:
                    target = work / block.markers["file"]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(block.text, encoding="utf-8")
                    continue
                if block.language not in SHELLS or "skip" in block.markers:
                    continue
                name = f"{len(list(scripts.iterdir())):02d}-{Path(document).stem}-{block.line}.sh"
                ok, output = shell.run(runnable(block, port), scripts / name)
                assert ok, f"{block.where}: the block failed:\n{block.text}\n--- output:\n{output}"
                requests, offset = statuses(server_log, offset)
                errors = [r for r in requests if r[1] >= 500]
                assert not errors, f"{block.where}: the server answered {errors}"
                if "allow" not in block.markers or "401" not in block.markers["allow"]:
                    unauthorised = [r for r in requests if r[1] == 401]
                    assert not unauthorised, (
                        f"{block.where}: 401 for {unauthorised}: is $TOKEN made before it is used?"
                    )
                ran += 1
        assert ran >= 10
    finally:
        shell.close()
