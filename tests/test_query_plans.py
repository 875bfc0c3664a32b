"""Reads stay index lookups as tables grow (the planner side of bench/read_api.py).

SQLite plans from the statistics `db upgrade` and `fixtures load` leave
behind; these checks catch a change that would make a page scan or sort a
whole table again. PostgreSQL plans from live statistics (ANALYZE and
autovacuum) and is measured by the benchmark instead.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from sidcontent.api import read_connections
from tests.conftest import TEST_DATABASE_URL

CHILD_TABLES = {
    "message_tags",
    "message_translations",
    "resource_tags",
    "resource_audiences",
    "resource_translations",
}
URLS = [
    "/api/v1/messages?limit=20",
    "/api/v1/messages?campaign=sid-2017&audience=parents-carers",
    "/api/v1/messages?tag=privacy",
    "/api/v1/resources?type=webinar",
    "/api/v1/resources?audience=educators",
]


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite planner statistics only")
@pytest.mark.parametrize("url", URLS)
def test_pages_never_scan_or_sort_growing_tables(fresh_app, url):
    database = fresh_app.extensions["sidcontent.db"]
    database.analyze()  # what `db upgrade` and `fixtures load` run
    # A fresh app has rendered nothing yet, so this request runs its queries
    # (setting RESPONSE_CACHE_SIZE now would change nothing: the cache exists).
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    # Content reads run on an engine of their own (api/read_connections.py).
    engines = [database.engine, read_connections.for_app(fresh_app).engine]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        response = fresh_app.test_client().get(url, headers={"Accept-Language": "qq"})
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert statements
    with database.engine.connect() as conn:
        for statement, parameters in statements:
            plan = [
                row[3]
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ]
            where = f"plan {plan} of {statement[:100]!r}"
            for step in plan:
                scanned = step.split()[1] if step.startswith("SCAN ") else None
                assert scanned not in CHILD_TABLES, where
            if statement.split("FROM", 1)[1].split()[0] in ("messages", "resources"):
                # The page itself: walking the id order is fine, sorting is not.
                assert "USE TEMP B-TREE FOR ORDER BY" not in plan, where
