"""Loading and dumping seed content.

A fixture directory holds ``themes.json``, ``campaigns.json``,
``messages.json`` and ``resources.json``, each a JSON array validated by the
same schemas as the API. Loading upserts (by slug or id) and changes nothing
when nothing differs, so it is safe to run on every start; dumping writes
the same format, byte-stable, so dump -> load -> dump is the identity.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sidcontent.content import queries
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
    utcnow,
)
from sidcontent.content.schemas import (
    CampaignFixtureSchema,
    MessageFixtureSchema,
    ResourceFixtureSchema,
    ThemeFixtureSchema,
)

FILES = ("themes", "campaigns", "messages", "resources")
BOOKKEEPING = ("created_at", "updated_at", "revision")


class FixtureError(ValueError):
    """A fixture file that cannot be loaded; the message names file and field."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _first_error(messages: Any, path: str = "") -> str:
    if isinstance(messages, dict):
        key = sorted(messages, key=str)[0]
        return _first_error(messages[key], f"{path}.{key}" if path else str(key))
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], path)
    return f"{path}: {messages}"


def _read(directory: Path, name: str, schema: Schema) -> list[dict[str, Any]]:
    path = directory / f"{name}.json"
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixtureError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(raw, list):
        raise FixtureError(f"{path}: expected a JSON array of objects")
    records = []
    for index, item in enumerate(raw):
        try:
            records.append(schema.load(item))
        except ValidationError as exc:
            raise FixtureError(f"{path}[{index}] {_first_error(exc.messages)}") from None
    return records


# --- rows <-> records ------------------------------------------------------


def _lifecycle_record(row: Any) -> dict[str, Any]:
    return {
        "status": row.status,
        "publish_at": _iso(row.publish_at),
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "revision": row.revision,
    }


