"""Changing content: create, edit, publish, delete and restore, with revisions.

Free of HTTP: the API maps these exceptions to status codes.

No lost updates: every change claims the item with one conditional
``UPDATE ... SET revision = n + 1 WHERE id = :id AND revision = n``. Of
several writers holding the same revision exactly one matches a row; the
others match none and get ``Stale``, whatever the timing, on SQLite (the
UPDATE takes the write lock before reading the row) and on PostgreSQL (a
blocked UPDATE re-checks its WHERE against the committed row). The claim is
the first statement of the write transaction, so nothing is read and then
written on the strength of a stale read.

Every change records a revision: who (token name), when, which fields, and
the item's full record afterwards. Items the fixtures loaded have no
history yet; their first change also records what they were ("baseline"),
so that state can be restored too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import langcodes
from marshmallow import Schema, ValidationError
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sidcontent.content import events, fixtures, locales, queries, sync
from sidcontent.content.models import Campaign, Message, Resource, Status, Theme
from sidcontent.content.revisions import Revision
from sidcontent.content.schemas import (
    CampaignWriteSchema,
    MessageWriteSchema,
    ResourceWriteSchema,
    ThemeWriteSchema,
)

BOOKKEEPING = ("created_at", "updated_at", "revision")
MAX_PATCH_DEPTH = 16
LIVE = (Status.published.value, Status.scheduled.value)


class EditError(Exception):
    """Base of everything a change can fail with."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(EditError):
    pass


class Invalid(EditError):
    """The body breaks a rule; ``errors`` says which, per field."""

    def __init__(self, detail: str, errors: dict[str, Any]) -> None:
        super().__init__(detail)
        self.errors = errors


class Conflict(EditError):
    """Not possible in the item's current state (slug taken, not published...)."""


class Stale(EditError):
    """Someone else changed the item since the caller's revision."""


@dataclass(frozen=True)
class Kind:
    """One content type as the editing code sees it."""

    name: str  # the URL segment: "messages"
    item_type: str  # what revisions record: "message"
    model: type[Any]
    schema: type[Schema]
    to_record: Callable[[Any], dict[str, Any]]
    key: str  # "slug" or "id"

    def write_fields(self) -> list[str]:
        return list(self.schema._declared_fields)

    def label(self, row: Any) -> str:
        return f"{self.item_type} {getattr(row, self.key)!r}"


KINDS = {
    "themes": Kind("themes", "theme", Theme, ThemeWriteSchema, fixtures.theme_record, "slug"),
    "campaigns": Kind(
        "campaigns", "campaign", Campaign, CampaignWriteSchema, fixtures.campaign_record, "slug"
    ),
    "messages": Kind(
        "messages", "message", Message, MessageWriteSchema, fixtures.message_record, "id"
    ),
    "resources": Kind(
        "resources", "resource", Resource, ResourceWriteSchema, fixtures.resource_record, "id"
    ),
}


# --- documents ----------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: ``null`` removes, objects merge, the rest replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def depth(value: Any, limit: int = MAX_PATCH_DEPTH) -> int:
    """How deeply ``value`` nests (iteratively, so hostile input cannot recurse)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > deepest:
            deepest = level
            if deepest > limit:
                return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _canonical_locales(patch: dict[str, Any]) -> dict[str, Any]:
    """Patch keys of ``translations`` in canonical form (``fr-be`` -> ``fr-BE``).

    A merge patch matches members by name, so ``fr-be`` must name the stored
    ``fr-BE``; a key that is no language tag is refused even with null.
    """
    texts = patch.get("translations")
    if not isinstance(texts, dict):
        return patch
    canonical: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for key, value in texts.items():
        try:
            canonical[locales.normalize(key)] = value
        except locales.LocaleError as exc:
            errors[key] = {"key": [str(exc)]}
    if errors:
        raise Invalid("Unknown or malformed locales in translations.", {"translations": errors})
    return {**patch, "translations": canonical}


def document(kind: Kind, row: Any) -> dict[str, Any]:
    """The item as an editor writes it: the write schema's fields, as JSON."""
    record = kind.to_record(row)
    return {name: record[name] for name in kind.write_fields()}


def validate(kind: Kind, data: Any) -> dict[str, Any]:
    """Load ``data`` with the type's write schema, or raise ``Invalid``."""
    if not isinstance(data, dict):
        raise Invalid("The body must be a JSON object.", {"_schema": ["Expected an object."]})
    if depth(data) > MAX_PATCH_DEPTH:
        raise Invalid("The body nests too deeply.", {"_schema": ["Nested too deeply."]})
    try:
        loaded: dict[str, Any] = kind.schema().load(data)
        _check_registered(loaded)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        unknown = sorted(k for k, v in messages.items() if v == ["Unknown field."])
        if unknown:
            detail = f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."
        else:
            detail = "The body breaks validation rules: " + ", ".join(sorted(map(str, messages)))
        raise Invalid(detail, messages) from None
    return loaded


