"""Delta sync: everything once, then only what changed, tombstones included.

The change log (:class:`ContentChange`) gets one row per write, in the
write's transaction, right after the content generation is bumped. That
UPDATE holds the one ``content_state`` row locked until the commit, so
change rows get their sequence numbers in commit order on every backend: a
reader that has seen ``seq <= n`` never later finds a row below ``n``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Index, Integer, Select, String, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from sidcontent.content import queries, representation
from sidcontent.content.events import ItemState
from sidcontent.content.models import (
    Base,
    Campaign,
    Message,
    Resource,
    Status,
    Theme,
    UTCDateTime,
)


class ContentChange(Base):
    """One write to one item, and what the item was just before it."""

    __tablename__ = "content_changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_type: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The item before the change (None for a create): decides whether a
    # client could hold it, hence whether it needs a tombstone.
    before_status: Mapped[str | None] = mapped_column(String(16), default=None)
    before_key: Mapped[str | None] = mapped_column(String(80), default=None)
    before_campaign_id: Mapped[int | None] = mapped_column(Integer, default=None)

    __table_args__ = (
        Index("ix_content_changes_at", "at"),
        # AUTOINCREMENT: SQLite must never hand out a pruned number again.
        {"sqlite_autoincrement": True},
    )


class SyncState(Base):
    """One row: up to which change the log has been pruned."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pruned_through: Mapped[int] = mapped_column(Integer, default=0)


def record_change(
    session: Session, item_type: str, item_id: int, before: ItemState | None, at: datetime
) -> None:
    """Log a write to an item (call after ``queries.bump_generation``)."""
    session.add(
        ContentChange(
            item_type=item_type,
            item_id=item_id,
            at=at,
            before_status=before.status if before is not None else None,
            before_key=str(before.key) if before is not None else None,
            before_campaign_id=before.campaign_id if before is not None else None,
        )
    )


# --- reading: initial sync and deltas -------------------------------------------------

TYPES: Final = ("theme", "campaign", "message", "resource")
MODELS: Final[dict[str, Any]] = {
    "theme": Theme,
    "campaign": Campaign,
    "message": Message,
    "resource": Resource,
}
REPRESENT: Final[dict[str, Callable[[Any, Sequence[str]], dict[str, Any]]]] = {
    "theme": representation.theme,
    "campaign": representation.campaign,
    "message": representation.message,
    "resource": representation.resource,
}
_LIVE: Final = (Status.published.value, Status.scheduled.value)


class SyncTokenError(ValueError):
    """A token this server did not issue, or one altered since."""


class SyncGone(Exception):
    """The token needs changes older than the retention: sync from scratch."""


