"""Run in a fresh interpreter by test_lean_workers.py: serve reads, then exports,
and say which of the exporters' libraries (and of the libraries only
migrations and translation files need) this process has imported at each step.

The app is built from the environment, as ``sidcontent serve`` builds it; the
requests go through Flask's test client. Prints one JSON object.
"""

from __future__ import annotations

import json
import sys

from sidcontent import create_app

#: Libraries the built-in exporters and the calendar plugin use, which a
#: process that only serves reads must never import.
HEAVY = (
    "PIL",
    "babel",
    "css_inline",
    "fontTools",
    "icalendar",
    "icu",
    "pikepdf",
    "pypdfium2",
    "segno",
    "twitter_text",
    "uharfbuzz",
)

#: Libraries the server needs only for one job, never to serve reads or
#: readiness: Alembic (and the Mako and Pygments it brings) for migrations,
#: translate-toolkit (and lxml) for translation files.
LAZY = (
    "alembic",
    "lxml",
    "mako",
    "pygments",
    "translate",
)

READS = (
    "/api/v1/campaigns",
    "/api/v1/campaigns/sid-2017",
    "/api/v1/campaigns/sid-2017/bundle?locale=fr",
    "/api/v1/messages?limit=20&locale=de",
    "/api/v1/messages/8",
    "/api/v1/resources?type=webinar",
    "/api/v1/themes",
    "/api/v1/exporters",
    "/api/v1/plugins",
    "/api/v1/openapi.json",
    "/healthz",
    "/readyz",
)

#: Translators' reads that need no translation file: still no toolkit.
EDITOR_READS = (
    "/api/v1/campaigns/sid-2017/coverage",
    "/api/v1/campaigns/sid-2017/coverage?locale=de",
)

#: What loads translate-toolkit: a campaign's texts as a file, each format.
TRANSLATION_FILES = (
    "/api/v1/campaigns/sid-2017/translations?locale=de&format=xliff",
    "/api/v1/campaigns/sid-2017/translations?locale=de&format=po",
)

#: (exporter, media type, options): each must load its own libraries to succeed.
EXPORTS = (
    ("social", "application/json", {"platforms": ["x", "mastodon"]}),
    ("social", "image/png", {"messages": [8]}),
    ("poster", "application/pdf", {"size": "A4"}),
    ("newsletter", "text/html", {}),
    ("calendar", "text/calendar", {"reminder_minutes": 30}),
)

#: One option each exporter's schema refuses: validation needs no library either.
BAD_OPTIONS = {
    "social": {"mode": "sideways"},
    "poster": {"size": "A11"},
    "newsletter": {"layout": "scroll"},
    "calendar": {"reminder_minutes": -1},
}


def loaded(watched: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(name for name in watched if name in sys.modules)


def dialects() -> list[str]:
    """The SQLAlchemy dialects this process has imported."""
    return sorted(
        name.split(".")[2]
        for name in sys.modules
        if name.startswith("sqlalchemy.dialects.") and name.count(".") == 2 and "._" not in name
    )


def main(token: str, editor_token: str) -> None:
    app = create_app()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    editor = {"Authorization": f"Bearer {editor_token}"}
    report: dict[str, object] = {"at_start": loaded(), "lazy_at_start": loaded(LAZY)}
    report["reads"] = {path: client.get(path).status_code for path in READS}
    report["readyz"] = client.get("/readyz").get_json()
    report["editor_reads"] = {
        path: client.get(path, headers=editor).status_code for path in EDITOR_READS
    }
    report["lazy_after_reads"] = loaded(LAZY)
    exporters = client.get("/api/v1/exporters").get_json()["data"]
    report["exporters"] = sorted(e["name"] for e in exporters)
    report["invalid"] = {
        name: client.post(
            "/api/v1/exports",
            json={"exporter": name, "campaign": "sid-2017", "options": options},
            headers=auth,
        ).status_code
        for name, options in BAD_OPTIONS.items()
    }
    report["after_reads"] = loaded()
    report["database"] = app.extensions["sidcontent.db"].engine.dialect.name
    report["dialects_after_reads"] = dialects()
    report["lazy_after_refusals"] = loaded(LAZY)
    exports = []
    for name, media_type, options in EXPORTS:
        response = client.post(
            "/api/v1/exports",
            json={
                "exporter": name,
                "campaign": "sid-2017",
                "media_type": media_type,
                "options": options,
            },
            headers=auth,
        )
        record = response.get_json()["data"] if response.status_code < 300 else {}
        artifact = b""
        if record.get("status") == "succeeded":
            artifact = client.get(f"/api/v1/exports/{record['id']}/artifact", headers=auth).data
        exports.append(
            {
                "exporter": name,
                "media_type": media_type,
                "status": response.status_code,
                "record": record.get("status"),
                "head": artifact[:16].decode("latin-1"),
                "size": len(artifact),
            }
        )
    report["exports"] = exports
    # Exports run in forked children: the serving process itself stays lean.
    report["after_exports"] = loaded()
    report["preload_failed"] = app.extensions["sidcontent.plugins"].preload_exporters()
    report["after_preload"] = loaded()
    report["lazy_after_exports"] = loaded(LAZY)
    # Then the jobs that do need the lazy libraries, run in this process
    # (the list must name modules that exist and are really used).
    files = {}
    for path in TRANSLATION_FILES:
        response = client.get(path, headers=editor)
        files[path] = [response.status_code, response.data[:40].decode("utf-8", "replace")]
    report["translation_files"] = files
    report["known_revisions"] = app.extensions["sidcontent.db"].known_revisions()
    report["lazy_at_end"] = loaded(LAZY)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
