"""The export's files: JSON for programs, CSV for bulk schedulers.

CSV: UTF-8, RFC 4180 (comma, double quotes, CRLF), a header row, then one
row per post part with the columns ``platform``, ``message_id``, ``part``
(1-based), ``text``, ``link`` and ``suggested_time`` (local
``YYYY-MM-DDTHH:MM``). Texts go in exactly as they must be posted, so a
text that starts with ``=``, ``+``, ``-`` or ``@`` is not neutralised for
spreadsheets; the export warns about such rows instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from sidcontent.exporting import ContentBundle

from .platforms import Rules

CSV_COLUMNS = ("platform", "message_id", "part", "text", "link", "suggested_time")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Part:
    text: str
    length: int
    limit: int
    facets: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Post:
    platform: str
    message_id: int
    audience: str
    kind: str
    locale: str
    mode: str  # "single", "thread" or "shorten"
    parts: tuple[Part, ...]
    link: str | None
    hashtags: tuple[str, ...]
    alt_text: str
    alt_text_length: int
    alt_text_limit: int | None
    suggested_time: str
    dropped: tuple[str, ...] = ()
    langs: tuple[str, ...] | None = None


def _post_json(post: Post) -> dict[str, Any]:
    data = asdict(post)
    data["parts"] = []
    for number, part in enumerate(post.parts, 1):
        item: dict[str, Any] = {
            "part": number,
            "text": part.text,
            "length": part.length,
            "limit": part.limit,
        }
        if part.facets is not None:
            item["facets"] = part.facets
        data["parts"].append(item)
    if data["langs"] is None:
        del data["langs"]
    return data


def document(
    bundle: ContentBundle,
    rules: Sequence[Rules],
    posts: Sequence[Post],
    options: dict[str, Any],
) -> dict[str, Any]:
    campaign = bundle.campaign
    return {
        "exporter": "social",
        "campaign": {
            "slug": campaign.slug,
            "name": campaign.name,
            "day": campaign.day.isoformat(),
            "hashtags": list(campaign.hashtags),
        },
        "locale": bundle.locale,
        "revision": bundle.revision,
        "options": {"mode": options["mode"], "utm": options["utm"]},
        "platforms": [
            {
                "name": r.name,
                "title": r.platform.title,
                "limit": r.limit,
                "alt_text_limit": r.platform.alt_text_limit,
                "counting": r.counting,
                "max_hashtags": r.max_hashtags,
                "links_clickable": r.links_clickable,
                "threads": r.supports_threads,
            }
            for r in rules
        ],
        "posts": [_post_json(post) for post in posts],
    }


def to_json(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def to_csv(posts: Sequence[Post]) -> tuple[bytes, list[str]]:
    """The CSV file, and warnings for texts a spreadsheet would run."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    warnings = []
    for post in posts:
        for number, part in enumerate(post.parts, 1):
            if part.text.startswith(_FORMULA_START):
                warnings.append(
                    f"message {post.message_id} on {post.platform}, part {number}: the text "
                    "starts with a character spreadsheets treat as a formula; import the CSV "
                    "into a scheduler, do not open it in a spreadsheet"
                )
            writer.writerow(
                (
                    post.platform,
                    post.message_id,
                    number,
                    part.text,
                    post.link or "",
                    post.suggested_time,
                )
            )
    return buffer.getvalue().encode("utf-8"), warnings
