"""The studio's coverage grid says what GET /campaigns/{slug}/coverage says.

Both come from the translations coverage service; this checks it from the
outside, cell by cell, after edits that make every state appear: translated,
stale (the source changed after the translation), missing with a fallback
(which must be the locale the API then serves) and missing outright.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.studio_kit import sign_in

CAMPAIGN = "sid-2025"
MERGE = "application/merge-patch+json"


class GridReader(HTMLParser):
    """The coverage table's header locales and each row's cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and "coverage" in (dict(attrs).get("class") or ""):
            self.inside = True
        elif self.inside and tag == "tr":
            self.row = []
        elif self.inside and tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            assert self.row is not None
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif self.inside and tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _grid(client: FlaskClient) -> tuple[list[str], dict[tuple[str, int], dict[str, str]]]:
    page = client.get(f"/studio/campaigns/{CAMPAIGN}")
    assert page.status_code == 200
    reader = GridReader()
    reader.feed(page.get_data(True))
    header, *body = reader.rows
    assert header[0] == "Item"
    locales = header[1:]
    cells = {}
    for row in body:
        kind, number = row[0].split()
        cells[(kind.lower() + "s", int(number))] = dict(zip(locales, row[1:], strict=True))
    return locales, cells


def _patch(app: Flask, headers: dict[str, str], kind: str, item: int, body: Any) -> None:
    api = app.test_client()
    current = api.get(f"/api/v1/{kind}/{item}?preview=true", headers=headers)
    response = api.patch(
        f"/api/v1/{kind}/{item}",
        json=body,
        headers={**headers, "If-Match": current.headers["ETag"], "Content-Type": MERGE},
    )
    assert response.status_code == 200, response.get_data(True)


def test_the_grid_and_the_coverage_report_agree(editing_app: Flask, callers) -> None:
    editor = callers["editor"]
    # Every state: message 21 gets Belgian French (fr-BE), then a new English
    # headline, so its fr-BE and fr texts are older than the source (stale).
    _patch(
        editing_app,
        editor,
        "messages",
        21,
        {"translations": {"fr-BE": {"headline": "Trop beau pour être vrai ? Une fois !"}}},
    )
    _patch(editing_app, editor, "messages", 21, {"translations": {"fr": {"headline": "Nouveau"}}})
    _patch(
        editing_app, editor, "messages", 21, {"translations": {"en": {"headline": "Spot the scam"}}}
    )
    client = editing_app.test_client()
    sign_in(client, callers["editor"]["Authorization"].removeprefix("Bearer "))
    locales, cells = _grid(client)
    api = editing_app.test_client()
    report = api.get(f"/api/v1/campaigns/{CAMPAIGN}/coverage", headers=editor).get_json()["data"]
    source = report["source_locale"]
    assert locales == [source] + [entry["locale"] for entry in report["locales"]]
    assert "fr-BE" in locales

    seen: set[str] = set()
    for entry in report["locales"]:
        locale = entry["locale"]
        for kind in ("messages", "resources"):
            group = entry[kind]
            for item in group["translated"]:
                assert cells[(kind, item)][locale] == "Translated", (kind, item, locale)
                seen.add("translated")
            for stale in group["stale"]:
                shown = cells[(kind, stale["id"])][locale]
                assert shown == f"Stale (source rev. {stale['source_revision']})"
                seen.add("stale")
            for item in group["missing"]:
                shown = cells[(kind, item)][locale]
                if shown == "Missing":
                    seen.add("missing")
                    continue
                # The fallback shown is the locale the API serves for this one.
                assert shown.startswith("Falls back to "), shown
                served = api.get(
                    f"/api/v1/{kind}/{item}?locale={locale}&preview=true", headers=editor
                )
                assert served.status_code == 200
                assert shown == f"Falls back to {served.headers['Content-Language']}"
                seen.add("fallback")
        # Every item the report counts is a row of the grid, and no other.
        listed = {
            (kind, i)
            for kind in ("messages", "resources")
            for state in ("translated", "missing")
            for i in entry[kind][state]
        } | {(kind, s["id"]) for kind in ("messages", "resources") for s in entry[kind]["stale"]}
        assert listed == set(cells)
    assert {"translated", "stale", "fallback"} <= seen
    assert cells[("messages", 21)]["fr-BE"].startswith("Stale")
    # Another message has no fr-BE: it falls back to its French, as the API serves.
    assert any(row["fr-BE"] == "Falls back to fr" for row in cells.values())