@dataclass(frozen=True)
class View:
    """What a client syncs: fixed at the initial sync, carried in every token."""

    type: str | None = None  # one of TYPES, or every type
    campaign: str | None = None  # a campaign's slug: it, its messages and resources
    locales: tuple[str, ...] = ()  # the requested locales, in order
    limit: int = 100
    preview: bool = False

    def types(self) -> tuple[str, ...]:
        chosen = TYPES if self.type is None else (self.type,)
        # A campaign's view holds the campaign and its items, not themes.
        return tuple(t for t in chosen if not (self.campaign and t == "theme"))

    def as_json(self) -> dict[str, Any]:
        return {
            "t": self.type,
            "c": self.campaign,
            "l": list(self.locales),
            "n": self.limit,
            "p": self.preview,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> View:
        return cls(data["t"], data["c"], tuple(data["l"]), int(data["n"]), bool(data["p"]))


@dataclass(frozen=True)
class Position:
    """Where a client is.

    ``seq`` and ``at`` say what it has: every change up to log entry
    ``seq``, and visibility as of the instant ``at``. A page in progress
    also names the end of the window (``until_seq``, ``until_at``; deltas
    only) and the last (type, id) sent (``after``).
    """

    seq: int
    at: datetime
    initial: bool = False
    until_seq: int | None = None
    until_at: datetime | None = None
    after: tuple[int, int] | None = None  # (index in TYPES, id)

    def as_json(self) -> dict[str, Any]:
        return {
            "s": self.seq,
            "a": _instant(self.at),
            "i": self.initial,
            "us": self.until_seq,
            "ua": _instant(self.until_at) if self.until_at else None,
            "af": list(self.after) if self.after else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Position:
        after = data.get("af")
        return cls(
            seq=int(data["s"]),
            at=_parse_instant(data["a"]),
            initial=bool(data["i"]),
            until_seq=data.get("us"),
            until_at=_parse_instant(data["ua"]) if data.get("ua") else None,
            after=(int(after[0]), int(after[1])) if after else None,
        )


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _parse_instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("naive instant")
    return moment.astimezone(UTC)


# --- tokens -----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: bytes, secret: str) -> bytes:
    return hmac.new(f"sync:{secret}".encode(), payload, hashlib.sha256).digest()[:16]


def encode_token(view: View, position: Position, secret: str) -> str:
    """An opaque token: the view and the position, signed."""
    payload = json.dumps(
        {"v": view.as_json(), "p": position.as_json()}, sort_keys=True, separators=(",", ":")
    ).encode()
    return f"{_b64(payload)}.{_b64(_signature(payload, secret))}"


def decode_token(token: str, secret: str) -> tuple[View, Position]:
    """The view and position in ``token``, or ``SyncTokenError``."""
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1 or not token.isascii():
        raise SyncTokenError("The sync token is malformed.")
    body, signature = token.split(".")
    try:
        payload, sent = _unb64(body), _unb64(signature)
    except (binascii.Error, ValueError):
        raise SyncTokenError("The sync token is malformed.") from None
    if not hmac.compare_digest(sent, _signature(payload, secret)):
        raise SyncTokenError("The sync token was not issued by this server or was altered.")
    try:
        data = json.loads(payload)
        return View.from_json(data["v"]), Position.from_json(data["p"])
    except (KeyError, TypeError, ValueError):
        raise SyncTokenError("The sync token is malformed.") from None


MAX_TOKEN_LENGTH: Final = 1024


# --- entries ------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One item whole (``item``) or one tombstone (``at``)."""

    type: str  # "message", or "deleted_message" for a tombstone
    id: str | int
    item: dict[str, Any] | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class SyncPage:
    entries: list[Entry]
    next_page: Position | None  # more of this sync remains
    next_sync: Position | None  # done: keep this for the next delta


def start(session: Session, now: datetime) -> Position:
    """Where an initial sync begins: the log's end, visibility at ``now``."""
    return Position(seq=_log_end(session), at=now, initial=True)


def page(session: Session, view: View, position: Position, now: datetime) -> SyncPage:
    """The page of ``view`` that ``position`` asks for.

    Raises ``SyncGone`` if a delta needs log entries already pruned.
    """
    if position.initial:
        return _initial_page(session, view, position)
    if position.seq < _pruned_through(session):
        raise SyncGone()
    if position.until_seq is None or position.until_at is None:
        until_seq = _log_end(session)
        until_at = _visibility_instant(session, position.at, now)
        position = Position(position.seq, position.at, False, until_seq, until_at, None)
    return _delta_page(session, view, position)


def _log_end(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(ContentChange.seq), 0))) or 0)


def _pruned_through(session: Session) -> int:
    return int(session.scalar(select(SyncState.pruned_through).where(SyncState.id == 1)) or 0)


def _visibility_instant(session: Session, since: datetime, now: datetime) -> datetime:
    """The instant a delta evaluates visibility at.

    Visibility changes with time only when a schedule passes, so the latest
    ``publish_at`` in (``since``, ``now``] sees exactly what ``now`` sees.
    Using it (not ``now``) makes a delta with nothing new the same bytes
    every time it is asked, so clients get 304s and keep their token.
    """
    latest = since
    for model in MODELS.values():
        value = session.scalar(
            select(func.max(model.publish_at)).where(
                model.status == Status.scheduled.value,
                model.publish_at > since,
                model.publish_at <= now,
            )
        )
        if value is not None and value > latest:
            latest = value
    return latest


def _campaign_id(session: Session, slug: str) -> int | None:
    return session.scalar(select(Campaign.id).where(Campaign.slug == slug))


