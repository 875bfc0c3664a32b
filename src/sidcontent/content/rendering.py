"""Content for readers straight from rows: column reads in, JSON bytes out.

The read API's hot path. ``representation`` and the read schemas define what
a reader gets, and still serve writes, sync and exports; this module makes
the same bytes without ORM objects or marshmallow (together about half of an
uncached list's time). tests/test_fast_reads.py holds the two to each other,
item by item and locale by locale.

A page costs one statement for its rows plus, for the items not rendered
before, one per child table (translations, tags, audiences). Each rendered
item is kept as a fragment keyed by everything its bytes depend on (type,
id, revision, requested locales, status as of now, the slugs it points at),
so a write re-renders only the item it changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Integer, Row, Select, bindparam, literal_column, select
from sqlalchemy.engine import Dialect

from sidcontent.content import locales, prepared, queries
from sidcontent.content.models import (
    Campaign,
    CampaignTranslation,
    Message,
    MessageTag,
    MessageTranslation,
    Resource,
    ResourceAudience,
    ResourceTag,
    ResourceTranslation,
    Theme,
    ThemeTranslation,
    UTCDateTime,
)
from sidcontent.content.representation import effective_status, published_at
from sidcontent.content.schemas import PALETTE_KEYS


@dataclass(frozen=True)
class Fragment:
    """One item's JSON and the locale it was served in (for Content-Language)."""

    body: bytes
    locale: str