def _check_registered(record: dict[str, Any]) -> None:
    """Written locales must be languages IANA knows, not just well-formed tags.

    Reads accept any well-formed tag (a reader's Accept-Language is what it
    is); what editors store must be a real language, so ``xx`` is refused.
    """
    errors: dict[str, Any] = {}
    for tag in record.get("translations", {}):
        if not langcodes.tag_is_valid(tag):
            errors.setdefault("translations", {})[tag] = {"key": [f"Unknown language {tag!r}."]}
    default = record.get("default_locale")
    if default is not None and not langcodes.tag_is_valid(default):
        errors["default_locale"] = [f"Unknown language {default!r}."]
    if errors:
        raise ValidationError(errors)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = value


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """Dotted paths that differ, bookkeeping aside: ``translations.fr.headline``."""
    flat_before: dict[str, Any] = {}
    flat_after: dict[str, Any] = {}
    strip = {k: v for k, v in (before or {}).items() if k not in BOOKKEEPING}
    _flatten(strip, "", flat_before)
    _flatten({k: v for k, v in after.items() if k not in BOOKKEEPING}, "", flat_after)
    keys = (set(flat_before) | set(flat_after)) - {""}
    return sorted(k for k in keys if flat_before.get(k, _MISSING) != flat_after.get(k, _MISSING))


_MISSING = object()


# --- reading for edit -----------------------------------------------------------


def load(session: Session, kind: Kind, key: Any, *, deleted: bool = False) -> Any:
    """The item for editing (drafts included), or ``NotFound``.

    Deleted items are found only with ``deleted=True`` (revisions, restore).
    """
    column = getattr(kind.model, kind.key)
    row = session.scalars(queries._select(kind.model).where(column == key)).first()
    if row is None or (row.status == Status.deleted.value and not deleted):
        raise NotFound(f"No {kind.item_type} {key!r}.")
    return row


def _theme(session: Session, slug: str | None) -> Theme | None:
    if slug is None:
        return None
    theme = session.scalar(
        select(Theme).where(Theme.slug == slug, Theme.status != Status.deleted.value)
    )
    if theme is None:
        raise Invalid(f"No theme with slug {slug!r}.", {"theme": [f"No theme {slug!r}."]})
    return theme


def _campaign(session: Session, slug: str) -> Campaign:
    campaign = session.scalar(
        select(Campaign).where(Campaign.slug == slug, Campaign.status != Status.deleted.value)
    )
    if campaign is None:
        raise Invalid(f"No campaign with slug {slug!r}.", {"campaign": [f"No campaign {slug!r}."]})
    return campaign


def _filler(session: Session, kind: Kind, record: dict[str, Any]) -> Callable[[Any], None]:
    """Resolve references now (so errors come before any write); fill later."""
    if kind.model is Theme:
        return lambda row: fixtures.fill_theme(row, record)
    if kind.model is Campaign:
        theme = _theme(session, record["theme"])
        return lambda row: fixtures.fill_campaign(row, record, theme)
    campaign = _campaign(session, record["campaign"])
    if kind.model is Message:
        return lambda row: fixtures.fill_message(row, record, campaign)
    return lambda row: fixtures.fill_resource(row, record, campaign)


def _check_slug(session: Session, kind: Kind, slug: str, own_id: int | None) -> None:
    if kind.key != "slug":
        return
    other = session.scalar(select(kind.model).where(kind.model.slug == slug))
    if other is not None and other.id != own_id:
        how = (
            " (a deleted one: restore it, or pick another slug)"
            if other.status == "deleted"
            else ""
        )
        raise Conflict(f"A {kind.item_type} with slug {slug!r} already exists{how}.")


# --- changing -------------------------------------------------------------------


def _flush(session: Session, kind: Kind) -> None:
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            f"The {kind.item_type} clashes with one saved meanwhile (slug or revision); "
            "reload and try again."
        ) from None


def create(session: Session, kind: Kind, data: Any, author: str, now: datetime) -> Any:
    """A new draft from a full document; revision 1."""
    record = validate(kind, data)
    if kind.key == "slug":
        _check_slug(session, kind, record["slug"], None)
    fill = _filler(session, kind, record)
    row = kind.model()
    fill(row)
    row.status = Status.draft.value
    row.publish_at = None
    row.created_at = row.updated_at = now
    row.revision = 1
    session.add(row)
    _flush(session, kind)
    after = kind.to_record(row)
    session.add(
        Revision(
            item_type=kind.item_type,
            item_id=row.id,
            number=1,
            action="create",
            author=author,
            created_at=now,
            changed=changed_fields(None, after),
            snapshot=after,
        )
    )
    _flush(session, kind)  # before the generation bump, whose autoflush would escape
    queries.bump_generation(session)
    _announce(session, kind, row, None, "create", now, [])
    return row


