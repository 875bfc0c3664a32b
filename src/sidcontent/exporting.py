"""What exporters see and return, and running an export.

Exporters see only a :class:`ContentBundle`: frozen dataclasses of one
campaign's content in one resolved locale. They never see the database, the
ORM or Flask, so a plugin can be tested with a hand-built bundle and cannot
change stored content.
"""

from __future__ import annotations

import abc
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, ClassVar

import orjson
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from sidcontent.content import locales as _locales
from sidcontent.content.validators import FullMatch as FullMatch

# Re-exported: plugins import everything they need from this module.
from sidcontent.plugin_settings import PluginSettings as PluginSettings
from sidcontent.plugin_settings import Setting as Setting
from sidcontent.plugin_settings import SettingError as SettingError

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

    ``locale`` is the campaign's own locale after fallback and
    ``requested_locale`` the one the export was asked for; each item's own
    ``locale`` says which one its text is actually in (compare them with
    :func:`is_translation`). ``revision`` identifies this exact content, so
    identical exports can be reused.
    """

    campaign: Campaign
    theme: Theme | None
    messages: tuple[Message, ...]
    resources: tuple[Resource, ...]
    locale: str
    revision: str = ""
    requested_locale: str | None = None

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
            requested_locale=data.get("requested_locale"),
        )


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- locales -------------------------------------------------------------------


def closest_locale(requested: str, available: Collection[str]) -> str | None:
    """The one of ``available`` a reader of ``requested`` should get, or None.

    The API's own matcher (CLDR language matching): ``zh-TW`` -> ``zh-Hant``,
    ``no`` -> ``nb``, ``pt-BR`` -> ``pt`` then ``pt-PT``; never another script
    (``sr-Latn`` is not given ``sr-Cyrl``) nor another language. Exporters use
    it to pick their own labels, e.g. ``closest_locale(bundle.locale, LABELS)``.
    """
    return _locales.closest((requested,), available)


def is_translation(served: str, requested: str) -> bool:
    """True when text in ``served`` is in the language and script of ``requested``
    (``de`` for ``de-AT``: yes; ``en`` for ``de``: no, a fallback)."""
    return _locales.is_translation(served, requested)


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
    """What the host tells an exporter besides the content and options.

    ``settings``: the exporter's plugin's own settings, typed (see
    ``register_settings``).
    """

    media_type: str
    social_platforms: Mapping[str, SocialPlatform] = field(default_factory=dict)
    settings: PluginSettings = field(default_factory=PluginSettings.empty)


class ExportError(Exception):
    """Raised by an exporter for a problem with the request or content.

    The host answers 422 with ``message``; ``field`` names the option or
    content field at fault (e.g. ``"headline"``). A field that is one of the
    exporter's options is reported under ``errors.options``, like a schema
    error on that option.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- what plugins register ----------------------------------------------------


class Exporter(abc.ABC):
    """Base class for exporters; register instances via ``register_exporters``.

    ``media_types``: the first is the default. ``options_schema``: a
    marshmallow ``Schema`` class; the default takes no options at all.
    ``export`` may also be written ``export(self, bundle, options)`` when it
    needs no context: the host looks once, at registration.

    Every process imports the module that registers an exporter, the ones
    that only serve reads included, and only ``export`` needs more than the
    attributes above: import the libraries it uses inside it (or from a
    module it imports), so they load only where exports run.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    media_types: ClassVar[tuple[str, ...]]
    options_schema: ClassVar[type[Schema]] = Schema

    @abc.abstractmethod
    def export(
        self, bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext
    ) -> Artifact:
        """Turn the bundle into one artifact of ``context.media_type``."""

    def preload(self) -> None:
        """Load now what ``export`` would load on its first call; default: nothing.

        The host calls it once in a process that runs many exports (``sidcontent
        worker``), before it starts taking jobs, never in one that only serves
        reads; the studio calls it in a web process at an editor's first live
        count, since every count is an export run in a forked child. Each export
        runs in a child forked from that process, so what is imported or parsed
        here (libraries, fonts) costs the child nothing. Failing here
        only costs the time saved: the host logs it and ``export`` still runs.
        """
        return None  # optional: most exporters have nothing worth loading early


class SocialPlatform(abc.ABC):
    """Base class for social networks; register via ``register_social_platforms``.

    ``name``, ``title``, ``limit`` and ``count`` are required. The rules
    below default to "no rule"; set the ones your network has. Two optional
    methods go further: ``count_alt_text(text)`` (default: UTF-16 code
    units) and, with ``has_facets``, ``facets(text)`` for rich-text ranges.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    limit: ClassVar[int]
    alt_text_limit: ClassVar[int | None] = None
    #: How ``count`` counts, in words, for people reading the export.
    counting: ClassVar[str] = "as the platform's count() says"
    #: At most this many hashtags a post, those in the text included.
    max_hashtags: ClassVar[int | None] = None
    #: Longer hashtags are left out: the network would not link them.
    max_hashtag_length: ClassVar[int | None] = None
    #: False: links are not clickable, so they go to a "link in bio" line.
    links_clickable: ClassVar[bool] = True
    #: False: long texts are shortened, never split into a thread.
    supports_threads: ClassVar[bool] = True
    #: True: ``facets(text)`` gives rich-text ranges to output with each part.
    has_facets: ClassVar[bool] = False
    #: A second limit, in UTF-8 bytes.
    max_bytes: ClassVar[int | None] = None
    #: True: the exporter's ``limits`` option may raise ``limit`` (per server).
    limit_configurable: ClassVar[bool] = False

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
    requested_locale: str | None = None
    message_ids: tuple[int, ...] | None = None
    resource_ids: tuple[int, ...] | None = None
    error_type: str | None = None  # e.g. "plugin-failed", "timeout", "export-error"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    requested_by: str | None = None
    failed_plugin: str | None = None  # the plugin at fault, when one is


