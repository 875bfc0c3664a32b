"""Reading content: visibility, filters and keyset pagination.

Visibility is decided at query time: published items, and scheduled items
whose ``publish_at`` has passed, so scheduling needs no background job.
Lists are ordered by id and paged by "id greater than the last one seen",
which every filter index ends in, so a page costs the same on page 1 and
page 5,000.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    exists,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from sidcontent import generation_watch
from sidcontent.content.models import (
    Campaign,
    CampaignTranslation,
    ContentState,
    Message,
    MessageTag,
    MessageTranslation,
    Resource,
    ResourceAudience,
    ResourceTag,
    ResourceTranslation,
    Status,
    Theme,
    ThemeTranslation,
    utcnow,
)

T = TypeVar("T")
LIFECYCLE_MODELS = (Theme, Campaign, Message, Resource)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_more: bool


# What each read needs loaded with the rows, so representing a page costs a
# fixed number of queries (one per relationship), not one per row.
_LOADS: dict[Any, tuple[Any, ...]] = {
    Theme: (selectinload(Theme.translations),),
    Campaign: (selectinload(Campaign.translations), joinedload(Campaign.theme)),
    Message: (
        selectinload(Message.translations),
        selectinload(Message.tag_rows),
        joinedload(Message.campaign),
    ),
    Resource: (
        selectinload(Resource.translations),
        selectinload(Resource.tag_rows),
        selectinload(Resource.audience_rows),
        joinedload(Resource.campaign),
    ),
}


# Where ``q`` searches: each type's translation table, its owner key and the
# text columns, in every locale (a reader may search in any language).
_SEARCHED: dict[Any, tuple[Any, Any, tuple[str, ...]]] = {
    Theme: (ThemeTranslation, ThemeTranslation.theme_id, ("name", "description")),
    Campaign: (
        CampaignTranslation,
        CampaignTranslation.campaign_id,
        ("name", "tagline", "description"),
    ),
    Message: (
        MessageTranslation,
        MessageTranslation.message_id,
        ("headline", "body", "call_to_action"),
    ),
    Resource: (ResourceTranslation, ResourceTranslation.resource_id, ("title", "description")),
}


def _select(model: Any) -> Select[Any]:
    return select(model).options(*_LOADS[model])


def _constant(value: str) -> ColumnElement[str]:
    """A value written into the SQL, not sent as a parameter.

    PostgreSQL plans a prepared statement once for all parameter values (a
    generic plan) only if that plan looks about as cheap as one made for the
    values at hand. With visibility's two statuses as parameters it never
    looked so, and every list page was planned anew: 0.25-0.5 ms at 100,000
    messages, more than running it. Only for our own constants: the value
    is quoted here, not escaped.
    """
    if not value.isidentifier():
        raise ValueError(f"not a constant of ours: {value!r}")
    return literal_column(f"'{value}'", String)


def visible(model: Any, now: datetime) -> ColumnElement[bool]:
    return or_(
        model.status == _constant(Status.published.value),
        and_(model.status == _constant(Status.scheduled.value), model.publish_at <= now),
    )


def status_is(model: Any, status: str, now: datetime) -> ColumnElement[bool]:
    """The ``status`` filter, by the status readers see (see representation.effective_status):
    a scheduled item whose ``publish_at`` has passed is published, not scheduled."""
    if status == Status.published.value:
        return visible(model, now)
    if status == Status.scheduled.value:
        return and_(
            model.status == Status.scheduled.value,
            or_(model.publish_at.is_(None), model.publish_at > now),
        )
    return model.status == status  # type: ignore[no-any-return]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_match(model: Any, q: str) -> ColumnElement[bool]:
    translation, owner_key, columns = _SEARCHED[model]
    pattern = _like(q)
    return exists().where(
        owner_key == model.id,
        or_(*(getattr(translation, c).ilike(pattern, escape="\\") for c in columns)),
    )


def _theme_campaign_ids(slug: str) -> Select[int]:
    return select(Campaign.id).join(Theme, Campaign.theme_id == Theme.id).where(Theme.slug == slug)


def _common(
    stmt: Select[Any], model: Any, filters: dict[str, Any], now: datetime, preview: bool
) -> Select[Any]:
    if not preview:
        stmt = stmt.where(visible(model, now))
    elif not filters.get("status"):
        # Deleted items leave previews too; ?status=deleted finds them.
        stmt = stmt.where(model.status != Status.deleted.value)
    if filters.get("status"):
        stmt = stmt.where(status_is(model, filters["status"], now))
    if filters.get("updated_since") is not None:
        stmt = stmt.where(model.updated_at >= filters["updated_since"])
    if filters.get("q"):
        stmt = stmt.where(_text_match(model, filters["q"]))
    return stmt


def _page(
    session: Session, stmt: Select[Any], model: Any, after: int | None, limit: int
) -> Page[Any]:
    if after is not None:
        stmt = stmt.where(model.id > after)
    rows = list(session.scalars(stmt.order_by(model.id).limit(limit + 1)).unique())
    return Page(rows[:limit], len(rows) > limit)


def _theme_filters(
    stmt: Select[Any], filters: dict[str, Any], now: datetime, preview: bool
) -> Select[Any]:
    return _common(stmt, Theme, filters, now, preview)


def _campaign_filters(
    stmt: Select[Any], filters: dict[str, Any], now: datetime, preview: bool
) -> Select[Any]:
    stmt = _common(stmt, Campaign, filters, now, preview)
    if filters.get("theme"):
        stmt = stmt.where(Campaign.id.in_(_theme_campaign_ids(filters["theme"])))
    if filters.get("year") is not None:
        year = filters["year"]
        stmt = stmt.where(
            Campaign.day >= datetime(year, 1, 1).date(),
            Campaign.day <= datetime(year, 12, 31).date(),
        )
    return stmt


def _campaign_scope(
    stmt: Select[Any], model: Any, filters: dict[str, Any], now: datetime, preview: bool
) -> Select[Any]:
    # Every condition on the item's campaign in one subquery: with one IN per
    # condition PostgreSQL spent 0.5 ms planning a filtered page, 0.2 with one.
    campaigns = select(Campaign.id)
    scoped = False
    if filters.get("campaign"):
        campaigns = campaigns.where(Campaign.slug == filters["campaign"])
        scoped = True
    if filters.get("theme"):
        campaigns = campaigns.join(Theme, Campaign.theme_id == Theme.id).where(
            Theme.slug == filters["theme"]
        )
        scoped = True
    if not preview:
        # An item in a campaign that is not out yet would leak that campaign.
        campaigns = campaigns.where(visible(Campaign, now))
        scoped = True
    return stmt.where(model.campaign_id.in_(campaigns)) if scoped else stmt


def _message_filters(
    stmt: Select[Any], filters: dict[str, Any], now: datetime, preview: bool
) -> Select[Any]:
    stmt = _common(stmt, Message, filters, now, preview)
    stmt = _campaign_scope(stmt, Message, filters, now, preview)
    if filters.get("audience"):
        stmt = stmt.where(Message.audience == filters["audience"])
    if filters.get("kind"):
        stmt = stmt.where(Message.kind == filters["kind"])
    if filters.get("tag"):
        stmt = stmt.where(
            Message.id.in_(select(MessageTag.message_id).where(MessageTag.tag == filters["tag"]))
        )
    return stmt


def _resource_filters(
    stmt: Select[Any], filters: dict[str, Any], now: datetime, preview: bool
) -> Select[Any]:
    stmt = _common(stmt, Resource, filters, now, preview)
    stmt = _campaign_scope(stmt, Resource, filters, now, preview)
    if filters.get("type"):
        stmt = stmt.where(Resource.type == filters["type"])
    if filters.get("audience"):
        stmt = stmt.where(
            Resource.id.in_(
                select(ResourceAudience.resource_id).where(
                    ResourceAudience.audience == filters["audience"]
                )
            )
        )
    if filters.get("tag"):
        stmt = stmt.where(
            Resource.id.in_(
                select(ResourceTag.resource_id).where(ResourceTag.tag == filters["tag"])
            )
        )
    return stmt


# Each list's filters, applied the same to ORM reads (whole objects) and to
# the column reads of the fast read path (content/rendering.py).
LIST_FILTERS = {
    Theme: _theme_filters,
    Campaign: _campaign_filters,
    Message: _message_filters,
    Resource: _resource_filters,
}


def filtered(
    model: Any, stmt: Select[Any], filters: dict[str, Any], now: datetime, preview: bool
) -> Select[Any]:
    """``stmt`` (a select of ``model`` or of its columns) narrowed to one list's filters."""
    return LIST_FILTERS[model](stmt, filters, now, preview)