def _visible_rows(
    session: Session, view: View, item_type: str, at: datetime, *, ids: Iterable[int] | None = None
) -> Select[Any]:
    """The rows of ``item_type`` in ``view`` at ``at``: the read API's own rules."""
    model = MODELS[item_type]
    stmt: Select[Any] = queries._common(queries._select(model), model, {}, at, view.preview)
    if item_type in ("message", "resource"):
        scope = {"campaign": view.campaign} if view.campaign else {}
        stmt = queries._campaign_scope(stmt, model, scope, at, view.preview)
    elif item_type == "campaign" and view.campaign:
        stmt = stmt.where(Campaign.slug == view.campaign)
    if ids is not None:
        stmt = stmt.where(model.id.in_(list(ids)))
    return stmt


def _represent(view: View, item_type: str, row: Any) -> Entry:
    item = REPRESENT[item_type](row, view.locales)
    key = row.slug if item_type in ("theme", "campaign") else row.id
    return Entry(item_type, key, item=item)


def _initial_page(session: Session, view: View, position: Position) -> SyncPage:
    entries: list[tuple[tuple[int, int], Entry]] = []
    types = view.types()
    start_index, start_id = position.after or (0, 0)
    for index, item_type in enumerate(TYPES):
        if item_type not in types or index < start_index:
            continue
        model = MODELS[item_type]
        stmt = _visible_rows(session, view, item_type, position.at)
        if index == start_index and position.after is not None:
            stmt = stmt.where(model.id > start_id)
        need = view.limit + 1 - len(entries)
        rows = session.scalars(stmt.order_by(model.id).limit(need)).unique().all()
        entries.extend(((index, row.id), _represent(view, item_type, row)) for row in rows)
        if len(entries) > view.limit:
            break
    if len(entries) > view.limit:
        entries = entries[: view.limit]
        after = entries[-1][0]
        return SyncPage(
            [e for _, e in entries],
            Position(position.seq, position.at, True, after=after),
            None,
        )
    return SyncPage([e for _, e in entries], None, Position(position.seq, position.at))


@dataclass
class _Candidate:
    """An item that may have changed for the client, and why."""

    first: ContentChange | None = None  # its first logged change in the window
    last_at: datetime | None = None


def _candidates(
    session: Session, view: View, position: Position
) -> dict[tuple[int, int], _Candidate]:
    """Every (type index, id) whose place in ``view`` may differ since ``position``."""
    assert position.until_seq is not None and position.until_at is not None
    found: dict[tuple[int, int], _Candidate] = {}
    index_of = {t: i for i, t in enumerate(TYPES)}
    changes = session.scalars(
        select(ContentChange)
        .where(ContentChange.seq > position.seq, ContentChange.seq <= position.until_seq)
        .order_by(ContentChange.seq)
    ).all()
    for change in changes:
        candidate = found.setdefault((index_of[change.item_type], change.item_id), _Candidate())
        if candidate.first is None:
            candidate.first = change
        candidate.last_at = change.at
    # Schedules that passed in the window: visible now with no write.
    for item_type, model in MODELS.items():
        arrived = session.scalars(
            select(model.id).where(
                model.status == Status.scheduled.value,
                model.publish_at > position.at,
                model.publish_at <= position.until_at,
            )
        ).all()
        for item_id in arrived:
            found.setdefault((index_of[item_type], item_id), _Candidate())
    # A campaign's change is its items' change too (their visibility, their
    # "campaign" field, their fallback locale); a theme's, its campaigns'.
    campaigns = [i for (t, i) in found if t == index_of["campaign"]]
    themes = [i for (t, i) in found if t == index_of["theme"]]
    if campaigns:
        for item_type in ("message", "resource"):
            model = MODELS[item_type]
            for item_id in session.scalars(
                select(model.id).where(model.campaign_id.in_(campaigns))
            ).all():
                found.setdefault((index_of[item_type], item_id), _Candidate())
    if themes:
        for item_id in session.scalars(
            select(Campaign.id).where(Campaign.theme_id.in_(themes))
        ).all():
            found.setdefault((index_of["campaign"], item_id), _Candidate())
    wanted = {index_of[t] for t in view.types()}
    return {key: c for key, c in found.items() if key[0] in wanted}


