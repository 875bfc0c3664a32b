"""What exporters see and return, and running an export.

Exporters see only a :class:`ContentBundle`: frozen dataclasses of one
campaign's content in one resolved locale. They never see the database, the
ORM or Flask, so a plugin can be tested with a hand-built bundle and cannot
change stored content.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from marshmallow import Schema

# --- the content an exporter receives ---------------------------------------


@dataclass(frozen=True)
class Palette:
    primary: str
    secondary: str
    accent: str
    background: str
    text: str


@dataclass(frozen=True)
class Theme:
    slug: str
    name: str
    description: str | None
    palette: Palette
    locale: str


@dataclass(frozen=True)
class Campaign:
    slug: str
    name: str
    tagline: str | None
    description: str | None
    day: date
    edition: int | None
    url: str | None
    hashtags: tuple[str, ...]
    default_locale: str
    locale: str


@dataclass(frozen=True)
class Message:
    id: int
    audience: str
    kind: str
    headline: str
    body: str | None
    call_to_action: str | None
    link: str | None
    hashtags: tuple[str, ...]
    tags: tuple[str, ...]
    locale: str


@dataclass(frozen=True)
class Resource:
    id: int
    type: str
    title: str
    description: str | None
    url: str
    audiences: tuple[str, ...]
    starts_at: datetime | None
    ends_at: datetime | None
    tags: tuple[str, ...]
    locale: str


@dataclass(frozen=True)
class ContentBundle:
    """One campaign's content in one locale, as exporters receive it.

    ``locale`` is the locale asked for; each item's own ``locale`` says which
    one its text is actually in (after fallback). ``revision`` identifies
    this exact content, so identical exports can be reused.
    """

    campaign: Campaign
    theme: Theme | None
    messages: tuple[Message, ...]
    resources: tuple[Resource, ...]
    locale: str
    revision: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any], revision: str = "") -> ContentBundle:
        """Build a bundle from ``GET /campaigns/{slug}/bundle``'s ``data``.

        Accepts the JSON form (ISO strings) or the in-process form (dates).
        """
        c = data["campaign"]
        t = data.get("theme")
        return cls(
            campaign=Campaign(
                slug=c["slug"],
                name=c["name"],
                tagline=c.get("tagline"),
                description=c.get("description"),
                day=_date(c["day"]),
                edition=c.get("edition"),
                url=c.get("url"),
                hashtags=tuple(c.get("hashtags", ())),
                default_locale=c.get("default_locale", "en"),
                locale=c["locale"],
            ),
            theme=Theme(
                slug=t["slug"],
                name=t["name"],
                description=t.get("description"),
                palette=Palette(**t["palette"]),
                locale=t["locale"],
            )
            if t
            else None,
            messages=tuple(
                Message(
                    id=m["id"],
                    audience=m["audience"],
                    kind=m["kind"],
                    headline=m["headline"],
                    body=m.get("body"),
                    call_to_action=m.get("call_to_action"),
                    link=m.get("link"),
                    hashtags=tuple(m.get("hashtags", ())),
                    tags=tuple(m.get("tags", ())),
                    locale=m["locale"],
                )
                for m in data.get("messages", ())
            ),
            resources=tuple(
                Resource(
                    id=r["id"],
                    type=r["type"],
                    title=r["title"],
                    description=r.get("description"),
                    url=r["url"],
                    audiences=tuple(r.get("audiences", ())),
                    starts_at=_datetime(r.get("starts_at")),
                    ends_at=_datetime(r.get("ends_at")),
                    tags=tuple(r.get("tags", ())),
                    locale=r["locale"],
                )
                for r in data.get("resources", ())
            ),
            locale=data.get("locale", c["locale"]),
            revision=revision,
        )


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- what an exporter returns ------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    """An export's result: one file."""

    filename: str
    media_type: str
    content: bytes
    metadata: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportContext:
    """What the host tells an exporter besides the content and options."""

    media_type: str
    social_platforms: Mapping[str, SocialPlatform] = field(default_factory=dict)


class ExportError(Exception):
    """Raised by an exporter for a problem with the request or content.

    The host answers 422 with ``message``; ``field`` names the option or
    content field at fault (e.g. ``"headline"``).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- what plugins register ----------------------------------------------------


class Exporter(abc.ABC):
    """Base class for exporters; register instances via ``register_exporters``."""

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    media_types: ClassVar[tuple[str, ...]]
    options_schema: ClassVar[type[Schema]]

    @abc.abstractmethod
    def export(
        self, bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext
    ) -> Artifact:
        """Turn the bundle into one artifact of ``context.media_type``."""


class SocialPlatform(abc.ABC):
    """Base class for social networks; register via ``register_social_platforms``."""

    name: ClassVar[str]
    title: ClassVar[str]
    limit: ClassVar[int]
    alt_text_limit: ClassVar[int | None] = None

    @abc.abstractmethod
    def count(self, text: str) -> int:
        """Length of ``text`` as the network counts it against ``limit``."""


@dataclass(frozen=True)
class ExportRecord:
    """A finished export, as ``export_finished`` and ``/exports`` see it."""

    id: str
    exporter: str
    plugin: str
    plugin_version: str | None
    campaign: str
    locale: str
    media_type: str
    options: Mapping[str, Any]
    content_revision: str
    status: str  # "succeeded" or "failed"
    error: str | None
    created_at: datetime
    duration_ms: float | None
    artifact: Mapping[str, Any] | None
    warnings: tuple[str, ...] = ()