class FragmentCache:
    """A thread-safe LRU of rendered items; size 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Fragment] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Fragment | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def get_many(self, keys: Sequence[Hashable]) -> list[Fragment | None]:
        """``get`` for each key, under one acquisition of the lock."""
        with self._lock:
            entries = self._entries
            found = [entries.get(key) for key in keys]
            for key, fragment in zip(keys, found, strict=True):
                if fragment is not None:
                    entries.move_to_end(key)
            return found

    def put(self, key: Hashable, fragment: Fragment) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = fragment
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Referents:
    """The slugs and default locales items point at, read once per generation.

    A message shows its campaign's slug and falls back to its campaign's
    default locale; a campaign shows its theme's slug. Those live in other
    rows, whose changes bump the content generation but not the item's
    revision, so they are part of each fragment's key and are re-read only
    when the generation moves.
    """

    def __init__(self) -> None:
        self._generation: int | None = None
        self._campaigns: dict[int, tuple[str, str]] = {}
        self._themes: dict[int, str] = {}
        self._lock = threading.Lock()

    def _at(self, generation: int) -> None:
        if generation != self._generation:
            self._generation = generation
            self._campaigns = {}
            self._themes = {}

    def campaigns(
        self, connection: Connection, ids: set[int], generation: int
    ) -> dict[int, tuple[str, str]]:
        with self._lock:
            self._at(generation)
            known = self._campaigns
            missing = ids - known.keys()
        if missing:
            stmt = select(Campaign.id, Campaign.slug, Campaign.default_locale).where(
                Campaign.id.in_(missing)
            )
            found = {r.id: (r.slug, r.default_locale) for r in connection.execute(stmt)}
            with self._lock:
                if self._generation == generation:
                    self._campaigns.update(found)
            known = {**known, **found}
        return known

    def themes(self, connection: Connection, ids: set[int], generation: int) -> dict[int, str]:
        with self._lock:
            self._at(generation)
            known = self._themes
            missing = ids - known.keys()
        if missing:
            stmt = select(Theme.id, Theme.slug).where(Theme.id.in_(missing))
            found = {r.id: r.slug for r in connection.execute(stmt)}
            with self._lock:
                if self._generation == generation:
                    self._themes.update(found)
            known = {**known, **found}
        return known


def _iso(value: datetime | date | None) -> str | None:
    # What marshmallow's (Aware)DateTime and Date fields dump: isoformat().
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class _ListColumn:
    """A many-valued field kept as child rows: tags, resource audiences."""

    field: str
    owner: Any
    value: Any
    position: Any


@dataclass(frozen=True)
class Kind:
    """What the fast path needs to know about one content type."""

    name: str
    model: Any
    columns: tuple[Any, ...]
    translation_owner: Any
    translation_columns: tuple[Any, ...]
    lists: tuple[_ListColumn, ...]
    # Builds the item's fields before the lifecycle ones, from its row, its
    # chosen translation (or None), its list fields and its referent.
    fields: Callable[[Any, Any, dict[str, list[str]], Any], dict[str, Any]]


_LIFECYCLE = ("status", "publish_at", "created_at", "updated_at", "revision", "default_locale")


def _theme_fields(row: Any, tr: Any, _lists: dict[str, list[str]], _ref: Any) -> dict[str, Any]:
    palette = row.palette or {}
    return {
        "slug": row.slug,
        "name": tr.name if tr else row.slug,
        "description": tr.description if tr else None,
        # The schema's nested PaletteSchema dumps its declared keys only.
        "palette": {key: palette[key] for key in PALETTE_KEYS if key in palette},
        "default_locale": row.default_locale,
    }


def _campaign_fields(row: Any, tr: Any, _lists: dict[str, list[str]], ref: Any) -> dict[str, Any]:
    return {
        "slug": row.slug,
        "name": tr.name if tr else row.slug,
        "tagline": tr.tagline if tr else None,
        "description": tr.description if tr else None,
        "day": _iso(row.day),
        "edition": row.edition,
        "url": row.url,
        "hashtags": list(row.hashtags),
        "theme": ref,
        "default_locale": row.default_locale,
    }


def _message_fields(row: Any, tr: Any, lists: dict[str, list[str]], ref: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "campaign": ref[0],
        "audience": row.audience,
        "kind": row.kind,
        "headline": tr.headline if tr else "",
        "body": tr.body if tr else None,
        "call_to_action": tr.call_to_action if tr else None,
        "link": row.link,
        "hashtags": list(row.hashtags),
        "tags": lists["tags"],
    }


def _resource_fields(row: Any, tr: Any, lists: dict[str, list[str]], ref: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "campaign": ref[0],
        "type": row.type,
        "title": tr.title if tr else "",
        "description": tr.description if tr else None,
        "url": row.url,
        "audiences": lists["audiences"],
        "starts_at": _iso(row.starts_at),
        "ends_at": _iso(row.ends_at),
        "tags": lists["tags"],
    }


def _lifecycle_columns(model: Any) -> tuple[Any, ...]:
    return (model.id, *(getattr(model, name) for name in _LIFECYCLE))


THEME = Kind(
    "theme",
    Theme,
    (*_lifecycle_columns(Theme), Theme.slug, Theme.palette),
    ThemeTranslation.theme_id,
    (ThemeTranslation.locale, ThemeTranslation.name, ThemeTranslation.description),
    (),
    _theme_fields,
)
CAMPAIGN = Kind(
    "campaign",
    Campaign,
    (
        *_lifecycle_columns(Campaign),
        Campaign.slug,
        Campaign.theme_id,
        Campaign.day,
        Campaign.edition,
        Campaign.url,
        Campaign.hashtags,
    ),
    CampaignTranslation.campaign_id,
    (
        CampaignTranslation.locale,
        CampaignTranslation.name,
        CampaignTranslation.tagline,
        CampaignTranslation.description,
    ),
    (),
    _campaign_fields,
)
MESSAGE = Kind(
    "message",
    Message,
    (
        *_lifecycle_columns(Message),
        Message.campaign_id,
        Message.audience,
        Message.kind,
        Message.link,
        Message.hashtags,
    ),
    MessageTranslation.message_id,
    (
        MessageTranslation.locale,
        MessageTranslation.headline,
        MessageTranslation.body,
        MessageTranslation.call_to_action,
    ),
    (_ListColumn("tags", MessageTag.message_id, MessageTag.tag, MessageTag.position),),
    _message_fields,
)
RESOURCE = Kind(
    "resource",
    Resource,
    (
        *_lifecycle_columns(Resource),
        Resource.campaign_id,
        Resource.type,
        Resource.url,
        Resource.starts_at,
        Resource.ends_at,
    ),
    ResourceTranslation.resource_id,
    (ResourceTranslation.locale, ResourceTranslation.title, ResourceTranslation.description),
    (
        _ListColumn(
            "audiences",
            ResourceAudience.resource_id,
            ResourceAudience.audience,
            ResourceAudience.position,
        ),
        _ListColumn("tags", ResourceTag.resource_id, ResourceTag.tag, ResourceTag.position),
    ),
    _resource_fields,
)
KINDS = {kind.model: kind for kind in (THEME, CAMPAIGN, MESSAGE, RESOURCE)}


def rows_select(kind: Kind) -> Select[Any]:
    """What a page or a detail reads first: the columns a fragment's key needs.

    The rest of an item (its texts, its JSON columns, which cost the most to
    load) is read only for items without a fragment. Filters come from
    ``queries``.
    """
    model = kind.model
    # In this order: Renderer.render unpacks the first five by position.
    columns = [model.id, model.revision, model.updated_at, model.status, model.publish_at]
    if kind is MESSAGE or kind is RESOURCE:
        columns.append(model.campaign_id)
    elif kind is CAMPAIGN:
        columns.append(model.theme_id)
    return select(*columns)


# Building a filtered select costs more than running it (about 0.5 ms of
# expression construction), so each shape of statement is built once, with
# the clock and the position as parameters. The page size is written into
# the SQL (it is part of the shape): PostgreSQL keeps re-planning a prepared
# statement whose LIMIT is a parameter (see queries._constant).
_NOW = bindparam("now", type_=UTCDateTime())
_AFTER = bindparam("after", type_=Integer())
_KEY: Any = bindparam("key")
_IDS: Any = bindparam("ids", expanding=True)
_STATEMENTS: OrderedDict[Hashable, Any] = OrderedDict()
_STATEMENTS_KEPT = 512
_statements_lock = threading.Lock()


def _statement(key: Hashable, build: Callable[[], Any]) -> Any:
    with _statements_lock:
        found = _STATEMENTS.get(key)
        if found is not None:
            _STATEMENTS.move_to_end(key)
            return found
    stmt = build()
    with _statements_lock:
        _STATEMENTS[key] = stmt
        while len(_STATEMENTS) > _STATEMENTS_KEPT:
            _STATEMENTS.popitem(last=False)
    return stmt


def _prepared(
    shape: Hashable, build: Callable[[], Select[Any]], dialect: Dialect
) -> prepared.Prepared | None:
    """``shape``'s statement compiled for ``dialect``; None: it must go through SQLAlchemy."""

    def compile_it() -> prepared.Prepared | None:
        try:
            return prepared.Prepared(build(), dialect)
        except ValueError:  # an IN list of values: SQLAlchemy expands it per call
            return None

    found: prepared.Prepared | None = _statement(("prepared", dialect.name, shape), compile_it)
    return found