def _texts(rows: list[Any], fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {
        t.locale: {f: getattr(t, f) for f in fields} for t in sorted(rows, key=lambda t: t.locale)
    }


def theme_record(row: Theme) -> dict[str, Any]:
    return {
        "slug": row.slug,
        "default_locale": row.default_locale,
        "palette": {
            k: row.palette[k] for k in ("primary", "secondary", "accent", "background", "text")
        },
        "translations": _texts(row.translations, ("name", "description")),
        **_lifecycle_record(row),
    }


def campaign_record(row: Campaign) -> dict[str, Any]:
    return {
        "slug": row.slug,
        "default_locale": row.default_locale,
        "theme": row.theme.slug if row.theme is not None else None,
        "day": row.day.isoformat(),
        "edition": row.edition,
        "url": row.url,
        "hashtags": list(row.hashtags),
        "translations": _texts(row.translations, ("name", "tagline", "description")),
        **_lifecycle_record(row),
    }


def message_record(row: Message) -> dict[str, Any]:
    return {
        "id": row.id,
        "campaign": row.campaign.slug,
        "audience": row.audience,
        "kind": row.kind,
        "link": row.link,
        "hashtags": list(row.hashtags),
        "tags": row.tags,
        "translations": _texts(row.translations, ("headline", "body", "call_to_action")),
        **_lifecycle_record(row),
    }


def resource_record(row: Resource) -> dict[str, Any]:
    return {
        "id": row.id,
        "campaign": row.campaign.slug,
        "type": row.type,
        "audiences": row.audiences,
        "url": row.url,
        "starts_at": _iso(row.starts_at),
        "ends_at": _iso(row.ends_at),
        "tags": row.tags,
        "translations": _texts(row.translations, ("title", "description")),
        **_lifecycle_record(row),
    }


def _comparable(record: dict[str, Any], keep_bookkeeping: bool) -> str:
    data = {
        k: (_iso(v) if isinstance(v, datetime) else v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in record.items()
        if keep_bookkeeping or k not in BOOKKEEPING
    }
    return json.dumps(data, sort_keys=True, default=str)


# --- applying records --------------------------------------------------------


def _apply_lifecycle(row: Any, record: dict[str, Any], existed: bool) -> None:
    now = utcnow()
    row.status = record["status"]
    row.publish_at = record["publish_at"]
    row.created_at = record["created_at"] or (row.created_at if existed else now)
    row.updated_at = record["updated_at"] or now
    row.revision = record["revision"] or ((row.revision or 0) + 1 if existed else 1)


def _set_translations(row: Any, model: type, record: dict[str, Any]) -> None:
    row.translations = [
        model(**{"locale": locale, **texts})
        for locale, texts in sorted(record["translations"].items())
    ]


# Content fields from a validated write record; the fixture loader and the
# write API both fill rows this way, so a field is mapped in one place.


def fill_theme(row: Theme, record: dict[str, Any]) -> None:
    row.slug = record["slug"]
    row.default_locale = record["default_locale"]
    row.palette = dict(record["palette"])
    _set_translations(row, ThemeTranslation, record)


def fill_campaign(row: Campaign, record: dict[str, Any], theme: Theme | None) -> None:
    row.slug = record["slug"]
    row.default_locale = record["default_locale"]
    row.theme = theme
    row.day = record["day"]
    row.edition = record["edition"]
    row.url = record["url"]
    row.hashtags = list(record["hashtags"])
    _set_translations(row, CampaignTranslation, record)


def fill_message(row: Message, record: dict[str, Any], campaign: Campaign) -> None:
    row.campaign = campaign
    row.audience = record["audience"]
    row.kind = record["kind"]
    row.link = record["link"]
    row.hashtags = list(record["hashtags"])
    row.tag_rows = [MessageTag(tag=t, position=i) for i, t in enumerate(record["tags"])]
    _set_translations(row, MessageTranslation, record)


def fill_resource(row: Resource, record: dict[str, Any], campaign: Campaign) -> None:
    row.campaign = campaign
    row.type = record["type"]
    row.url = record["url"]
    row.starts_at = record["starts_at"]
    row.ends_at = record["ends_at"]
    row.audience_rows = [
        ResourceAudience(audience=a, position=i) for i, a in enumerate(record["audiences"])
    ]
    row.tag_rows = [ResourceTag(tag=t, position=i) for i, t in enumerate(record["tags"])]
    _set_translations(row, ResourceTranslation, record)


class _Loader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.changed = 0
        self.themes = {t.slug: t for t in session.scalars(select(Theme))}
        self.campaigns = {c.slug: c for c in session.scalars(select(Campaign))}

    def _unchanged(
        self, row: Any, record: dict[str, Any], to_record: Callable[[Any], dict[str, Any]]
    ) -> bool:
        if row is None:
            return False
        keep = any(record.get(k) is not None for k in BOOKKEEPING)
        return _comparable(to_record(row), keep) == _comparable(record, keep)

    def _upsert(
        self,
        row: Any,
        record: dict[str, Any],
        to_record: Callable[[Any], dict[str, Any]],
        create: Callable[[], Any],
        fill: Callable[[Any], None],
    ) -> Any:
        """Create or update one item; an item equal to its record is left alone."""
        if self._unchanged(row, record, to_record):
            return row
        existed = row is not None
        if row is None:
            row = create()
            self.session.add(row)
        fill(row)
        _apply_lifecycle(row, record, existed)
        self.changed += 1
        return row

    def theme(self, record: dict[str, Any]) -> None:
        row = self._upsert(
            self.themes.get(record["slug"]),
            record,
            theme_record,
            lambda: Theme(slug=record["slug"]),
            lambda row: fill_theme(row, record),
        )
        self.themes[row.slug] = row

    def campaign(self, record: dict[str, Any], where: str) -> None:
        theme = None
        if record["theme"] is not None:
            theme = self.themes.get(record["theme"])
            if theme is None:
                raise FixtureError(f"{where} theme: unknown theme {record['theme']!r}")
        row = self._upsert(
            self.campaigns.get(record["slug"]),
            record,
            campaign_record,
            lambda: Campaign(slug=record["slug"]),
            lambda row: fill_campaign(row, record, theme),
        )
        self.campaigns[row.slug] = row

    def _campaign_for(self, record: dict[str, Any], where: str) -> Campaign:
        campaign = self.campaigns.get(record["campaign"])
        if campaign is None:
            raise FixtureError(f"{where} campaign: unknown campaign {record['campaign']!r}")
        return campaign

    def message(self, record: dict[str, Any], where: str) -> None:
        campaign = self._campaign_for(record, where)
        self._upsert(
            self.session.get(Message, record["id"]),
            record,
            message_record,
            lambda: Message(id=record["id"]),
            lambda row: fill_message(row, record, campaign),
        )

    def resource(self, record: dict[str, Any], where: str) -> None:
        campaign = self._campaign_for(record, where)
        self._upsert(
            self.session.get(Resource, record["id"]),
            record,
            resource_record,
            lambda: Resource(id=record["id"]),
            lambda row: fill_resource(row, record, campaign),
        )


def load(session: Session, directory: Path) -> dict[str, int]:
    """Load a fixture directory; return how many items of each type changed."""
    if not directory.is_dir():
        raise FixtureError(f"{directory}: not a directory")
    records = {
        "themes": _read(directory, "themes", ThemeFixtureSchema()),
        "campaigns": _read(directory, "campaigns", CampaignFixtureSchema()),
        "messages": _read(directory, "messages", MessageFixtureSchema()),
        "resources": _read(directory, "resources", ResourceFixtureSchema()),
    }
    if not any(records.values()):
        raise FixtureError(
            f"{directory}: no fixture files ({', '.join(f + '.json' for f in FILES)})"
        )
    for name, key in (
        ("themes", "slug"),
        ("campaigns", "slug"),
        ("messages", "id"),
        ("resources", "id"),
    ):
        seen: set[Any] = set()
        for index, record in enumerate(records[name]):
            if record[key] in seen:
                raise FixtureError(
                    f"{directory / name}.json[{index}] {key}: duplicate {record[key]!r}"
                )
            seen.add(record[key])

    loader = _Loader(session)
    counts = {}
    for record in records["themes"]:
        loader.theme(record)
    counts["themes"] = loader.changed
    for index, record in enumerate(records["campaigns"]):
        loader.campaign(record, f"{directory / 'campaigns'}.json[{index}]")
    counts["campaigns"] = loader.changed - counts["themes"]
    session.flush()
    before = loader.changed
    for index, record in enumerate(records["messages"]):
        loader.message(record, f"{directory / 'messages'}.json[{index}]")
    counts["messages"] = loader.changed - before
    before = loader.changed
    for index, record in enumerate(records["resources"]):
        loader.resource(record, f"{directory / 'resources'}.json[{index}]")
    counts["resources"] = loader.changed - before
    session.flush()
    if loader.changed:
        _reset_sequences(session)
        queries.bump_generation(session)
    return counts


def _reset_sequences(session: Session) -> None:
    # Explicit ids bypass PostgreSQL's sequences; move them past the maximum
    # so the next API-created item does not collide.
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("themes", "campaigns", "messages", "resources"):
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )


def dump(session: Session, directory: Path) -> dict[str, int]:
    """Write every item, drafts included, as fixture files in ``directory``.

    The folder is created if need be, but not its parent: a missing parent
    is a typo more often than a wish.
    """
    if not directory.parent.is_dir():
        raise FixtureError(f"{directory}: the folder {str(directory.parent)!r} does not exist")
    data = everything(session)
    directory.mkdir(exist_ok=True)
    for name, items in data.items():
        (directory / f"{name}.json").write_text(_json(items), encoding="utf-8")
    return {name: len(items) for name, items in data.items()}


def _json(items: Any) -> str:
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def dumps(session: Session) -> str:
    """Every item as one JSON document: ``{"themes": [...], "campaigns": [...], ...}``."""
    return _json(everything(session))


def everything(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every item, drafts included, as fixture records by file name."""
    return {
        "themes": [theme_record(r) for r in session.scalars(select(Theme).order_by(Theme.slug))],
        "campaigns": [
            campaign_record(r) for r in session.scalars(select(Campaign).order_by(Campaign.slug))
        ],
        "messages": [
            message_record(r) for r in session.scalars(select(Message).order_by(Message.id))
        ],
        "resources": [
            resource_record(r) for r in session.scalars(select(Resource).order_by(Resource.id))
        ],
    }