def _change(
    session: Session,
    kind: Kind,
    row: Any,
    expected: int | None,
    author: str,
    now: datetime,
    action: str,
    mutate: Callable[[Any], None],
    restored_from: int | None = None,
) -> Any:
    """Claim revision ``expected`` of ``row``, apply ``mutate``, record it."""
    current = row.revision
    if expected is None:
        expected = current
    if expected != current:
        raise Stale(f"The {kind.label(row)} is at revision {current}, not {expected}.")
    before = kind.to_record(row)
    prior = events.ItemState.of(kind.item_type, row)
    claim = session.execute(
        update(kind.model)
        .where(kind.model.id == row.id, kind.model.revision == expected)
        .values(revision=expected + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claim.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Stale(f"The {kind.label(row)} was changed meanwhile.")
    has_baseline = session.scalar(
        select(
            exists().where(
                Revision.item_type == kind.item_type,
                Revision.item_id == row.id,
                Revision.number == expected,
            )
        )
    )
    if not has_baseline:
        session.add(
            Revision(
                item_type=kind.item_type,
                item_id=row.id,
                number=expected,
                action="baseline",
                author=None,
                created_at=row.updated_at,
                changed=[],
                snapshot=before,
            )
        )
    mutate(row)
    row.revision = expected + 1
    row.updated_at = now
    _flush(session, kind)
    after = kind.to_record(row)
    session.add(
        Revision(
            item_type=kind.item_type,
            item_id=row.id,
            number=expected + 1,
            action=action,
            author=author,
            created_at=now,
            changed=changed_fields(before, after),
            snapshot=after,
            restored_from=restored_from,
        )
    )
    _flush(session, kind)  # before the generation bump, whose autoflush would escape
    queries.bump_generation(session)
    _announce(session, kind, row, prior, action, now, changed_fields(before, after))
    return row


def _announce(
    session: Session,
    kind: Kind,
    row: Any,
    prior: events.ItemState | None,
    action: str,
    now: datetime,
    changed: list[str],
) -> None:
    """The sync log row and the outbox events of a write, in its transaction.

    Called after ``bump_generation``: its row lock orders the log (see
    content/sync.py).
    """
    sync.record_change(session, kind.item_type, row.id, prior, now)
    campaign = row.campaign.slug if kind.model in (Message, Resource) else None
    events.record_write(
        session,
        events.Write(
            item_type=kind.item_type,
            action=action,
            before=prior,
            after=events.ItemState.of(kind.item_type, row),
            revision=row.revision,
            at=now,
            campaign=campaign,
            changed=tuple(changed),
        ),
    )
    _flush(session, kind)


def update_item(
    session: Session,
    kind: Kind,
    row: Any,
    expected: int | None,
    data: Any,
    author: str,
    now: datetime,
    *,
    merge: bool,
) -> Any:
    """Edit content: ``data`` is a merge patch (``merge``) or a whole document."""
    if merge and isinstance(data, dict) and depth(data) > MAX_PATCH_DEPTH:
        raise Invalid("The body nests too deeply.", {"_schema": ["Nested too deeply."]})
    if merge and not isinstance(data, dict):
        raise Invalid("A merge patch must be a JSON object.", {"_schema": ["Expected an object."]})
    if merge:
        data = _canonical_locales(data)
    new = merge_patch(document(kind, row), data) if merge else data
    record = validate(kind, new)
    if kind.key == "slug":
        _check_slug(session, kind, record["slug"], row.id)
    fill = _filler(session, kind, record)
    return _change(session, kind, row, expected, author, now, "update", fill)


def _dependants_live(session: Session, kind: Kind, row: Any) -> None:
    """A message or resource goes out only with its campaign; a campaign with its theme."""
    if kind.model in (Message, Resource):
        parent, what = row.campaign, f"campaign {row.campaign.slug!r}"
    elif kind.model is Campaign and row.theme is not None:
        parent, what = row.theme, f"theme {row.theme.slug!r}"
    else:
        return
    if parent.status not in LIVE:
        raise Conflict(f"The {what} is {parent.status}; publish it before its {kind.item_type}s.")


def publish(
    session: Session,
    kind: Kind,
    row: Any,
    expected: int | None,
    publish_at: datetime | None,
    author: str,
    now: datetime,
) -> Any:
    """Publish now, or schedule for ``publish_at`` (visible from that instant)."""
    scheduled = publish_at is not None and publish_at > now
    if row.status == Status.published.value:
        raise Conflict(f"The {kind.label(row)} is already published; unpublish it first.")
    _dependants_live(session, kind, row)

    def mutate(item: Any) -> None:
        item.status = Status.scheduled.value if scheduled else Status.published.value
        item.publish_at = publish_at if publish_at is not None else now

    return _change(
        session, kind, row, expected, author, now, "schedule" if scheduled else "publish", mutate
    )


def _no_live_campaigns(session: Session, kind: Kind, row: Any) -> None:
    """A published campaign names its theme, so the theme must stay out too."""
    if kind.model is not Theme:
        return
    live = session.scalars(
        select(Campaign.slug).where(Campaign.theme_id == row.id, Campaign.status.in_(LIVE))
    ).all()
    if live:
        raise Conflict(
            f"The {kind.label(row)} is the theme of published campaigns "
            f"({', '.join(sorted(live))}); unpublish them first."
        )


def unpublish(
    session: Session, kind: Kind, row: Any, expected: int | None, author: str, now: datetime
) -> Any:
    """Back to draft: out of delivery at once (a schedule is cancelled)."""
    if row.status not in LIVE:
        raise Conflict(f"The {kind.label(row)} is {row.status}, not published or scheduled.")
    _no_live_campaigns(session, kind, row)

    def mutate(item: Any) -> None:
        item.status = Status.draft.value
        item.publish_at = None

    return _change(session, kind, row, expected, author, now, "unpublish", mutate)


def archive(
    session: Session, kind: Kind, row: Any, expected: int | None, author: str, now: datetime
) -> Any:
    """Out of delivery for good, but still previewable and publishable again."""
    if row.status == Status.archived.value:
        raise Conflict(f"The {kind.label(row)} is already archived.")
    _no_live_campaigns(session, kind, row)

    def mutate(item: Any) -> None:
        item.status = Status.archived.value
        item.publish_at = None

    return _change(session, kind, row, expected, author, now, "archive", mutate)


def delete(
    session: Session, kind: Kind, row: Any, expected: int | None, author: str, now: datetime
) -> Any:
    """Remove from delivery and previews, keeping every revision for a restore."""
    children: list[tuple[type[Any], Any, str]] = []
    if kind.model is Campaign:
        children = [
            (Message, Message.campaign_id, "messages"),
            (Resource, Resource.campaign_id, "resources"),
        ]
    elif kind.model is Theme:
        children = [(Campaign, Campaign.theme_id, "campaigns")]
    for model, column, label in children:
        count = session.scalar(
            select(func.count())
            .select_from(model)
            .where(column == row.id, model.status != Status.deleted.value)
        )
        if count:
            raise Conflict(f"The {kind.label(row)} still has {count} {label}; delete them first.")

    def mutate(item: Any) -> None:
        item.status = Status.deleted.value
        item.publish_at = None

    return _change(session, kind, row, expected, author, now, "delete", mutate)


def history(
    session: Session, kind: Kind, row: Any, before: int | None = None, limit: int | None = None
) -> list[Revision]:
    """Revisions newest first; ``before`` and ``limit`` page through them."""
    stmt = (
        select(Revision)
        .where(Revision.item_type == kind.item_type, Revision.item_id == row.id)
        .order_by(Revision.number.desc())
    )
    if before is not None:
        stmt = stmt.where(Revision.number < before)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def restore(
    session: Session,
    kind: Kind,
    row: Any,
    number: int,
    expected: int | None,
    author: str,
    now: datetime,
) -> Any:
    """Make revision ``number``'s content current again, as a new revision.

    The workflow state stays as it is (publishing is a publisher's call),
    except that a deleted item comes back as a draft.
    """
    revision = session.scalar(
        select(Revision).where(
            Revision.item_type == kind.item_type,
            Revision.item_id == row.id,
            Revision.number == number,
        )
    )
    if revision is None:
        raise NotFound(f"The {kind.label(row)} has no revision {number}.")
    snapshot = revision.snapshot
    try:
        record = validate(kind, {k: snapshot[k] for k in kind.write_fields() if k in snapshot})
        if kind.key == "slug":
            _check_slug(session, kind, record["slug"], row.id)
        fill = _filler(session, kind, record)
    except (Invalid, Conflict) as exc:
        raise Conflict(f"Revision {number} cannot be restored: {exc.detail}") from None

    def mutate(item: Any) -> None:
        fill(item)
        if item.status == Status.deleted.value:
            item.status = Status.draft.value
            item.publish_at = None

    return _change(session, kind, row, expected, author, now, "restore", mutate, number)