def _lister(model: type[T]) -> Callable[..., Page[T]]:
    """A page of ``model`` as ORM objects, with everything representing it needs loaded."""

    def list_page(
        session: Session,
        filters: dict[str, Any],
        after: int | None,
        limit: int,
        now: datetime,
        preview: bool = False,
    ) -> Page[T]:
        stmt = filtered(model, _select(model), filters, now, preview)
        return _page(session, stmt, model, after, limit)

    return list_page


list_themes = _lister(Theme)
list_campaigns = _lister(Campaign)
list_messages = _lister(Message)
list_resources = _lister(Resource)


def detail(model: Any, stmt: Select[Any], key: Any, now: datetime, preview: bool) -> Select[Any]:
    """``stmt`` narrowed to the one item a detail GET names (slug or id), if readable."""
    column = model.id if model in (Message, Resource) else model.slug
    stmt = stmt.where(column == key)
    if model in (Message, Resource):
        stmt = _campaign_scope(stmt, model, {}, now, preview)
    return stmt.where(visible(model, now) if not preview else model.status != Status.deleted.value)


def get_theme(session: Session, slug: str, now: datetime, preview: bool = False) -> Theme | None:
    return session.scalars(detail(Theme, _select(Theme), slug, now, preview)).first()


def get_campaign(
    session: Session, slug: str, now: datetime, preview: bool = False
) -> Campaign | None:
    return session.scalars(detail(Campaign, _select(Campaign), slug, now, preview)).first()