# --- what changed -----------------------------------------------------------------

#: ``loader(campaign, locale)``: a campaign's published bundle, or None.
BundleLoader = Callable[[str, "str | None"], "ContentBundle | None"]


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


@dataclass(frozen=True)
class ContentEvent:
    """A change, as ``content_changed`` hears it: read-only, after the commit.

    ``type`` is ``content.published``, ``content.unpublished``,
    ``content.updated``, ``content.deleted``, ``export.succeeded`` or
    ``export.failed`` (the events webhooks carry); ``data`` is the
    webhook payload's ``data`` (``type``, ``id``, ``campaign``, ``action``,
    ``changed`` ... for content; ``id``, ``exporter``, ``campaign``,
    ``status`` ... for exports), frozen.
    """

    id: str
    type: str
    timestamp: datetime
    data: Mapping[str, Any]
    _bundles: BundleLoader | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, event: Any, bundles: BundleLoader | None = None) -> ContentEvent:
        """A read-only view of the host's event (anything with id, type, timestamp, data)."""
        return cls(
            id=str(event.id),
            type=str(event.type),
            timestamp=event.timestamp,
            data=_frozen(dict(event.data)),
            _bundles=bundles,
        )

    @property
    def campaign(self) -> str | None:
        """The slug of the campaign this event concerns, when it concerns one."""
        if self.type.startswith("content.") and self.data.get("type") == "campaign":
            return str(self.data["id"])
        campaign = self.data.get("campaign")
        return str(campaign) if campaign is not None else None

    def bundle(self, locale: str | None = None) -> ContentBundle | None:
        """The campaign's published content as it is now (what an export would see).

        ``None`` when the event concerns no campaign or the campaign is not
        published (any more). Each call reads the database: call it once.
        """
        if self.campaign is None or self._bundles is None:
            return None
        return self._bundles(self.campaign, locale)


# --- what the host checks ------------------------------------------------------

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|;]+')
MAX_FILENAME_LENGTH = 150


def options_json_schema(schema: type[Schema]) -> dict[str, Any]:
    """An options schema as JSON Schema (2020-12), for ``/exporters``.

    apispec's converter is the one that writes ``openapi.yaml``, so options
    read the same way as the API's own bodies; OpenAPI 3.1 schemas are JSON
    Schema 2020-12.
    """
    # A resolver answering None inlines nested schemas (apispec's stubs say str).
    inline: Any = lambda _schema: None  # noqa: E731
    plugin = MarshmallowPlugin(schema_name_resolver=inline)
    APISpec("options", "1", "3.1.0", plugins=[plugin])
    converted: dict[str, Any] = plugin.converter.schema2jsonschema(schema)  # type: ignore[union-attr]
    return {"$schema": JSON_SCHEMA_DIALECT, **converted}


def safe_filename(name: str, fallback: str = "export") -> str:
    """A download name that cannot climb directories or break a header."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", name).strip(" ._")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot else ""
        name = (stem if dot else name)[: MAX_FILENAME_LENGTH - len(ext) - 1] + (
            "." + ext if ext else ""
        )
    return name or fallback


def base_media_type(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


class ArtifactRejected(Exception):
    """An exporter returned something the host will not store or serve."""

    def __init__(self, message: str, kind: str = "plugin-failed") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


def check_artifact(artifact: Any, exporter: Exporter, media_type: str, max_bytes: int) -> Artifact:
    """The artifact as the host keeps it, or :class:`ArtifactRejected` saying why."""
    if not isinstance(artifact, Artifact):
        raise ArtifactRejected(f"export() returned {type(artifact).__name__}, not an Artifact")
    declared = {base_media_type(m) for m in exporter.media_types}
    got = base_media_type(artifact.media_type) if isinstance(artifact.media_type, str) else None
    if got not in declared:
        raise ArtifactRejected(
            f"export() returned media type {artifact.media_type!r}, which exporter "
            f"{exporter.name!r} does not declare (it declares {', '.join(exporter.media_types)})"
        )
    if got != base_media_type(media_type):
        raise ArtifactRejected(
            f"export() returned {artifact.media_type!r} when asked for {media_type!r}"
        )
    content = artifact.content
    if isinstance(content, (bytearray, memoryview)):
        content = bytes(content)
    if not isinstance(content, bytes):
        raise ArtifactRejected(f"artifact content is {type(content).__name__}, not bytes")
    if len(content) > max_bytes:
        raise ArtifactRejected(
            f"artifact is {len(content):,} bytes, over the limit of {max_bytes:,} "
            "(SIDCONTENT_MAX_ARTIFACT_BYTES)",
            kind="artifact-too-large",
        )
    if not isinstance(artifact.filename, str):
        raise ArtifactRejected(f"artifact filename is {type(artifact.filename).__name__}")
    try:
        metadata = orjson.loads(orjson.dumps(dict(artifact.metadata)))
    except (TypeError, ValueError) as exc:
        raise ArtifactRejected(f"artifact metadata is not JSON: {exc}") from None
    warnings = artifact.warnings
    if not isinstance(warnings, (tuple, list)) or not all(isinstance(w, str) for w in warnings):
        raise ArtifactRejected("artifact warnings must be a tuple of strings")
    return Artifact(
        filename=safe_filename(artifact.filename, f"{exporter.name}-export"),
        media_type=artifact.media_type,
        content=content,
        metadata=metadata,
        warnings=tuple(warnings),
    )
