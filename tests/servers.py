"""Real processes for the tests that need them: `sidcontent serve` and
`sidcontent worker`, each on a free port, stopped (whole group) afterwards."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

SIDCONTENT = str(Path(sys.executable).with_name("sidcontent"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIDCONTENT_")}
    env.update(
        SIDCONTENT_DATABASE_URL=database_url,
        SIDCONTENT_INSTANCE_PATH=str(instance),
        SIDCONTENT_SECRET_KEY="test-secret",
        **extra,
    )
    return env


class Process:
    """A child command in its own process group, its output in a file."""

    def __init__(self, args: list[str], env: Mapping[str, str], log: Path) -> None:
        self.log_path = log
        self._log = log.open("wb")
        self.popen = subprocess.Popen(
            args, env=dict(env), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, wait: float = 15) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
                self.popen.wait(wait)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(5)
        self._log.close()


class Server(Process):
    """`sidcontent serve` on a free port."""

    def __init__(self, env: Mapping[str, str], log: Path, *options: str) -> None:
        self.port = free_port()
        super().__init__([SIDCONTENT, "serve", "--port", str(self.port), *options], env, log)

    def wait_listening(self, timeout: float = 60) -> None:
        """Until the port accepts connections (workers may still be booting)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"server exited:\n{self.output()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"server did not listen:\n{self.output()[-3000:]}")

    def wait_ready(self, timeout: float = 90) -> None:
        """Until /readyz answers 200."""
        self.wait_listening(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, _, _ = self.request("GET", "/readyz", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not ready:\n{self.output()[-3000:]}")

    def request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        timeout: float = 60,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def descriptors(pid: int) -> dict[str, str]:
    """fd -> what it points at (``socket:[inode]``, a path, ...)."""
    out = {}
    base = Path(f"/proc/{pid}/fd")
    for fd in base.iterdir():
        try:
            out[fd.name] = os.readlink(fd)
        except OSError:
            continue
    return out


def tcp_peers() -> dict[str, int]:
    """socket inode -> remote port, for every TCP socket of this machine."""
    peers: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            remote_port = int(parts[2].rsplit(":", 1)[1], 16)
            peers[f"socket:[{parts[9]}]"] = remote_port
    return peers
