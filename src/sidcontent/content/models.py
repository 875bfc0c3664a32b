"""The content store: campaigns, themes, messages and resources.

Translatable text lives in one ``*_translations`` table per type, keyed by
(owner, locale), so adding a locale never changes a schema and a missing
translation is simply a missing row. Filterable many-valued fields (tags,
resource audiences) are rows too, so a filter is an indexed join rather than
a scan over JSON.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Status(enum.StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    published = "published"
    archived = "archived"
    # Removed from delivery and from previews, but kept (with its revisions)
    # so an editor can restore it; see content/editing.py.
    deleted = "deleted"


class Audience(enum.StrEnum):
    ages_3_7 = "ages-3-7"
    ages_7_11 = "ages-7-11"
    ages_11_14 = "ages-11-14"
    ages_14_18 = "ages-14-18"
    parents_carers = "parents-carers"
    educators = "educators"
    general = "general"


class MessageKind(enum.StrEnum):
    key_message = "key-message"
    tip = "tip"
    fact = "fact"
    question = "question"
    pledge = "pledge"


class ResourceType(enum.StrEnum):
    education_pack = "education-pack"
    guide = "guide"
    video = "video"
    webinar = "webinar"
    competition = "competition"
    lesson_plan = "lesson-plan"
    assembly = "assembly"
    poster = "poster"
    quiz = "quiz"
    report = "report"


STATUSES = [s.value for s in Status]
AUDIENCES = [a.value for a in Audience]
MESSAGE_KINDS = [k.value for k in MessageKind]
RESOURCE_TYPES = [t.value for t in ResourceType]

# Stable constraint names so Alembic migrations work the same on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Lifecycle:
    """Columns every content type shares: workflow state and bookkeeping."""

    status: Mapped[str] = mapped_column(String(16), default=Status.draft.value)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    default_locale: Mapped[str] = mapped_column(String(35), default="en")


class Theme(Lifecycle, Base):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    palette: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    translations: Mapped[list[ThemeTranslation]] = relationship(
        back_populates="theme", cascade="all, delete-orphan", order_by="ThemeTranslation.locale"
    )

    __table_args__ = (Index("ix_themes_status_publish_at", "status", "publish_at"),)


class ThemeTranslation(Base):
    __tablename__ = "theme_translations"

    theme_id: Mapped[int] = mapped_column(
        ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(35), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text, default=None)

    theme: Mapped[Theme] = relationship(back_populates="translations")


class Campaign(Lifecycle, Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("themes.id", ondelete="SET NULL"), default=None, index=True
    )
    day: Mapped[date] = mapped_column(Date)
    edition: Mapped[int | None] = mapped_column(Integer, default=None)
    url: Mapped[str | None] = mapped_column(String(2048), default=None)
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)

    theme: Mapped[Theme | None] = relationship()
    translations: Mapped[list[CampaignTranslation]] = relationship(
        back_populates="campaign",
        cascade="all, delete-orphan",
        order_by="CampaignTranslation.locale",
    )

    __table_args__ = (Index("ix_campaigns_status_publish_at", "status", "publish_at"),)


class CampaignTranslation(Base):
    __tablename__ = "campaign_translations"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(35), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    tagline: Mapped[str | None] = mapped_column(String(200), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)

    campaign: Mapped[Campaign] = relationship(back_populates="translations")


class Message(Lifecycle, Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    link: Mapped[str | None] = mapped_column(String(2048), default=None)
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)

    campaign: Mapped[Campaign] = relationship()
    translations: Mapped[list[MessageTranslation]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageTranslation.locale"
    )
    tag_rows: Mapped[list[MessageTag]] = relationship(
        cascade="all, delete-orphan", order_by="MessageTag.position"
    )

    # Every list is ordered by id (keyset); each filter gets a (filter, id)
    # index so a page stays an index range scan however large the table grows.
    __table_args__ = (
        Index("ix_messages_campaign_id_id", "campaign_id", "id"),
        Index("ix_messages_audience_id", "audience", "id"),
        Index("ix_messages_kind_id", "kind", "id"),
        Index("ix_messages_status_publish_at", "status", "publish_at"),
        Index("ix_messages_updated_at_id", "updated_at", "id"),
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class MessageTranslation(Base):
    __tablename__ = "message_translations"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(35), primary_key=True)
    headline: Mapped[str] = mapped_column(String(120))
    body: Mapped[str | None] = mapped_column(Text, default=None)
    call_to_action: Mapped[str | None] = mapped_column(String(80), default=None)

    message: Mapped[Message] = relationship(back_populates="translations")


class MessageTag(Base):
    __tablename__ = "message_tags"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_message_tags_tag_message_id", "tag", "message_id"),)


class Resource(Lifecycle, Base):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(2048))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    campaign: Mapped[Campaign] = relationship()
    translations: Mapped[list[ResourceTranslation]] = relationship(
        back_populates="resource",
        cascade="all, delete-orphan",
        order_by="ResourceTranslation.locale",
    )
    audience_rows: Mapped[list[ResourceAudience]] = relationship(
        cascade="all, delete-orphan", order_by="ResourceAudience.position"
    )
    tag_rows: Mapped[list[ResourceTag]] = relationship(
        cascade="all, delete-orphan", order_by="ResourceTag.position"
    )

    __table_args__ = (
        Index("ix_resources_campaign_id_id", "campaign_id", "id"),
        Index("ix_resources_type_id", "type", "id"),
        Index("ix_resources_status_publish_at", "status", "publish_at"),
        Index("ix_resources_updated_at_id", "updated_at", "id"),
    )

    @property
    def audiences(self) -> list[str]:
        return [row.audience for row in self.audience_rows]

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class ResourceTranslation(Base):
    __tablename__ = "resource_translations"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(35), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)

    resource: Mapped[Resource] = relationship(back_populates="translations")


class ResourceAudience(Base):
    __tablename__ = "resource_audiences"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    audience: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_resource_audiences_audience_resource_id", "audience", "resource_id"),
    )


class ResourceTag(Base):
    __tablename__ = "resource_tags"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_resource_tags_tag_resource_id", "tag", "resource_id"),)


class ContentState(Base):
    """One row whose generation goes up on every content change.

    Response caches compare it to know whether what they hold is still true,
    across processes and servers, with one primary-key read.
    """

    __tablename__ = "content_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


__all__ = [
    "AUDIENCES",
    "Audience",
    "Base",
    "Campaign",
    "CampaignTranslation",
    "ContentState",
    "MESSAGE_KINDS",
    "Message",
    "MessageKind",
    "MessageTag",
    "MessageTranslation",
    "RESOURCE_TYPES",
    "Resource",
    "ResourceAudience",
    "ResourceTag",
    "ResourceTranslation",
    "ResourceType",
    "STATUSES",
    "Status",
    "Theme",
    "ThemeTranslation",
    "utcnow",
]
