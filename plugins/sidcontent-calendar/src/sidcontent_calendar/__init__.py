"""The ``calendar`` exporter: a campaign's day and webinars as iCalendar.

A third-party plugin in miniature: its own distribution, found through the
``sidcontent`` entry-point group, seeing only a ``ContentBundle``.

With ``SIDCONTENT_PLUGIN_SIDCONTENT_CALENDAR_FEED_DIR`` set it also keeps a
subscribable feed there, ``<campaign>.ics``, fresh: the ``content_changed``
hook rewrites it whenever the campaign's published content changes and
removes it when the campaign is no longer published. Any web server can
serve that folder to calendar apps.

Every server process imports this module, so it holds only what ``/exporters``
shows and checks (names, options, settings); the iCalendar writing, and the
icalendar library, are in :mod:`sidcontent_calendar.ics`, imported when a
calendar is made.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

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

    def preload(self) -> None:
        # An export worker calls this before it forks a child per export.
        import sidcontent_calendar.ics  # noqa: F401

    def export(
        self, bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext
    ) -> Artifact:
        # icalendar loads here, in the export's process: the server's read-only
        # processes import this module too, and never need it.
        from sidcontent_calendar.ics import calendar_of

        content, webinars = calendar_of(
            bundle, options["include_webinars"], options["reminder_minutes"]
        )
        return Artifact(
            filename=f"{bundle.campaign.slug}-{bundle.locale}.ics",
            media_type=MEDIA_TYPE,
            content=content,
            metadata={"events": 1 + webinars, "webinars": webinars},
        )


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
    from sidcontent_calendar.ics import calendar_of

    content, _ = calendar_of(bundle)
    feed_dir.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a web server never serves half a file.
    handle, temporary = tempfile.mkstemp(dir=feed_dir, prefix=f".{event.campaign}.", suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.chmod(temporary, 0o644)
    os.replace(temporary, feed)