def _could_hold(view: View, status: str | None, campaign_id: int | None, scope: int | None) -> bool:
    """Whether an item in this state may have been in the client's view."""
    if status is None:
        return False
    if view.preview:
        ok = status != Status.deleted.value
    else:
        ok = status in _LIVE
    return ok and (scope is None or campaign_id == scope)


def _delta_page(session: Session, view: View, position: Position) -> SyncPage:
    assert position.until_seq is not None and position.until_at is not None
    scope = _campaign_id(session, view.campaign) if view.campaign else None
    if view.campaign and scope is None:
        # The campaign itself is gone for good; nothing to say but its end.
        return SyncPage([], None, Position(position.until_seq, position.until_at))
    found = _candidates(session, view, position)
    # The current state of every candidate, visible or not.
    current: dict[tuple[int, int], tuple[str, int | None, str | int]] = {}
    for index, item_type in enumerate(TYPES):
        ids = [i for (t, i) in found if t == index]
        if not ids:
            continue
        model = MODELS[item_type]
        columns = [model.id, model.status]
        columns.append(model.campaign_id if item_type in ("message", "resource") else model.id)
        columns.append(model.slug if item_type in ("theme", "campaign") else model.id)
        for item_id, status, campaign_id, key in session.execute(
            select(*columns).where(model.id.in_(ids))
        ).all():
            current[(index, item_id)] = (status, campaign_id if item_type != "theme" else None, key)

    def relevant(key: tuple[int, int]) -> bool:
        if scope is None:
            return True
        state = current.get(key)
        first = found[key].first
        return (state is not None and state[1] == scope) or (
            first is not None and first.before_campaign_id == scope
        )

    ordered = sorted(
        k for k in found if relevant(k) and (position.after is None or k > position.after)
    )
    chunk = ordered[: view.limit]
    more = len(ordered) > view.limit
    visible: dict[tuple[int, int], Any] = {}
    for index, item_type in enumerate(TYPES):
        ids = [i for (t, i) in chunk if t == index]
        if ids:
            rows = session.scalars(
                _visible_rows(session, view, item_type, position.until_at, ids=ids)
            ).unique()
            visible.update(((index, row.id), row) for row in rows)
    entries: list[Entry] = []
    for key in chunk:
        item_type = TYPES[key[0]]
        candidate = found[key]
        first = candidate.first
        status, campaign_id, current_key = current.get(key, (None, None, key[1]))
        if first is not None:
            could = first.before_status is not None and _could_hold(
                view, first.before_status, first.before_campaign_id, scope
            )
            held_key: str | int = (
                (first.before_key or current_key) if item_type in ("theme", "campaign") else key[1]
            )
        else:
            could = _could_hold(view, status, campaign_id, scope)
            held_key = current_key
        at = candidate.last_at or position.until_at
        if key in visible:
            if could and held_key != current_key:  # renamed: the old slug goes
                entries.append(Entry(f"deleted_{item_type}", held_key, at=at))
            entries.append(_represent(view, item_type, visible[key]))
        elif could:
            entries.append(Entry(f"deleted_{item_type}", held_key, at=at))
    if more:
        return SyncPage(
            entries,
            Position(
                position.seq, position.at, False, position.until_seq, position.until_at, chunk[-1]
            ),
            None,
        )
    return SyncPage(entries, None, Position(position.until_seq, position.until_at))


# --- pruning ------------------------------------------------------------------------


def prune(session: Session, now: datetime, retention: timedelta) -> int:
    """Drop log entries older than ``retention``; returns how many.

    Tokens from before the newest dropped entry then answer ``SyncGone``.
    """
    cutoff = now - retention
    oldest = session.scalar(select(func.min(ContentChange.at)))
    if oldest is None or oldest >= cutoff:
        return 0
    last = session.scalar(select(func.max(ContentChange.seq)).where(ContentChange.at < cutoff))
    if last is None:
        return 0
    result = session.execute(
        delete(ContentChange)
        .where(ContentChange.seq <= last)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(SyncState)
        .where(SyncState.id == 1, SyncState.pruned_through < last)
        .values(pruned_through=last)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