def _clock() -> datetime:
    # queries compares the clock with columns only, so a parameter stands in.
    return cast(datetime, _NOW)


def list_rows(
    connection: Connection,
    kind: Kind,
    filters: dict[str, Any],
    after: int | None,
    limit: int,
    now: datetime,
    preview: bool,
) -> queries.Page[Row[Any]]:
    """One page of a list as rows: the same filters and order as ``queries.list_*``."""

    def build() -> Select[Any]:
        stmt = queries.filtered(kind.model, rows_select(kind), filters, _clock(), preview)
        if after is not None:
            stmt = stmt.where(kind.model.id > _AFTER)
        return stmt.order_by(kind.model.id).limit(literal_column(str(int(limit) + 1), Integer))

    shape = (kind.name, "list", tuple(sorted(filters.items())), preview, after is None, limit)
    params = {"now": now, "after": after}
    fast = _prepared(shape, build, connection.dialect)
    if fast is not None:
        rows = fast.rows(connection, params)
    else:
        rows = list(connection.execute(_statement(shape, build), params))
    return queries.Page(rows[:limit], len(rows) > limit)


def detail_row(
    connection: Connection, kind: Kind, key: int | str, now: datetime, preview: bool
) -> Row[Any] | None:
    """The row a detail GET names, if the caller may read it (as ``queries.get_*``)."""

    def build() -> Select[Any]:
        return queries.detail(kind.model, rows_select(kind), _KEY, _clock(), preview)

    fast = _prepared((kind.name, "detail", preview), build, connection.dialect)
    assert fast is not None  # a key and a clock: nothing to expand
    rows = fast.rows(connection, {"key": key, "now": now})
    return rows[0] if rows else None


