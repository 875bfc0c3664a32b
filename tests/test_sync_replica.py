"""A replica kept by sync always equals a fresh full read of the same view.

Hypothesis drives random histories through the content layer (create,
edit, translate, move, publish, schedule in the near future, unpublish,
archive, delete, restore a revision) on an injected clock, and after every
step syncs several client replicas (each its own view) and compares each
with what the read queries list for that view at that instant. Runs on the
suite's database: SQLite, or PostgreSQL with SIDCONTENT_TEST_DATABASE_URL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sidcontent.content import editing, queries, sync
from sidcontent.content.models import utcnow
from sidcontent.db import Database
from tests.editing_fixtures import clone_database

SECRET = "replica-test"
MESSAGES = [8, 9, 20, 49]
RESOURCES = [1, 2]
CAMPAIGNS = ["sid-2017", "sid-2025", "sid-2027"]
VIEWS = [
    sync.View(limit=4),
    sync.View(campaign="sid-2017", locales=("fr",), limit=3),
    sync.View(type="message", locales=("de",), limit=5, preview=True),
    sync.View(campaign="sid-2027", preview=True, limit=2),
]
LISTS = {
    "theme": queries.list_themes,
    "campaign": queries.list_campaigns,
    "message": queries.list_messages,
    "resource": queries.list_resources,
}


def full_read(session, view: sync.View, now) -> dict:
    """The view as the read API lists it now: (type, key) -> item."""
    seen = {}
    for item_type in view.types():
        if item_type == "campaign" and view.campaign:
            row = queries.get_campaign(session, view.campaign, now, view.preview)
            rows = [row] if row is not None else []
        else:
            filters = {"campaign": view.campaign} if view.campaign else {}
            rows = LISTS[item_type](session, filters, None, 10_000, now, view.preview).items
        for row in rows:
            key = row.slug if item_type in ("theme", "campaign") else row.id
            seen[(item_type, key)] = sync.REPRESENT[item_type](row, view.locales)
    return seen


class Client:
    """An app's replica of one view, kept only through sync."""

    def __init__(self, view: sync.View) -> None:
        self.view = view
        self.items: dict = {}
        self.token: str | None = None

    def sync(self, session, now) -> None:
        if self.token is None:
            position = sync.start(session, now)
        else:
            view, position = sync.decode_token(self.token, SECRET)
            assert view == self.view
        while True:
            result = sync.page(session, self.view, position, now)
            for entry in result.entries:
                if entry.item is None:
                    self.items.pop((entry.type.removeprefix("deleted_"), entry.id), None)
                else:
                    self.items[(entry.type, entry.id)] = entry.item
            if result.next_page is None:
                assert result.next_sync is not None
                self.token = sync.encode_token(self.view, result.next_sync, SECRET)
                return
            # Pages go through the token too, as a client would carry them.
            token = sync.encode_token(self.view, result.next_page, SECRET)
            _, position = sync.decode_token(token, SECRET)


