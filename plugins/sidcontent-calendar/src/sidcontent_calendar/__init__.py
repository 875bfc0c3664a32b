"""The ``calendar`` exporter: a campaign's day and webinars as iCalendar.

A third-party plugin in miniature: its own distribution, found through the
``sidcontent`` entry-point group, seeing only a ``ContentBundle``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import icalendar
from marshmallow import Schema, fields, validate

from sidcontent import hookimpl
from sidcontent.exporting import Artifact, ContentBundle, ExportContext, Exporter

try:
    __version__ = version("sidcontent-calendar")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

MEDIA_TYPE = "text/calendar"
DEFAULT_WEBINAR_LENGTH = timedelta(hours=1)


class CalendarOptions(Schema):
    include_webinars = fields.Boolean(
        load_default=True,
        metadata={"description": "Add the campaign's webinars as timed events."},
    )
    reminder_minutes = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=7 * 24 * 60),
        metadata={"description": "An alarm this many minutes before each webinar."},
    )


class CalendarExporter(Exporter):
    name = "calendar"
    title = "Calendar (iCalendar)"
    description = (
        "The campaign's day as an all-day event and its webinars as timed events, "
        "in one .ics file for Google Calendar, Outlook and Apple Calendar."
    )
    media_types = (MEDIA_TYPE,)
    options_schema = CalendarOptions

    def export(
        self, bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext
    ) -> Artifact:
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
        if options["include_webinars"]:
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
                if options["reminder_minutes"] is not None:
                    alarm = icalendar.Alarm()
                    alarm.add("action", "DISPLAY")
                    alarm.add("description", _line(resource.title))
                    alarm.add("trigger", timedelta(minutes=-options["reminder_minutes"]))
                    event.add_component(alarm)
                calendar.add_component(event)
                webinars += 1

        return Artifact(
            filename=f"{campaign.slug}-{bundle.locale}.ics",
            media_type=MEDIA_TYPE,
            content=calendar.to_ical(),
            metadata={"events": 1 + webinars, "webinars": webinars},
        )


def _line(text: str) -> str:
    # Summaries are one line in every calendar app (and icalendar refuses
    # raw line breaks there); descriptions keep theirs, escaped.
    return " ".join(text.split())


def _describe(first: str | None, second: str | None, campaign: Any) -> str:
    hashtags = " ".join(f"#{tag}" for tag in campaign.hashtags)
    return "\n\n".join(part for part in (first, second, hashtags) if part)


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(CalendarExporter())
