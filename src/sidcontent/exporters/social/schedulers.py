"""Bulk-scheduler files that import without editing: Hootsuite, Buffer, Sprout Social.

Each format follows its vendor's documentation and the rules their
importers enforce:

- **Hootsuite** bulk composer: CSV without a header row, positional columns
  date and time, message, link; the date format is chosen in the upload
  dialog (``date_format``: ``day-first`` ``dd/mm/yyyy hh:mm`` or
  ``month-first`` ``mm/dd/yyyy hh:mm``, 24-hour); times end in 0 or 5
  minutes; at most 350 rows a file; one upload per set of profiles, so one
  file per network.
- **Buffer** bulk upload: header ``Text,Image URL,Tags,Posting Time``, the
  time as ``YYYY-MM-DD HH:mm``; one file per channel (network).
- **Sprout Social** bulk scheduling: case-sensitive headers ``date``,
  ``time_24hr``, ``message_text``, ``link``; the date in the import's
  ``dd/mm/yyyy`` or ``mm/dd/yyyy`` preference (``date_format``); at most 350
  messages a file; one file per network.

For all three: no two rows of a file have the same text (the later one is
left out, with a warning); rows are at least 10 minutes apart, the first at
``start`` (default: the campaign day at 08:00, local time of the scheduling
account), spread over 12 hours when there is room; the link column is left
empty when the link is in the text; none of these bulk formats carries
threads, so long texts are shortened into one post; a text that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or CR) gets an invisible U+200B in front, so opening the file in Excel or
Sheets runs nothing while the post reads the same.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .output import Post

SCHEDULERS = ("hootsuite", "buffer", "sprout")
DATE_FORMATS = {"day-first": "%d/%m/%Y", "month-first": "%m/%d/%Y"}
MIN_GAP = timedelta(minutes=10)
WINDOW = timedelta(hours=12)
STEP = timedelta(minutes=5)  # Hootsuite wants times ending in 0 or 5
START = time(8, 0)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "\u200b"


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    header: tuple[str, ...] | None
    max_rows: int | None
    threads: bool = False


FORMATS = {
    "hootsuite": Format("hootsuite", "Hootsuite", None, 350),
    "buffer": Format("buffer", "Buffer", ("Text", "Image URL", "Tags", "Posting Time"), None),
    "sprout": Format("sprout", "Sprout Social", ("date", "time_24hr", "message_text", "link"), 350),
}


@dataclass(frozen=True)
class File:
    name: str  # e.g. "hootsuite-x.csv", "hootsuite-x-2.csv"
    platform: str
    content: bytes
    rows: int


def default_start(day: date) -> datetime:
    return datetime.combine(day, START)


def _round_up(when: datetime) -> datetime:
    extra = (when - datetime.combine(when.date(), time(0))) % STEP
    return when if not extra and not when.second else when - extra + STEP


def times(start: datetime, count: int) -> list[datetime]:
    """``count`` times from ``start``: at least 10 minutes apart, on 5-minute
    marks, spread over 12 hours when there is room."""
    if count <= 0:
        return []
    first = _round_up(start.replace(second=0, microsecond=0))
    spread = (WINDOW / count) // STEP * STEP
    gap = max(MIN_GAP, spread)
    return [first + gap * n for n in range(count)]


def neutralise(text: str) -> str:
    return NEUTRALISER + text if text.startswith(_FORMULA_START) else text


def _row(fmt: Format, when: datetime, text: str, link: str, date_format: str) -> list[str]:
    if fmt.name == "hootsuite":
        return [when.strftime(f"{DATE_FORMATS[date_format]} %H:%M"), text, link]
    if fmt.name == "buffer":
        return [text, "", "", when.strftime("%Y-%m-%d %H:%M")]
    return [when.strftime(DATE_FORMATS[date_format]), when.strftime("%H:%M"), text, link]


def files(
    scheduler: str,
    posts: Sequence[Post],
    *,
    start: datetime,
    date_format: str,
    stem: str,
    clickable: dict[str, bool],
) -> tuple[list[File], list[str]]:
    """One file per network (more when a network has more rows than the
    format allows), and warnings for the rows left out."""
    fmt = FORMATS[scheduler]
    warnings: list[str] = []
    by_platform: dict[str, list[Post]] = {}
    for post in posts:
        by_platform.setdefault(post.platform, []).append(post)
    out: list[File] = []
    for platform, group in by_platform.items():
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for post in group:
            # No threads in these formats: the exporter shortened every post to one part.
            text = "\n".join(part.text for part in post.parts)
            if text in seen:
                warnings.append(
                    f"{fmt.title}: message {post.message_id} on {platform} left out: its text "
                    "is the same as an earlier row's, which the importer refuses"
                )
                continue
            seen.add(text)
            link = post.link or ""
            if not clickable.get(platform, True) or (link and link in text):
                link = ""
            if text.startswith(_FORMULA_START):
                warnings.append(
                    f"{fmt.title}: message {post.message_id} on {platform}: the text starts with "
                    "a character spreadsheets run as a formula; U+200B was put in front"
                )
            rows.append((neutralise(text), link))
        # One schedule per network: times run on across its files, never twice.
        scheduled = list(zip(times(start, len(rows)), rows, strict=True))
        chunk = fmt.max_rows or len(rows) or 1
        for number, first in enumerate(range(0, len(scheduled), chunk), 1):
            part = scheduled[first : first + chunk]
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, lineterminator="\r\n")
            if fmt.header:
                writer.writerow(fmt.header)
            for when, (text, link) in part:
                writer.writerow(_row(fmt, when, text, link, date_format))
            suffix = "" if number == 1 else f"-{number}"
            out.append(
                File(
                    name=f"{stem}-{scheduler}-{platform}{suffix}.csv",
                    platform=platform,
                    content=buffer.getvalue().encode("utf-8"),
                    rows=len(part),
                )
            )
    return out, warnings
