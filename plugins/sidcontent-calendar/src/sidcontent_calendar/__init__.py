"""The ``calendar`` exporter: a campaign's day and webinars as iCalendar.

A third-party plugin in miniature: its own distribution, found through the
``sidcontent`` entry-point group, seeing only a ``ContentBundle``.

With ``SIDCONTENT_PLUGIN_SIDCONTENT_CALENDAR_FEED_DIR`` set it also keeps a
subscribable feed there, ``<campaign>.ics``, fresh: the ``content_changed``
hook rewrites it whenever the campaign's published content changes and
removes it when the campaign is no longer published. Any web server can
serve that folder to calendar apps.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import icalendar
from marshmallow import Schema, fields, validate

from sidcontent import hookimpl
from sidcontent.exporting import (
    Artifact,
    ContentBundle,
    ContentEvent,
    ExportContext,
    Exporter,
    PluginSettings,
    Setting,
)

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
        content, webinars = calendar_of(
            bundle, options["include_webinars"], options["reminder_minutes"]
        )
        return Artifact(
            filename=f"{bundle.campaign.slug}-{bundle.locale}.ics",
            media_type=MEDIA_TYPE,
            content=content,
            metadata={"events": 1 + webinars, "webinars": webinars},
        )


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


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(CalendarExporter())


@hookimpl
def register_settings(register: Callable[[Setting], None]) -> None:
    register(
        Setting(
            "feed_dir",
            "path",
            description="Keep <campaign>.ics here, rewritten when the campaign's content changes.",
        )
    )
    register(
        Setting("feed_locale", description="The feeds' locale (default: each campaign's own).")
    )


@hookimpl
def content_changed(event: ContentEvent, settings: PluginSettings) -> None:
    feed_dir: Path | None = settings["feed_dir"]
    if feed_dir is None or event.campaign is None or not event.type.startswith("content."):
        return
    feed = feed_dir / f"{event.campaign}.ics"
    bundle = event.bundle(settings["feed_locale"])
    if bundle is None:  # unpublished or deleted: subscribers should not keep stale dates
        feed.unlink(missing_ok=True)
        return
    content, _ = calendar_of(bundle)
    feed_dir.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a web server never serves half a file.
    handle, temporary = tempfile.mkstemp(dir=feed_dir, prefix=f".{event.campaign}.", suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.chmod(temporary, 0o644)
    os.replace(temporary, feed)