class Renderer:
    """Turns rows of one request into fragments, reusing those rendered before."""

    def __init__(
        self,
        connection: Connection,
        requested: Sequence[str],
        now: datetime,
        generation: int,
        cache: FragmentCache,
        referents: Referents,
    ) -> None:
        self.connection = connection
        self.requested = tuple(requested)
        self.now = now
        self.generation = generation
        self.cache = cache
        self.referents = referents

    def _refs(self, kind: Kind, rows: Sequence[Row[Any]]) -> list[Any]:
        if kind is MESSAGE or kind is RESOURCE:
            campaigns = self.referents.campaigns(
                self.connection, {r.campaign_id for r in rows}, self.generation
            )
            return [campaigns[r.campaign_id] for r in rows]
        if kind is CAMPAIGN:
            ids = {r.theme_id for r in rows if r.theme_id is not None}
            themes = self.referents.themes(self.connection, ids, self.generation) if ids else {}
            return [themes.get(r.theme_id) if r.theme_id is not None else None for r in rows]
        return [None] * len(rows)

    def render(self, kind: Kind, rows: Sequence[Row[Any]]) -> list[Fragment]:
        refs = self._refs(kind, rows)
        name, now, requested = kind.name, self.now, self.requested
        # Rows unpacked by position (rows_select's order): per-name access
        # to five columns of twenty rows was a tenth of an uncached page.
        keys = [
            (
                name,
                id_,
                revision,
                updated_at,
                effective_status(status, publish_at, now),
                ref,
                requested,
            )
            for (id_, revision, updated_at, status, publish_at, *_), ref in zip(
                cast(Sequence[tuple[Any, ...]], rows), refs, strict=True
            )
        ]
        found: list[Fragment | None] = self.cache.get_many(keys)
        missing = [i for i, fragment in enumerate(found) if fragment is None]
        if missing:
            ids = [rows[i].id for i in missing]
            full = self._rows(kind, ids)
            translations = self._translations(kind, ids)
            lists = {column.field: self._list(column, ids) for column in kind.lists}
            for i in missing:
                row = full.get(rows[i].id)
                if row is None:
                    continue  # removed between the two reads: left out, as a moment later
                fragment = self._fragment(
                    kind,
                    row,
                    refs[i],
                    translations.get(row.id, []),
                    {name: values.get(row.id, []) for name, values in lists.items()},
                )
                self.cache.put(keys[i], fragment)
                found[i] = fragment
        return [fragment for fragment in found if fragment is not None]

    def _rows(self, kind: Kind, ids: list[int]) -> dict[int, Row[Any]]:
        stmt = _statement(
            (kind.name, "rows"),
            lambda: select(*kind.columns).where(kind.model.id.in_(_IDS)),
        )
        return {row.id: row for row in self.connection.execute(stmt, {"ids": ids})}

    def _translations(self, kind: Kind, ids: list[int]) -> dict[int, list[Any]]:
        owner = kind.translation_owner
        # Ordered by locale within each owner, as the ORM relationship is.
        stmt = _statement(
            (kind.name, "translations"),
            lambda: (
                select(owner.label("owner"), *kind.translation_columns)
                .where(owner.in_(_IDS))
                .order_by(owner, kind.translation_columns[0])
            ),
        )
        grouped: dict[int, list[Any]] = {}
        for row in self.connection.execute(stmt, {"ids": ids}):
            grouped.setdefault(row.owner, []).append(row)
        return grouped

    def _list(self, column: _ListColumn, ids: list[int]) -> dict[int, list[str]]:
        stmt = _statement(
            (column.field, str(column.owner)),
            lambda: (
                select(column.owner.label("owner"), column.value.label("value"))
                .where(column.owner.in_(_IDS))
                .order_by(column.owner, column.position)
            ),
        )
        grouped: dict[int, list[str]] = {}
        for row in self.connection.execute(stmt, {"ids": ids}):
            grouped.setdefault(row.owner, []).append(row.value)
        return grouped

    def _fragment(
        self,
        kind: Kind,
        row: Row[Any],
        ref: Any,
        translations: list[Any],
        lists: dict[str, list[str]],
    ) -> Fragment:
        # Messages and resources fall back to their campaign's default locale.
        fallback = ref[1] if kind is MESSAGE or kind is RESOURCE else row.default_locale
        by_locale = {t.locale: t for t in translations}
        chosen = locales.choose(by_locale.keys(), self.requested, fallback)
        tr = by_locale[chosen] if chosen is not None else None
        status = effective_status(row.status, row.publish_at, self.now)
        locale = tr.locale if tr is not None else row.default_locale
        item = kind.fields(row, tr, lists, ref)
        item.update(
            status=status,
            publish_at=_iso(row.publish_at),
            published_at=_iso(published_at(status, row.publish_at)),
            created_at=_iso(row.created_at),
            updated_at=_iso(row.updated_at),
            revision=row.revision,
            locale=locale,
            available_locales=[t.locale for t in translations],
        )
        return Fragment(orjson.dumps(item), locale)


