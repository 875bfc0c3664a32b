"""The calendar exporter, tested with sidcontent.testing's fixtures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from marshmallow import ValidationError
from sidcontent_calendar import CalendarExporter


def events(artifact):
    calendar = icalendar.Calendar.from_ical(artifact.content)
    return [c for c in calendar.walk("VEVENT")]


def test_campaign_day_is_an_all_day_event(run_exporter, sidcontent_bundle):
    artifact = run_exporter("calendar", sidcontent_bundle(locale="fr"))
    assert artifact.media_type == "text/calendar"
    assert artifact.filename == "sid-2026-fr.ics"
    day = events(artifact)[0]
    assert day.decoded("dtstart") == date(2026, 2, 10)
    assert day.decoded("dtend") == date(2026, 2, 11)
    assert str(day["summary"]) == "Safer Internet Day 2026"
    assert "#SaferInternetDay" in str(day["description"])


def test_webinars_are_timed_events_and_other_resources_are_not(run_exporter, sidcontent_bundle):
    bundle = sidcontent_bundle(
        resources=[
            {
                "type": "webinar",
                "title": "Live Q&A",
                "starts_at": datetime(2026, 2, 3, 16, 0, tzinfo=UTC),
                "ends_at": None,
            },
            {
                "type": "guide",
                "title": "A guide",
                "starts_at": datetime(2026, 2, 4, 9, 0, tzinfo=UTC),
            },
        ]
    )
    artifact = run_exporter("calendar", bundle, {"reminder_minutes": 30})
    found = events(artifact)
    assert [str(e["summary"]) for e in found] == ["Safer Internet Day 2026", "Live Q&A"]
    webinar = found[1]
    assert webinar.decoded("dtstart") == datetime(2026, 2, 3, 16, 0, tzinfo=UTC)
    # No end given: an hour long.
    assert webinar.decoded("dtend") == datetime(2026, 2, 3, 17, 0, tzinfo=UTC)
    [alarm] = webinar.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(minutes=30)
    assert artifact.metadata == {"events": 2, "webinars": 1}


def test_webinars_can_be_left_out(run_exporter, sidcontent_bundle):
    artifact = run_exporter("calendar", sidcontent_bundle(), {"include_webinars": False})
    assert len(events(artifact)) == 1


def test_text_is_escaped_not_injected(run_exporter, sidcontent_bundle):
    hostile = "Evil\r\nEND:VCALENDAR\r\nBEGIN:VEVENT;x"
    artifact = run_exporter("calendar", sidcontent_bundle(campaign={"name": hostile}))
    calendar = icalendar.Calendar.from_ical(artifact.content)
    assert len(list(calendar.walk("VEVENT"))) == 2  # still the day and the one webinar
    assert str(events(artifact)[0]["summary"]) == "Evil END:VCALENDAR BEGIN:VEVENT;x"


@pytest.mark.parametrize(
    "options", [{"reminder_minutes": -1}, {"reminder_minutes": "10"}, {"x": 1}]
)
def test_bad_options_are_refused(run_exporter, options):
    with pytest.raises(ValidationError):
        run_exporter("calendar", options=options)


def test_an_instance_runs_without_installing(run_exporter):
    assert run_exporter(CalendarExporter()).media_type == "text/calendar"


def test_listed_and_exported_over_http(sidcontent_client):
    plugins = sidcontent_client.get("/api/v1/plugins").get_json()["data"]
    mine = next(p for p in plugins if p["name"] == "sidcontent-calendar")
    assert mine["status"] == "loaded" and mine["exporters"] == ["calendar"]
    response = sidcontent_client.post(
        "/api/v1/exports", json={"exporter": "calendar", "campaign": "sid-2026", "locale": "de"}
    )
    assert response.status_code == 201, response.get_json()
    with sidcontent_client.get(response.get_json()["data"]["artifact"]["url"]) as artifact:
        assert artifact.mimetype == "text/calendar"
        # The seed campaign has two webinars.
        assert len(icalendar.Calendar.from_ical(artifact.data).walk("VEVENT")) == 3
