"""Content events: what changed, as partners and plugins hear about it.

An event is ``{type, timestamp, data}`` (the Standard Webhooks payload
shape). Types:

- ``content.published``: an item became public (published, or a schedule
  that has already passed); also when a schedule passes with no write
  (``action`` is ``go-live``, content/golive.py);
- ``content.unpublished``: a public item left delivery (unpublished,
  archived, or rescheduled into the future);
- ``content.updated``: a public item changed and is still public (edits of
  drafts are nobody's business outside the newsroom);
- ``content.deleted``: a public item was deleted;
- ``export.succeeded`` / ``export.failed``: an export run finished.

Events are derived from a write inside the write's own transaction and
stored there as an outbox row (:class:`OutboxEvent`), so a crash after the
commit loses nothing and a rolled-back write sends nothing.

After the transaction commits, each event is also handed to the callbacks
subscribed to the app's :class:`EventNotifier` (``app.extensions
["sidcontent.events"]``): the in-process notification point for code that
reacts to changes (the webhook dispatcher, the ``content_changed`` plugin
hook)::

    notifier: EventNotifier = app.extensions["sidcontent.events"]
    unsubscribe = notifier.subscribe(lambda event: print(event.type, event.data))

A callback runs after the commit, on the writer's thread, and must be quick
and must not use the writer's session; what it raises is logged and
swallowed (the write has happened). Durable work belongs to the outbox.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import JSON, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from sidcontent.content.models import Base, Status, UTCDateTime

log = logging.getLogger(__name__)

EventType = Literal[
    "content.published",
    "content.unpublished",
    "content.updated",
    "content.deleted",
    "export.succeeded",
    "export.failed",
]
EVENT_TYPES: Final[tuple[EventType, ...]] = (
    "content.published",
    "content.unpublished",
    "content.updated",
    "content.deleted",
    "export.succeeded",
    "export.failed",
)
# Payloads are kept thin (what changed, not the whole item) so every event
# stays well under what receivers accept; the webhook code enforces it.
MAX_EVENT_BYTES: Final = 20 * 1024

_PENDING: Final = "sidcontent.pending_events"


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, the way every event spells time."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Event:
    """One event. ``id`` is stable: webhooks send it as ``webhook-id``."""

    type: EventType
    timestamp: datetime
    data: dict[str, Any]
    id: str = field(default_factory=new_event_id)

    def payload(self) -> dict[str, Any]:
        """The JSON body: ``{type, timestamp, data}``."""
        return {"type": self.type, "timestamp": timestamp(self.timestamp), "data": self.data}


class OutboxEvent(Base):
    """An event written in the transaction of the change it reports."""

    __tablename__ = "event_outbox"

    # The position in the outbox: deliveries go out in this order.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Set once the webhook dispatcher has queued a delivery per endpoint.
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        Index("ix_event_outbox_fanned_out_at_seq", "fanned_out_at", "seq"),
        {"sqlite_autoincrement": True},
    )

    def event(self) -> Event:
        return Event(
            type=self.type,  # type: ignore[arg-type]
            timestamp=self.created_at,
            data=dict(self.payload.get("data", {})),
            id=self.event_id,
        )


# --- deriving events from a write ------------------------------------------------


@dataclass(frozen=True)
class ItemState:
    """What a write changes that decides which event it is."""

    status: str
    publish_at: datetime | None
    key: str | int  # a theme's or campaign's slug, a message's or resource's id
    campaign_id: int | None  # messages and resources; a campaign's own id
    # The row's id and last write: where a passed schedule's go-live is
    # claimed, and whether a write already announced it (content/golive.py).
    item_id: int | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, item_type: str, row: Any) -> ItemState:
        key = row.slug if item_type in ("theme", "campaign") else row.id
        if item_type in ("message", "resource"):
            campaign_id = row.campaign_id
        elif item_type == "campaign":
            campaign_id = row.id
        else:
            campaign_id = None
        return cls(row.status, row.publish_at, key, campaign_id, row.id, row.updated_at)

    def public(self, now: datetime) -> bool:
        """Published, or scheduled for a moment that has passed."""
        if self.status == Status.published.value:
            return True
        return (
            self.status == Status.scheduled.value
            and self.publish_at is not None
            and self.publish_at <= now
        )


@dataclass(frozen=True)
class Write:
    """One change to one item, as content/editing.py made it."""

    item_type: str  # "theme", "campaign", "message", "resource"
    action: str  # create, update, publish, schedule, unpublish, archive, delete, restore
    before: ItemState | None  # None for a create
    after: ItemState
    revision: int
    at: datetime
    campaign: str | None = None  # the campaign's slug, for messages and resources
    changed: tuple[str, ...] = ()


def derive(write: Write) -> list[Event]:
    """The events a write means to the outside world (often none)."""
    was = write.before is not None and write.before.public(write.at)
    now_public = write.after.public(write.at)
    kind: EventType
    if now_public and not was:
        kind = "content.published"
    elif was and not now_public:
        kind = "content.deleted" if write.action == "delete" else "content.unpublished"
    elif was and now_public:
        kind = "content.updated"
    else:
        return []
    data: dict[str, Any] = {
        "type": write.item_type,
        "id": write.after.key,
        "revision": write.revision,
        "status": write.after.status,
        "action": write.action,
    }
    if write.before is not None and write.before.key != write.after.key:
        data["previous_id"] = write.before.key
    if write.campaign is not None:
        data["campaign"] = write.campaign
    if write.changed:
        data["changed"] = list(write.changed)
    return [Event(type=kind, timestamp=write.at, data=data)]


def record(session: Session, events: Iterable[Event]) -> list[Event]:
    """Write ``events`` to the outbox in ``session``'s transaction.

    They reach the notifier's subscribers when that transaction commits,
    and never if it rolls back.
    """
    written = list(events)
    for item in written:
        session.add(
            OutboxEvent(
                event_id=item.id,
                type=item.type,
                created_at=item.timestamp,
                payload=item.payload(),
            )
        )
    if written:
        session.info.setdefault(_PENDING, []).extend(written)
    return written


def record_write(session: Session, write: Write) -> list[Event]:
    """Derive the events of ``write`` and put them in the outbox.

    A go-live that the item's schedule reached before this write, and that
    no poll has announced yet, goes first (see content/golive.py).
    """
    from sidcontent.content import golive  # it builds on this module

    return record(session, [*golive.announce_before_write(session, write), *derive(write)])


# --- the after-commit notification point -------------------------------------------

Subscriber = Callable[[Event], None]


class EventNotifier:
    """Calls subscribers with each event once its transaction has committed."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` after each commit; returns an unsubscribe."""
        with self._lock:
            self._subscribers = [*self._subscribers, callback]

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [s for s in self._subscribers if s is not callback]

        return unsubscribe

    def attach(self, sessions: sessionmaker[Session]) -> None:
        """Watch every session ``sessions`` makes."""
        event.listen(sessions, "after_commit", self._after_commit)
        event.listen(sessions, "after_rollback", _forget)

    def publish(self, events: Iterable[Event]) -> None:
        """Hand ``events`` to every subscriber (committed events only)."""
        subscribers = self._subscribers
        for item in events:
            for callback in subscribers:
                try:
                    callback(item)
                except Exception:
                    log.exception("event subscriber %r failed on %s", callback, item.type)

    def _after_commit(self, session: Session) -> None:
        pending: list[Event] = session.info.pop(_PENDING, [])
        if pending:
            self.publish(pending)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


__all__ = [
    "EVENT_TYPES",
    "MAX_EVENT_BYTES",
    "Event",
    "EventNotifier",
    "EventType",
    "ItemState",
    "OutboxEvent",
    "Subscriber",
    "Write",
    "derive",
    "new_event_id",
    "record",
    "record_write",
    "timestamp",
]