def join(fragments: Sequence[Fragment]) -> bytes:
    """A JSON array of fragments, byte for byte what orjson makes of the list."""
    return b"[" + b",".join(f.body for f in fragments) + b"]"


@dataclass(frozen=True)
class RenderedBundle:
    body: bytes  # the bundle object (what ``representation.bundle`` dumps to)
    last_modified: datetime
    locale: str


def render_bundle(renderer: Renderer, slug: str, preview: bool) -> RenderedBundle | None:
    """A campaign with its theme, messages and resources (as ``queries.get_bundle``)."""
    connection, now = renderer.connection, renderer.now
    campaign = detail_row(connection, CAMPAIGN, slug, now, preview)
    if campaign is None:
        return None
    theme = None
    if campaign.theme_id is not None:
        stmt = rows_select(THEME).where(Theme.id == campaign.theme_id)
        if not preview:
            stmt = stmt.where(queries.visible(Theme, now))
        theme = connection.execute(stmt).first()
    scope, most = {"campaign": slug}, queries.BUNDLE_LIMIT
    messages = list_rows(connection, MESSAGE, scope, None, most, now, preview).items
    resources = list_rows(connection, RESOURCE, scope, None, most, now, preview).items
    rendered = renderer.render(CAMPAIGN, [campaign])
    if not rendered:
        return None  # removed while being read
    campaign_fragment = rendered[0]
    themes = renderer.render(THEME, [theme]) if theme is not None else []
    theme_body = themes[0].body if themes else b"null"
    body = b"".join(
        (
            b'{"campaign":',
            campaign_fragment.body,
            b',"theme":',
            theme_body,
            b',"messages":',
            join(renderer.render(MESSAGE, messages)),
            b',"resources":',
            join(renderer.render(RESOURCE, resources)),
            b',"locale":',
            orjson.dumps(campaign_fragment.locale),
            b"}",
        )
    )
    rows = [campaign, *messages, *resources, *([theme] if theme is not None else [])]
    newest = max(row.updated_at for row in rows)
    return RenderedBundle(body, newest, campaign_fragment.locale)