def get_message(session: Session, id: int, now: datetime, preview: bool = False) -> Message | None:
    return session.scalars(detail(Message, _select(Message), id, now, preview)).first()


def get_resource(
    session: Session, id: int, now: datetime, preview: bool = False
) -> Resource | None:
    return session.scalars(detail(Resource, _select(Resource), id, now, preview)).first()


# At most this many messages (and resources) go in one bundle.
BUNDLE_LIMIT = 10_000


@dataclass(frozen=True)
class BundleRows:
    campaign: Campaign
    theme: Theme | None
    messages: list[Message]
    resources: list[Resource]


def get_bundle(
    session: Session, slug: str, now: datetime, preview: bool = False
) -> BundleRows | None:
    """A campaign with its theme and every visible message and resource."""
    campaign = get_campaign(session, slug, now, preview)
    if campaign is None:
        return None
    theme = campaign.theme
    if theme is not None and not preview:
        theme = get_theme(session, theme.slug, now, preview)
    filters = {"campaign": slug}
    messages = list_messages(session, filters, None, BUNDLE_LIMIT, now, preview).items
    resources = list_resources(session, filters, None, BUNDLE_LIMIT, now, preview).items
    return BundleRows(campaign, theme, messages, resources)


def next_scheduled_change(session: Session, now: datetime) -> datetime | None:
    """When the next scheduled item becomes visible: cached reads expire then.

    One statement for all four types (a scalar subquery each), since every
    cache fill asks.
    """
    soonest = [
        select(func.min(model.publish_at))
        .where(model.status == Status.scheduled.value, model.publish_at > now)
        .scalar_subquery()
        for model in LIFECYCLE_MODELS
    ]
    values = session.execute(select(*soonest)).one()
    found = [value for value in values if value is not None]
    return min(found) if found else None


def bump_generation(session: Session) -> None:
    """Tell every response cache, in every process, that content changed.

    On PostgreSQL the new generation is also sent to every listening
    process (delivered when this transaction commits; generation_watch.py).
    """
    generation = session.execute(
        update(ContentState)
        .where(ContentState.id == 1)
        .values(generation=ContentState.generation + 1, changed_at=utcnow())
        .returning(ContentState.generation)
    ).scalar_one()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(generation_watch.CHANNEL, str(generation))))
    session.info[generation_watch.BUMPED] = True
