"""Driving wrk and reading its figures.

wrk is a C load generator: on 2 cores it costs the servers far less CPU per
request than any Python client would, which matters because client cost is a
fixed per-request overhead that would pull every ratio towards 1.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

THREADS = 1
CONNECTIONS = 8

INSTALL_HINT = (
    "wrk is not installed. Install it with `sudo apt-get install -y wrk` (Debian/Ubuntu), "
    "`brew install wrk` (macOS) or build it from https://github.com/wg/wrk. "
    "There is no Python fallback: a Python client would share the 2 cores with the "
    "servers and flatter every ratio (see README.md, 'Benchmarks')."
)


class WrkError(RuntimeError):
    pass


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    requests: int
    bad_status: int  # responses that were not 2xx or 3xx
    socket_errors: int
    p50_ms: float
    p99_ms: float
    mean_ms: float  # mean latency; with every connection busy, rate = connections / mean


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url: str, seconds: float, headers: dict[str, str] | None = None, script: Path | None = None
) -> Result:
    argv = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds:g}s",
        "--latency",
    ]
    if script is not None:
        argv += ["-s", str(script)]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    completed = subprocess.run(argv, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise WrkError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return parse(completed.stdout)


# Requests cycle through PATHS until COUNT have been answered, then the thread
# stops sending: "the next N requests" rather than "N seconds of requests".
# wrk still waits out -d and divides by it, so read the rate of such a run
# from its mean latency (Little's law: connections / mean latency).
_COUNTED = """
local paths = {%(paths)s}
local sent, answered = 0, 0
request = function()
  sent = sent + 1
  return wrk.format("GET", paths[(sent - 1) %% #paths + 1])
end
response = function(status, headers, body)
  answered = answered + 1
  if answered >= %(count)d then wrk.thread:stop() end
end
"""


def counted_script(where: Path, paths: list[str], count: int) -> Path:
    """A wrk Lua script sending ``count`` requests over ``paths`` in turn (one thread)."""
    quoted = ", ".join(json.dumps(p) for p in paths)  # a JSON string is a Lua string here
    where.write_text(_COUNTED % {"paths": quoted, "count": count})
    return where


def parse(output: str) -> Result:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if rps is None or total is None:
        raise WrkError(f"could not read wrk's output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Result(
        requests_per_second=float(rps.group(1)),
        requests=int(total.group(1)),
        bad_status=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        p50_ms=_latency(output, "50%"),
        p99_ms=_latency(output, "99%"),
        mean_ms=_mean_latency(output),
    )


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _mean_latency(output: str) -> float:
    match = re.search(r"^\s+Latency\s+([\d.]+)(us|ms|s|m)\s", output, re.M)
    if match is None:
        return float("nan")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def _latency(output: str, percentile: str) -> float:
    match = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    if match is None:
        return float("nan")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]