class Histories(RuleBasedStateMachine):
    template_url: str
    tmp_path: object

    @initialize()
    def start(self) -> None:
        self._clone = clone_database(self.template_url, self.tmp_path)
        self.database = Database(self._clone.__enter__())
        self.now = utcnow()
        self.clients = [Client(view) for view in VIEWS]
        self.created: list[int] = []
        self.sync_all()

    def teardown(self) -> None:
        if hasattr(self, "database"):
            self.database.dispose()
            self._clone.__exit__(None, None, None)

    # --- the history ---------------------------------------------------------------

    def write(self, kind_name: str, key, change) -> None:
        kind = editing.KINDS[kind_name]
        with self.database.sessions() as session:
            try:
                row = editing.load(session, kind, key, deleted=True)
                if row.status == "deleted" and change.__name__ != "restore":
                    return
                change(session, kind, row)
                session.commit()
            except editing.EditError:
                session.rollback()

    def message_key(self, data) -> int:
        return data.draw(st.sampled_from(MESSAGES + self.created))

    @rule()
    def create(self) -> None:
        kind = editing.KINDS["messages"]
        body = {
            "campaign": "sid-2017",
            "audience": "educators",
            "kind": "tip",
            "translations": {"en": {"headline": f"New {len(self.created)}"}},
        }
        with self.database.sessions() as session:
            row = editing.create(session, kind, body, "test", self.now)
            session.commit()
            self.created.append(row.id)

    @rule(data=st.data(), headline=st.sampled_from(["Pause", "Ask", "Report"]))
    def edit(self, data, headline) -> None:
        def change(session, kind, row):
            patch = {"translations": {"en": {"headline": headline}}}
            editing.update_item(session, kind, row, None, patch, "t", self.now, merge=True)

        self.write("messages", self.message_key(data), change)

    @rule(data=st.data(), locale=st.sampled_from(["fr", "de", "fr-BE"]))
    def translate(self, data, locale) -> None:
        def change(session, kind, row):
            patch = {"translations": {locale: {"headline": f"Texte {locale}"}}}
            editing.update_item(session, kind, row, None, patch, "t", self.now, merge=True)

        self.write("messages", self.message_key(data), change)

    @rule(data=st.data(), campaign=st.sampled_from(CAMPAIGNS))
    def move(self, data, campaign) -> None:
        def change(session, kind, row):
            editing.update_item(
                session, kind, row, None, {"campaign": campaign}, "t", self.now, merge=True
            )

        self.write("messages", self.message_key(data), change)

    @rule(data=st.data(), minutes=st.sampled_from([None, 0, 5, 30]))
    def publish(self, data, minutes) -> None:
        at = None if minutes is None else self.now + timedelta(minutes=minutes)
        kind_name = data.draw(st.sampled_from(["messages", "resources", "campaigns"]))
        key = {
            "messages": lambda: self.message_key(data),
            "resources": lambda: data.draw(st.sampled_from(RESOURCES)),
            "campaigns": lambda: data.draw(st.sampled_from(CAMPAIGNS)),
        }[kind_name]()

        def change(session, kind, row):
            editing.publish(session, kind, row, None, at, "t", self.now)

        self.write(kind_name, key, change)

    @rule(data=st.data(), action=st.sampled_from(["unpublish", "archive", "delete"]))
    def take_down(self, data, action) -> None:
        kind_name = data.draw(st.sampled_from(["messages", "resources", "campaigns"]))
        key = {
            "messages": lambda: self.message_key(data),
            "resources": lambda: data.draw(st.sampled_from(RESOURCES)),
            "campaigns": lambda: data.draw(st.sampled_from(CAMPAIGNS)),
        }[kind_name]()

        def change(session, kind, row):
            getattr(editing, action)(session, kind, row, None, "t", self.now)

        self.write(kind_name, key, change)

    @rule(data=st.data(), number=st.integers(min_value=1, max_value=6))
    def restore(self, data, number) -> None:
        def restore(session, kind, row):
            editing.restore(session, kind, row, number, None, "t", self.now)

        self.write("messages", self.message_key(data), restore)

    @rule(minutes=st.sampled_from([1, 4, 10, 31]))
    def time_passes(self, minutes) -> None:
        self.now += timedelta(minutes=minutes)

    # --- the property --------------------------------------------------------------

    def sync_all(self) -> None:
        with self.database.sessions() as session:
            for client in self.clients:
                client.sync(session, self.now)
                assert client.items == full_read(session, client.view, self.now), client.view

    @invariant()
    def replicas_match_a_full_read(self) -> None:
        if hasattr(self, "database"):
            self.sync_all()


@pytest.mark.slow
def test_replicas_match_full_reads(editing_template, tmp_path_factory):
    Histories.template_url = editing_template[0]
    Histories.tmp_path = tmp_path_factory.mktemp("replica")
    machine = Histories.TestCase
    machine.settings = settings(
        max_examples=15,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    machine().runTest()
