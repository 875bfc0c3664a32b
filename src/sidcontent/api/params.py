"""Query parameters: one schema per list, strict about what it accepts.

Unknown parameters, repeated parameters and malformed values are all 400
problems that name the parameter: a typo in a filter must not silently
return everything.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import request
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser, abort

from sidcontent.content.models import AUDIENCES, MESSAGE_KINDS, RESOURCE_TYPES, STATUSES
from sidcontent.content.schemas import SLUG_RE, TAG_RE, FullMatch, LocaleTag, Text

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_Q = 200


class StrictParser(FlaskParser):
    """webargs' parser, refusing repeated query parameters and answering 400.

    A query string parses to the same arguments every time (the query
    schemas read nothing else), and apps send the same few again and again,
    so successful parses are remembered by schema and raw query string: a
    fifth of an uncached detail read was webargs and marshmallow. Errors are
    never remembered; each bad request is parsed, and answered, anew.
    """

    DEFAULT_VALIDATION_STATUS = 400
    # webargs ignores unknown query parameters by default; a misspelt filter
    # would then silently return everything.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE}
    PARSED_QUERIES_KEPT = 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._parsed = functools.lru_cache(maxsize=self.PARSED_QUERIES_KEPT)(self._parse_query)

    def parse(self, argmap: Any, req: Any = None, **options: Any) -> Any:
        rememberable = (
            options.get("location") in ("query", "querystring")
            and isinstance(argmap, Schema)
            and options.get("validate") is None
            and options.get("error_headers") is None
        )
        if not rememberable:
            return super().parse(argmap, req, **options)
        environ = (req if req is not None else request).environ
        rest = tuple(
            sorted((k, v) for k, v in options.items() if k not in ("validate", "error_headers"))
        )
        parsed = self._parsed(argmap, rest, environ.get("QUERY_STRING", ""))
        # A copy: views pop from their arguments.
        return {k: list(v) if isinstance(v, list) else v for k, v in parsed.items()}

    def _parse_query(
        self, argmap: Schema, options: tuple[tuple[str, Any], ...], _query: str
    ) -> Any:
        # Runs in the request whose query string is ``_query`` (the cache key).
        return super().parse(argmap, request, **dict(options))

    def load_querystring(self, req: Any, schema: Schema) -> Any:
        repeated = sorted(k for k in req.args if len(req.args.getlist(k)) > 1)
        list_fields = {n for n, f in schema.fields.items() if isinstance(f, fields.List)}
        repeated = [k for k in repeated if k not in list_fields]
        if repeated:
            errors = {
                k: [f"Given {len(req.args.getlist(k))} times; give it once."] for k in repeated
            }
            abort(400, messages={"query": errors})
        return super().load_querystring(req, schema)

    def handle_error(
        self,
        error: ValidationError,
        req: Any,
        schema: Schema,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> Any:
        # A bad query parameter is a bad request (400); a body that parses
        # but breaks the rules is unprocessable content (422).
        messages = error.messages if isinstance(error.messages, dict) else {}
        status = error_status_code or (422 if "json" in messages else 400)
        super().handle_error(
            error, req, schema, error_status_code=status, error_headers=error_headers
        )


def _slug_field(description: str) -> fields.String:
    return fields.String(
        validate=[validate.Length(max=80), FullMatch(SLUG_RE, error="Not a valid slug.")],
        metadata={"description": description},
    )


class StrictArgs(Schema):
    """Query parameters: an unknown one is a 400, never silently ignored."""

    class Meta:
        unknown = RAISE


class ReadArgs(StrictArgs):
    """Parameters every read accepts."""

    locale = LocaleTag(
        metadata={
            "description": "Preferred locale (BCP 47). Overrides Accept-Language. "
            "Falls back fr-BE -> fr -> the campaign's default locale.",
            "example": "fr-BE",
        }
    )
    preview = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Include drafts, scheduled and archived items (needs a token, "
            "any role). Responses to a token are Cache-Control: private."
        },
    )


class PageArgs(StrictArgs):
    """Keyset paging: every list accepts these."""

    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Items per page, 1-{MAX_LIMIT}."},
    )
    cursor = fields.String(
        validate=validate.Length(min=1, max=512),
        metadata={
            "description": "Opaque cursor from a previous page's meta.next_cursor, "
            "used with the same filters. Any other value is a 400.",
            "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
        },
    )


class ListArgs(ReadArgs, PageArgs):
    q = Text(
        validate=validate.Length(min=1, max=MAX_Q),
        metadata={"description": "Case-insensitive text search in the texts of every locale."},
    )
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "Only items with this status (drafts need a preview token)."},
    )
    updated_since = fields.AwareDateTime(
        metadata={"description": "Only items changed at or after this instant (RFC 3339)."}
    )


class ThemeListArgs(ListArgs):
    pass


class CampaignListArgs(ListArgs):
    theme = _slug_field("Only campaigns with this theme (slug).")
    year = fields.Integer(
        validate=validate.Range(min=2004, max=2100),
        metadata={"description": "Only campaigns whose day falls in this year."},
    )


class _CampaignScopedArgs(ListArgs):
    campaign = _slug_field("Only items of this campaign (slug).")
    theme = _slug_field("Only items whose campaign has this theme (slug).")
    audience = fields.String(validate=validate.OneOf(AUDIENCES))
    tag = fields.String(
        validate=[validate.Length(max=64), FullMatch(TAG_RE, error="Not a valid tag.")]
    )


class MessageListArgs(_CampaignScopedArgs):
    kind = fields.String(validate=validate.OneOf(MESSAGE_KINDS))


class ResourceListArgs(_CampaignScopedArgs):
    type = fields.String(validate=validate.OneOf(RESOURCE_TYPES))


class DetailArgs(ReadArgs):
    pass
