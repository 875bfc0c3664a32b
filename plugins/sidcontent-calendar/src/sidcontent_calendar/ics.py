"""A campaign as iCalendar text, imported only when a calendar is made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar

from sidcontent.exporting import ContentBundle
from sidcontent_calendar import __version__

DEFAULT_WEBINAR_LENGTH = timedelta(hours=1)


def calendar_of(
    bundle: ContentBundle, include_webinars: bool = True, reminder_minutes: int | None = None
) -> tuple[bytes, int]:
    """The iCalendar text of ``bundle`` and how many webinars it holds."""
    campaign = bundle.campaign
    stamp = datetime.now(UTC).replace(microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//sidcontent//sidcontent-calendar {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _line(campaign.name))

    day = icalendar.Event()
    day.add("uid", f"{campaign.slug}-day@sidcontent")
    day.add("dtstamp", stamp)
    day.add("summary", _line(campaign.name))
    day.add("dtstart", campaign.day)  # a date: an all-day event
    day.add("dtend", campaign.day + timedelta(days=1))  # DTEND is exclusive
    day.add("description", _describe(campaign.tagline, campaign.description, campaign))
    if campaign.url:
        day.add("url", campaign.url)
    day.add("transp", "TRANSPARENT")  # a campaign day does not make anyone busy
    calendar.add_component(day)

    webinars = 0
    if include_webinars:
        for resource in bundle.resources:
            if resource.type != "webinar" or resource.starts_at is None:
                continue
            event = icalendar.Event()
            event.add("uid", f"{campaign.slug}-resource-{resource.id}@sidcontent")
            event.add("dtstamp", stamp)
            event.add("summary", _line(resource.title))
            event.add("dtstart", resource.starts_at)
            event.add("dtend", resource.ends_at or resource.starts_at + DEFAULT_WEBINAR_LENGTH)
            event.add("description", _describe(resource.description, resource.url, campaign))
            event.add("url", resource.url)
            event.add("location", resource.url)
            if reminder_minutes is not None:
                alarm = icalendar.Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", _line(resource.title))
                alarm.add("trigger", timedelta(minutes=-reminder_minutes))
                event.add_component(alarm)
            calendar.add_component(event)
            webinars += 1

    return calendar.to_ical(), webinars


def _line(text: str) -> str:
    # Summaries are one line in every calendar app (and icalendar refuses
    # raw line breaks there); descriptions keep theirs, escaped.
    return " ".join(text.split())


def _describe(first: str | None, second: str | None, campaign: Any) -> str:
    hashtags = " ".join(f"#{tag}" for tag in campaign.hashtags)
    return "\n\n".join(part for part in (first, second, hashtags) if part)
