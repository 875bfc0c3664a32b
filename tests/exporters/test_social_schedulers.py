"""Bulk-scheduler files, each checked against its vendor's documented format.

- Hootsuite bulk composer: no header; positional date and time, message,
  optional link; date format as chosen at upload (dd/mm/yyyy hh:mm or
  mm/dd/yyyy hh:mm); minutes ending in 0 or 5; at most 350 rows a file;
  times in the future; no duplicate texts; one upload per profile set.
- Buffer bulk upload: header Text, Image URL, Tags, Posting Time
  (YYYY-MM-DD HH:mm).
- Sprout Social bulk scheduling: case-sensitive headers date, time_24hr,
  message_text (+ link); date dd/mm/yyyy or mm/dd/yyyy; 24-hour time; at
  most 350 messages, at least 10 minutes apart.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta

import pytest
from social_kit import make_bundle, make_message

from sidcontent.exporting import ExportError

START = "2030-02-12T08:00"
LONG_BODY = " ".join(["Talk with your children about what they do online."] * 12)


def rows_of(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert "\r\n" in text or text == ""
    return list(csv.reader(io.StringIO(text, newline="")))


def messages(count: int, **extra):
    return [
        make_message(
            id=n, headline=f"Tip {n}: be kind online", link="https://example.org/t", **extra
        )
        for n in range(1, count + 1)
    ]


def check_times(stamps: list[datetime], start: datetime) -> None:
    assert stamps == sorted(stamps)
    assert stamps[0] >= start
    for earlier, later in zip(stamps, stamps[1:], strict=False):
        assert later - earlier >= timedelta(minutes=10)
    assert all(s.minute % 5 == 0 and s.second == 0 for s in stamps)


def check_text(platforms, platform: str, text: str) -> None:
    assert text.strip()
    assert platforms[platform].count(text) <= platforms[platform].limit
    assert not text.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("date_format", "pattern"), [("day-first", "%d/%m/%Y %H:%M"), ("month-first", "%m/%d/%Y %H:%M")]
)
def test_hootsuite_positional_no_header(export, platforms, date_format, pattern):
    bundle = make_bundle(
        *messages(5),
        make_message(id=9, headline="Long one", body=LONG_BODY, link="https://example.org/long"),
    )
    options = {
        "scheduler": "hootsuite",
        "platforms": ["x"],
        "start": START,
        "date_format": date_format,
    }
    artifact = export(bundle, options, "text/csv")
    rows = rows_of(artifact.content)
    assert len(rows) == 6  # no header row; the long message is one shortened row, no thread
    assert all(len(row) == 3 for row in rows)
    stamps = [datetime.strptime(row[0], pattern) for row in rows]
    check_times(stamps, datetime.fromisoformat(START))
    for _, text, link in rows:
        check_text(platforms, "x", text)
        assert not any(f" {n}/" in text[-5:] for n in range(1, 5))  # no thread counters
        assert link == ""  # the link is in the text
        assert "https://example.org/" in text
    assert len({row[1] for row in rows}) == len(rows)
    assert artifact.filename.endswith("-hootsuite-x.csv")
    assert artifact.metadata["files"] == [{"name": artifact.filename, "platform": "x", "rows": 6}]


def test_hootsuite_one_file_per_network_zipped_and_350_rows_at_most(export, platforms):
    bundle = make_bundle(*messages(400))
    options = {"scheduler": "hootsuite", "platforms": ["x", "mastodon"], "start": START}
    with pytest.raises(ExportError) as refused:
        export(bundle, options, "text/csv")
    assert refused.value.field == "scheduler" and "application/zip" in refused.value.message
    artifact = export(bundle, options, "application/zip")
    archive = zipfile.ZipFile(io.BytesIO(artifact.content))
    names = sorted(archive.namelist())
    assert names == sorted(
        f"sid-2017-en-social-hootsuite-{p}{s}.csv" for p in ("x", "mastodon") for s in ("", "-2")
    )
    for platform in ("x", "mastodon"):
        first = rows_of(archive.read(f"sid-2017-en-social-hootsuite-{platform}.csv"))
        second = rows_of(archive.read(f"sid-2017-en-social-hootsuite-{platform}-2.csv"))
        assert len(first) == 350 and len(second) == 50
        stamps = [datetime.strptime(r[0], "%d/%m/%Y %H:%M") for r in first + second]
        check_times(stamps, datetime.fromisoformat(START))  # one schedule across both files
        texts = [r[1] for r in first + second]
        assert len(set(texts)) == len(texts)
        for text in texts:
            check_text(platforms, platform, text)


def test_buffer_documented_columns(export, platforms):
    bundle = make_bundle(*messages(3))
    artifact = export(
        bundle, {"scheduler": "buffer", "platforms": ["linkedin"], "start": START}, "text/csv"
    )
    header, *rows = rows_of(artifact.content)
    assert header == ["Text", "Image URL", "Tags", "Posting Time"]
    assert len(rows) == 3 and all(len(r) == 4 for r in rows)
    stamps = [datetime.strptime(r[3], "%Y-%m-%d %H:%M") for r in rows]
    check_times(stamps, datetime.fromisoformat(START))
    for text, image, tags, _ in rows:
        check_text(platforms, "linkedin", text)
        assert image == "" and tags == ""


@pytest.mark.parametrize("date_format", ["day-first", "month-first"])
def test_sprout_documented_headers(export, platforms, date_format):
    bundle = make_bundle(*messages(4), make_message(id=9, headline="Long one", body=LONG_BODY))
    options = {
        "scheduler": "sprout",
        "platforms": ["instagram"],
        "start": "2030-02-12 09:03",
        "date_format": date_format,
    }
    artifact = export(bundle, options, "text/csv")
    header, *rows = rows_of(artifact.content)
    assert header == ["date", "time_24hr", "message_text", "link"]  # case-sensitive
    assert len(rows) == 5
    pattern = "%d/%m/%Y" if date_format == "day-first" else "%m/%d/%Y"
    stamps = [datetime.strptime(f"{d} {t}", f"{pattern} %H:%M") for d, t, _, _ in rows]
    check_times(stamps, datetime(2030, 2, 12, 9, 3))
    assert stamps[0] == datetime(2030, 2, 12, 9, 5)  # rounded up to a 5-minute mark
    for _, _, text, link in rows:
        check_text(platforms, "instagram", text)
        assert link == ""  # Instagram links are not clickable: "link in bio" instead


def test_sprout_fills_link_only_when_the_text_lacks_it(export):
    # The X post carries the link in its text: the link column stays empty.
    bundle = make_bundle(*messages(1))
    artifact = export(
        bundle, {"scheduler": "sprout", "platforms": ["x"], "start": START}, "text/csv"
    )
    _, (row,) = rows_of(artifact.content)[0], rows_of(artifact.content)[1:]
    assert row[3] == "" and "https://example.org/t" in row[2]


def test_duplicate_texts_are_left_out_with_a_warning(export):
    same = [make_message(id=n, headline="Be kind online") for n in (1, 2, 3)]
    artifact = export(
        make_bundle(*same), {"scheduler": "buffer", "platforms": ["x"], "start": START}, "text/csv"
    )
    _, *rows = rows_of(artifact.content)
    assert len(rows) == 1
    assert sum("same as an earlier row" in w for w in artifact.warnings) == 2


@pytest.mark.parametrize("scheduler", ["hootsuite", "buffer", "sprout"])
def test_formula_cells_are_neutralised(export, scheduler):
    bundle = make_bundle(
        make_message(headline='=HYPERLINK("http://evil.example","x")'),
        make_message(id=2, headline="@everyone -1 +1"),
    )
    artifact = export(
        bundle, {"scheduler": scheduler, "platforms": ["x"], "start": START}, "text/csv"
    )
    cells = [cell for row in rows_of(artifact.content) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert any(cell.startswith("\u200b=HYPERLINK") for cell in cells)
    assert any(cell.startswith("\u200b@everyone") for cell in cells)
    assert sum("formula" in w for w in artifact.warnings) == 2


def test_default_start_is_the_campaign_day_and_past_starts_warn(export):
    artifact = export(
        make_bundle(*messages(2)), {"scheduler": "hootsuite", "platforms": ["x"]}, "text/csv"
    )
    rows = rows_of(artifact.content)
    assert rows[0][0] == "07/02/2017 08:00"
    assert artifact.metadata["start"] == "2017-02-07T08:00"
    assert any("in the past" in w for w in artifact.warnings)


def test_scheduler_over_http(tmp_path_factory):
    from tests.conftest import fresh_database, make_app
    from tests.pluginkit import marketer_client

    tmp_path = tmp_path_factory.mktemp("schedulers-http")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        client = marketer_client(app, "scheduler-team")
        response = client.post(
            "/api/v1/exports",
            json={
                "exporter": "social",
                "campaign": "sid-2017",
                "media_type": "application/zip",
                "options": {"scheduler": "sprout", "start": START, "platforms": ["x", "bluesky"]},
            },
        )
        assert response.status_code == 201, response.get_json()
        record = response.get_json()["data"]
        with client.get(record["artifact"]["url"]) as download:
            archive = zipfile.ZipFile(io.BytesIO(download.data))
        assert sorted(archive.namelist()) == [
            "sid-2017-en-social-sprout-bluesky.csv",
            "sid-2017-en-social-sprout-x.csv",
        ]
        for name in archive.namelist():
            header, *rows = rows_of(archive.read(name))
            assert header == ["date", "time_24hr", "message_text", "link"] and rows
        app.extensions["sidcontent.db"].dispose()
