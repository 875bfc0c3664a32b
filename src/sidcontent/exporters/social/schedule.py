"""Suggested posting times for bulk schedulers.

Messages are spread evenly over the campaign day, from 08:00 to 20:00,
at least 5 minutes apart, in the order exported; every platform and every
part of a thread of one message share its time. Times are local (no UTC
offset): schedulers read them in the account's own time zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

START = time(8, 0)
WINDOW = timedelta(hours=12)
MIN_GAP = timedelta(minutes=5)


def suggested_times(day: date, count: int) -> list[str]:
    if count <= 0:
        return []
    step = max(MIN_GAP, (WINDOW / count) // MIN_GAP * MIN_GAP)
    first = datetime.combine(day, START)
    return [(first + step * n).strftime("%Y-%m-%dT%H:%M") for n in range(count)]
