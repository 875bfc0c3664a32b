"""Scheduled go-live: the ``content.published`` event nobody's write sends.

An item scheduled for later becomes public when its ``publish_at`` passes,
with no write, so no write derives its event. Whoever notices first sends
it: the webhook dispatcher's poll (or the Celery worker's), or a write to
the item made before any poll did (its event must then follow the go-live,
not stand in for it).

Exactly once across processes: the notice is a :class:`GoLive` row keyed
by (type, id, publish_at), inserted with "on conflict do nothing" in the
same transaction as the outbox row. Two processes racing for one go-live
both try the insert; one inserts, the other inserts nothing and sends
nothing (on PostgreSQL the second waits for the first to commit).

Only go-lives that no write announced count: a schedule that had already
passed when it was written (``publish_at <= updated_at``) was announced by
that write. And only those of the last ``HORIZON``: a schedule that passed
while no dispatcher ran for longer than that is not news any more (sync
still shows it), so a first endpoint made on an old database is not
flooded with last year's go-lives.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Integer, String, null, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sidcontent.content import events
from sidcontent.content.models import Base, Campaign, Message, Resource, Status, UTCDateTime
from sidcontent.content.sync import MODELS

HORIZON: Final = timedelta(days=1)
ACTION: Final = "go-live"  # the ``action`` of a go-live event: no write made it


class GoLive(Base):
    """A scheduled item's go-live, announced (the claim that makes it once)."""

    __tablename__ = "content_go_lives"

    item_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40))
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _claim(
    session: Session, item_type: str, item_id: int, publish_at: datetime, now: datetime
) -> str | None:
    """Insert the claim; the new event's id, or None if another process has it."""
    event_id = events.new_event_id()
    values = {
        "item_type": item_type,
        "item_id": item_id,
        "publish_at": publish_at,
        "event_id": event_id,
        "announced_at": now,
    }
    # ON CONFLICT is each dialect's own insert(); only the one in use is
    # imported (PostgreSQL's, with its drivers, is 2 MB a SQLite worker needn't carry).
    dialect = importlib.import_module(f"sqlalchemy.dialects.{session.get_bind().dialect.name}")
    insert = dialect.insert
    # RETURNING, not rowcount: psycopg reports -1 for a single INSERT here.
    inserted = session.scalar(
        insert(GoLive).values(**values).on_conflict_do_nothing().returning(GoLive.event_id)
    )
    return event_id if inserted == event_id else None


def _event(
    event_id: str,
    item_type: str,
    key: str | int,
    revision: int,
    publish_at: datetime,
    campaign: str | None,
) -> events.Event:
    data: dict[str, Any] = {
        "type": item_type,
        "id": key,
        "revision": revision,
        "status": Status.published.value,
        "action": ACTION,
    }
    if campaign is not None:
        data["campaign"] = campaign
    return events.Event(type="content.published", timestamp=publish_at, data=data, id=event_id)


def unannounced(state: events.ItemState, now: datetime) -> bool:
    """Whether ``state`` is a schedule that passed after its last write, lately."""
    return (
        state.status == Status.scheduled.value
        and state.publish_at is not None
        and now - HORIZON < state.publish_at <= now
        and (state.updated_at is None or state.publish_at > state.updated_at)
    )


def announce_before_write(session: Session, write: events.Write) -> list[events.Event]:
    """The go-live a write finds unannounced in its item's prior state, claimed.

    Called by :func:`events.record_write` before it derives the write's own
    events, so a receiver hears "published" before "updated" or "unpublished".
    """
    before = write.before
    if before is None or before.item_id is None or not unannounced(before, write.at):
        return []
    assert before.publish_at is not None
    event_id = _claim(session, write.item_type, before.item_id, before.publish_at, write.at)
    if event_id is None:
        return []
    return [
        _event(
            event_id,
            write.item_type,
            before.key,
            write.revision - 1,
            before.publish_at,
            write.campaign,
        )
    ]


def announce_due(session: Session, now: datetime, limit: int = 100) -> list[events.Event]:
    """Claim and record every unannounced go-live up to ``now``; returns the events.

    The caller commits: the claims and the outbox rows land together.
    """
    found: list[events.Event] = []
    for item_type, model in MODELS.items():
        columns: list[Any] = [model.id, model.publish_at, model.revision]
        columns.append(model.slug if item_type in ("theme", "campaign") else model.id)
        if model in (Message, Resource):
            stmt = select(*columns, Campaign.slug).join(Campaign, model.campaign_id == Campaign.id)
        else:
            stmt = select(*columns, null())
        stmt = (
            stmt.where(
                model.status == Status.scheduled.value,
                model.publish_at > now - HORIZON,
                model.publish_at <= now,
                model.publish_at > model.updated_at,
                ~select(GoLive.item_id)
                .where(
                    GoLive.item_type == item_type,
                    GoLive.item_id == model.id,
                    GoLive.publish_at == model.publish_at,
                )
                .exists(),
            )
            .order_by(model.publish_at, model.id)
            .limit(limit)
        )
        rows: Sequence[Any] = session.execute(stmt).all()
        for item_id, publish_at, revision, key, campaign in rows:
            event_id = _claim(session, item_type, item_id, publish_at, now)
            if event_id is not None:
                found.append(_event(event_id, item_type, key, revision, publish_at, campaign))
    found.sort(key=lambda e: e.timestamp)
    return events.record(session, found)


__all__ = ["ACTION", "HORIZON", "GoLive", "announce_before_write", "announce_due", "unannounced"]
