"""The seed content as plain data, for computing what a test should see.

Tests derive expectations from the fixture files rather than hard-coding
ids, so the seed content can grow without breaking them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@cache
def load(name: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def is_visible(item: dict[str, Any], now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    if item["status"] == "published":
        return True
    if item["status"] == "scheduled":
        publish_at = datetime.fromisoformat(item["publish_at"].replace("Z", "+00:00"))
        return publish_at <= now
    return False


def visible_campaigns() -> set[str]:
    return {c["slug"] for c in load("campaigns") if is_visible(c)}


def visible(name: str) -> list[dict[str, Any]]:
    """Visible messages or resources: visible themselves, in a visible campaign."""
    campaigns = visible_campaigns()
    return [i for i in load(name) if is_visible(i) and i["campaign"] in campaigns]


def hidden(name: str) -> list[dict[str, Any]]:
    shown = {i["id"] for i in visible(name)}
    return [i for i in load(name) if i["id"] not in shown]
