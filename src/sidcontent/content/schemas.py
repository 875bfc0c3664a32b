"""Marshmallow schemas for content: what is read, written and loaded.

The same schemas validate API bodies and fixture files and document the
HTTP contract (``openapi.yaml`` is generated from them), so a rule lives in
exactly one place.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from sidcontent.content import locales
from sidcontent.content.models import AUDIENCES, MESSAGE_KINDS, RESOURCE_TYPES, STATUSES
from sidcontent.content.validators import FullMatch as FullMatch

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEX_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
HASHTAG_RE = re.compile(r"^[^\W_]\w*$")
TAG_RE = SLUG_RE
PALETTE_KEYS = ("primary", "secondary", "accent", "background", "text")

# Every pattern here is matched whole (see content/validators.py).

# Multi-line text (bodies, descriptions) may hold tab and line breaks;
# nothing else from C0, DEL or C1. NUL in particular PostgreSQL refuses.
_BAD_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# One-line text (names, headlines, tags...) refuses every control character
# and the Unicode line and paragraph separators.
_BAD_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_text(value: str, *, multiline: bool = True) -> str:
    """Reject control characters and lone surrogates; return the NFC form."""
    if (_BAD_CONTROLS if multiline else _BAD_IN_LINE).search(value):
        if not multiline and ("\n" in value or "\r" in value):
            raise ValidationError("Line breaks are not allowed here.")
        raise ValidationError("Control characters are not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Lone surrogates are not allowed.") from None
    return unicodedata.normalize("NFC", value)


class Text(fields.String):
    """Plain text that may span lines: no other control characters, NFC-normalised."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return check_text(super()._deserialize(value, attr, data, **kwargs))


class Line(fields.String):
    """Text on one line: no control characters at all (not even tab), NFC."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return check_text(super()._deserialize(value, attr, data, **kwargs), multiline=False)


class Slug(Line):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            validate=[
                validate.Length(min=1, max=80),
                FullMatch(SLUG_RE, error="Use lowercase letters, digits and hyphens."),
            ],
            metadata={"pattern": SLUG_RE.pattern, "example": "sid-2017"},
            **kwargs,
        )


MAX_URL_LENGTH = 2048


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host, no credentials, nothing invisible.

    Parsed, not pattern-matched: a URL that passes must also be one that
    every exporter and browser reads the same way.
    """
    if len(value) > MAX_URL_LENGTH:
        raise ValidationError(f"Longer than maximum length {MAX_URL_LENGTH}.")
    if any(ch <= " " or "\x7f" <= ch <= "\x9f" for ch in value):
        raise ValidationError("A URL may not contain spaces or control characters.")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a malformed port
    except ValueError:
        raise ValidationError("Not a valid URL.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError("Only http and https URLs are allowed.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError("A URL may not carry a user name or password.")
    if not parts.hostname or port == 0:
        raise ValidationError("A URL needs a host.")
    return value


class HttpUrl(fields.Url):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            schemes={"http", "https"},
            require_tld=False,
            validate=validate.Length(max=MAX_URL_LENGTH),
            metadata={
                "format": "uri",
                "example": "https://www.saferinternetday.org/",
            },
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str):
            check_url(value)
        text: str = super()._deserialize(value, attr, data, **kwargs)
        return check_text(text, multiline=False)


