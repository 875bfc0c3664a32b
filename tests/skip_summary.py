"""The end of ``make test``: every skipped suite, why, and the command that provides it.

A fresh machine learns what it lacks in one place instead of from scattered
``SKIPPED`` lines. Reasons written by :mod:`tests.needs` carry their command
(``"... (provide: make system-deps)"``); other skips are listed as they are.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest

from tests.needs import PROVIDE


def _reason(report: Any) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return text.removeprefix("Skipped: ")


def summary(stats: dict[str, list[Any]], markexpr: str) -> list[str]:
    """The summary's lines (empty when nothing was left out)."""
    reasons = Counter(_reason(r) for r in stats.get("skipped", []) if r.when in ("setup", "call"))
    lines = []
    for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        what, _, provide = reason.partition(f" {PROVIDE}")
        tests = f"{count} test{'s' if count != 1 else ''}"
        lines.append(f"skipped {tests}: {what}")
        if provide:
            lines.append(f"    provide it with: {provide.removesuffix(')')}")
    deselected = len(stats.get("deselected", []))
    if deselected and markexpr:
        lines.append(f"deselected {deselected} tests with -m {markexpr!r} (FAST=1)")
        lines.append("    run them with: make test")
    if not os.environ.get("SIDCONTENT_TEST_DATABASE_URL"):
        lines.append("ran on SQLite only (SIDCONTENT_TEST_DATABASE_URL is not set)")
        lines.append("    run on PostgreSQL too with: .ci/run")
    return lines


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    lines = summary(terminalreporter.stats, config.getoption("markexpr", "") or "")
    if not lines:
        return
    terminalreporter.section("what this run left out, and how to run it")
    for line in lines:
        terminalreporter.write_line(line)