class LocaleTag(Line):
    """A BCP 47 language tag, stored in its canonical form."""

    def __init__(self, **kwargs: Any) -> None:
        # The same pattern wherever a locale is accepted (reads, writes, exports).
        kwargs["metadata"] = {
            "example": "fr-BE",
            "maxLength": locales.MAX_TAG_LENGTH,
            "pattern": locales.TAG_PATTERN,
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return locales.normalize(text)
        except locales.LocaleError as exc:
            raise ValidationError(str(exc)) from None


def hashtag_list() -> fields.List[Any]:
    return fields.List(
        Line(
            validate=[
                validate.Length(min=1, max=100),
                FullMatch(HASHTAG_RE, error="A hashtag is letters, digits and _, no '#'."),
            ]
        ),
        validate=validate.Length(max=30),
        load_default=list,
    )


def tag_list() -> fields.List[Any]:
    return fields.List(
        Line(
            validate=[
                validate.Length(min=1, max=64),
                FullMatch(TAG_RE, error="Use lowercase letters, digits and hyphens."),
            ]
        ),
        validate=validate.Length(max=30),
        load_default=list,
    )


def _unique(values: list[Any], field: str) -> None:
    if len({str(v).lower() for v in values}) != len(values):
        raise ValidationError({field: ["Values must be unique."]})


# --- translations ---------------------------------------------------------


class ThemeTranslationSchema(Schema):
    name = Line(required=True, validate=validate.Length(min=1, max=120))
    description = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class CampaignTranslationSchema(Schema):
    name = Line(required=True, validate=validate.Length(min=1, max=120))
    tagline = Line(load_default=None, allow_none=True, validate=validate.Length(max=200))
    description = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class MessageTranslationSchema(Schema):
    headline = Line(required=True, validate=validate.Length(min=1, max=120))
    body = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    call_to_action = Line(load_default=None, allow_none=True, validate=validate.Length(max=80))


class ResourceTranslationSchema(Schema):
    title = Line(required=True, validate=validate.Length(min=1, max=200))
    description = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class PropertyCount(validate.Validator):
    """How many members an object (a map) may have.

    Not ``validate.Length``: apispec would publish that as minLength and
    maxLength, which JSON Schema ignores on objects. Publish the bounds as
    minProperties and maxProperties in the field's metadata instead.
    """

    def __init__(self, min: int = 0, max: int | None = None) -> None:
        self.min_count, self.max_count = min, max

    def __call__(self, value: Any) -> Any:
        count = len(value)
        if count < self.min_count:
            raise ValidationError(f"Give at least {self.min_count}.")
        if self.max_count is not None and count > self.max_count:
            raise ValidationError(f"Give at most {self.max_count}.")
        return value


def same_locale(keys: Any) -> dict[str, list[str]]:
    """Keys that name one locale once canonicalised: ``{"en": ["en", "EN"]}``."""
    spellings: dict[str, list[str]] = {}
    for key in keys:
        if isinstance(key, str):
            try:
                spellings.setdefault(locales.normalize(key), []).append(key)
            except locales.LocaleError:
                continue  # reported as a malformed key by the key field
    return {tag: names for tag, names in spellings.items() if len(names) > 1}


def duplicate_errors(keys: Any) -> dict[str, list[str]]:
    """Field errors for keys naming the same locale, each naming the others."""
    return {
        names[-1]: [f"{' and '.join(repr(n) for n in names)} are the same locale {tag!r}."]
        for tag, names in same_locale(keys).items()
    }


class Translations(fields.Dict):
    """Texts per locale. Keys are canonicalised; two keys naming one locale
    (``en`` and ``EN``) are refused, never silently merged."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, dict):
            clashes = duplicate_errors(value)
            if clashes:
                raise ValidationError(clashes)
        # marshmallow's Mapping._deserialize carries no annotations.
        return super()._deserialize(value, attr, data, **kwargs)  # type: ignore[no-untyped-call]


def translations(schema: type[Schema]) -> fields.Dict:
    return Translations(
        keys=LocaleTag(),
        values=fields.Nested(schema),
        required=True,
        validate=PropertyCount(min=1, max=200),
        metadata={
            "description": "Texts per BCP 47 locale.",
            "minProperties": 1,
            "maxProperties": 200,
        },
    )


class PaletteSchema(Schema):
    primary = Line(required=True, validate=FullMatch(HEX_RE, error="Use #RRGGBB."))
    secondary = Line(required=True, validate=FullMatch(HEX_RE, error="Use #RRGGBB."))
    accent = Line(required=True, validate=FullMatch(HEX_RE, error="Use #RRGGBB."))
    background = Line(required=True, validate=FullMatch(HEX_RE, error="Use #RRGGBB."))
    text = Line(required=True, validate=FullMatch(HEX_RE, error="Use #RRGGBB."))


# --- writes: what an editor (or a fixture file) supplies -------------------


class ThemeWriteSchema(Schema):
    slug = Slug(required=True)
    default_locale = LocaleTag(load_default="en")
    palette = fields.Nested(PaletteSchema, required=True)
    translations = translations(ThemeTranslationSchema)


class CampaignWriteSchema(Schema):
    slug = Slug(required=True)
    default_locale = LocaleTag(load_default="en")
    theme = Slug(load_default=None, allow_none=True)
    day = fields.Date(required=True)
    edition = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=1000)
    )
    url = HttpUrl(load_default=None, allow_none=True)
    hashtags = hashtag_list()
    translations = translations(CampaignTranslationSchema)

    @validates_schema
    def _hashtags_unique(self, data: dict[str, Any], **_: Any) -> None:
        _unique(data.get("hashtags", []), "hashtags")


class MessageWriteSchema(Schema):
    campaign = Slug(required=True)
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    kind = fields.String(required=True, validate=validate.OneOf(MESSAGE_KINDS))
    link = HttpUrl(load_default=None, allow_none=True)
    hashtags = hashtag_list()
    tags = tag_list()
    translations = translations(MessageTranslationSchema)

    @validates_schema
    def _lists_unique(self, data: dict[str, Any], **_: Any) -> None:
        _unique(data.get("hashtags", []), "hashtags")
        _unique(data.get("tags", []), "tags")


class ResourceWriteSchema(Schema):
    campaign = Slug(required=True)
    type = fields.String(required=True, validate=validate.OneOf(RESOURCE_TYPES))
    audiences = fields.List(
        fields.String(validate=validate.OneOf(AUDIENCES)),
        required=True,
        validate=validate.Length(min=1, max=len(AUDIENCES)),
    )
    url = HttpUrl(required=True)
    starts_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    ends_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    tags = tag_list()
    translations = translations(ResourceTranslationSchema)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        _unique(data.get("audiences", []), "audiences")
        _unique(data.get("tags", []), "tags")
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if ends is not None and (starts is None or ends < starts):
            raise ValidationError({"ends_at": ["Must come after starts_at."]})


# --- fixtures: a write plus the bookkeeping a dump must round-trip ---------


class _FixtureMixin(Schema):
    status = fields.String(load_default="draft", validate=validate.OneOf(STATUSES))
    publish_at = fields.AwareDateTime(load_default=None, allow_none=True)
    created_at = fields.AwareDateTime(load_default=None, allow_none=True)
    updated_at = fields.AwareDateTime(load_default=None, allow_none=True)
    revision = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))

    @validates_schema
    def _scheduled_has_time(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("status") == "scheduled" and data.get("publish_at") is None:
            raise ValidationError({"publish_at": ["A scheduled item needs publish_at."]})


class ThemeFixtureSchema(ThemeWriteSchema, _FixtureMixin):
    pass


class CampaignFixtureSchema(CampaignWriteSchema, _FixtureMixin):
    pass


class MessageFixtureSchema(MessageWriteSchema, _FixtureMixin):
    id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class ResourceFixtureSchema(ResourceWriteSchema, _FixtureMixin):
    id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


# --- reads: one item in one resolved locale --------------------------------


class _ReadMixin(Schema):
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={
            "description": "The status now: a scheduled item whose publish_at has passed "
            "is published (and the status filter matches it so)."
        },
    )
    publish_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When it is (or was) scheduled to go live."}
    )
    published_at = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "When a published item went live; null unless published, "
            "and for items published without a recorded time."
        },
    )
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    revision = fields.Integer()
    locale = fields.String(metadata={"description": "The locale these texts are in."})
    available_locales = fields.List(fields.String())


def _lifecycle_last(cls: type[Schema]) -> type[Schema]:
    # Identity and content first, bookkeeping last, for humans reading JSON.
    for name in _ReadMixin._declared_fields:
        cls._declared_fields[name] = cls._declared_fields.pop(name)
    return cls


@_lifecycle_last
class ThemeSchema(_ReadMixin):
    slug = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    palette = fields.Nested(PaletteSchema)
    default_locale = fields.String()


@_lifecycle_last
class CampaignSchema(_ReadMixin):
    slug = fields.String()
    name = fields.String()
    tagline = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    day = fields.Date()
    edition = fields.Integer(allow_none=True)
    url = fields.String(allow_none=True)
    hashtags = fields.List(fields.String())
    theme = fields.String(allow_none=True, metadata={"description": "The theme's slug."})
    default_locale = fields.String()


@_lifecycle_last
class MessageSchema(_ReadMixin):
    id = fields.Integer()
    campaign = fields.String(metadata={"description": "The campaign's slug."})
    audience = fields.String(validate=validate.OneOf(AUDIENCES))
    kind = fields.String(validate=validate.OneOf(MESSAGE_KINDS))
    headline = fields.String()
    body = fields.String(allow_none=True)
    call_to_action = fields.String(allow_none=True)
    link = fields.String(allow_none=True)
    hashtags = fields.List(fields.String())
    tags = fields.List(fields.String())


@_lifecycle_last
class ResourceSchema(_ReadMixin):
    id = fields.Integer()
    campaign = fields.String(metadata={"description": "The campaign's slug."})
    type = fields.String(validate=validate.OneOf(RESOURCE_TYPES))
    title = fields.String()
    description = fields.String(allow_none=True)
    url = fields.String()
    audiences = fields.List(fields.String(validate=validate.OneOf(AUDIENCES)))
    starts_at = fields.AwareDateTime(allow_none=True)
    ends_at = fields.AwareDateTime(allow_none=True)
    tags = fields.List(fields.String())


class BundleSchema(Schema):
    campaign = fields.Nested(CampaignSchema)
    theme = fields.Nested(ThemeSchema, allow_none=True)
    messages = fields.List(fields.Nested(MessageSchema))
    resources = fields.List(fields.Nested(ResourceSchema))
    locale = fields.String()
