"""What every content read shares: envelopes, cursors, locales, caching."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from flask import current_app, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields

from sidcontent.api import caching
from sidcontent.api.auth import current_principal, unauthorized
from sidcontent.api.errors import ApiError
from sidcontent.api.negotiation import requested_locales
from sidcontent.content import cursors, rendering


class MetaSchema(Schema):
    limit = fields.Integer(metadata={"example": 20})
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as ?cursor= for the next page."}
    )


# Cached: a view and its writes share one envelope class, hence one name in
# the OpenAPI components.
@functools.cache
def list_envelope(item: type[Schema]) -> type[Schema]:
    return Schema.from_dict(
        {"data": fields.List(fields.Nested(item)), "meta": fields.Nested(MetaSchema)},
        name=f"{item.__name__.removesuffix('Schema')}ListSchema",
    )


@functools.cache
def item_envelope(item: type[Schema]) -> type[Schema]:
    return Schema.from_dict(
        {"data": fields.Nested(item)},
        name=f"{item.__name__.removesuffix('Schema')}ItemSchema",
    )


def cache_key(requested: Sequence[str], preview: bool) -> tuple[Any, ...]:
    return (request.path, tuple(sorted(request.args.items(multi=True))), tuple(requested), preview)


def visibility(args: dict[str, Any]) -> tuple[bool, bool]:
    """Pop ``preview`` from ``args``; return (preview, private).

    Any valid token (marketer and up) may preview drafts. Anonymous callers
    asking for a preview get a 401 challenge, which says nothing about what
    exists. A response to a token is private: shared caches must not keep it.
    """
    preview = bool(args.pop("preview", False))
    principal = current_principal()
    if preview and principal is None:
        raise unauthorized("Previews need a token (marketer or above).", invalid=False)
    return preview, principal is not None


def content_language(items: Sequence[dict[str, Any]]) -> dict[str, str]:
    return locale_header([item["locale"] for item in items])


def _newest(items: Sequence[Any]) -> datetime | None:
    return max((item.updated_at for item in items), default=None)


def _fingerprint(filters: dict[str, Any] | None) -> dict[str, Any]:
    # A cursor belongs to one list and one set of filters; limit and locale
    # may change between pages.
    return {"path": request.path, "filters": filters or {}}


def cursor_position(cursor: str | None, key: str, filters: dict[str, Any] | None = None) -> Any:
    """The position a cursor holds, if this server issued it for this list
    and these filters; otherwise a 400 naming ``cursor``."""
    if cursor is None:
        return None
    try:
        position = cursors.decode(cursor, _fingerprint(filters), current_app.config["SECRET_KEY"])
    except cursors.CursorError as exc:
        raise ApiError(400, str(exc), errors={"cursor": [str(exc)]}) from None
    value = position.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ApiError(400, "The cursor is malformed.", errors={"cursor": ["Malformed."]})
    return value


def next_page(value: int, key: str, filters: dict[str, Any] | None = None) -> str:
    """A cursor for the page after the one ending at ``value``."""
    return cursors.encode({key: value}, _fingerprint(filters), current_app.config["SECRET_KEY"])


def next_link(cursor: str) -> str:
    """A ``Link`` header for the next page: this request with ``cursor`` replaced."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    params.append(("cursor", cursor))
    return f'<{request.path}?{urlencode(params)}>; rel="next"'


def locale_header(served: Sequence[str]) -> dict[str, str]:
    """Content-Language: every locale served, in order of first appearance."""
    unique = list(dict.fromkeys(served))
    return {"Content-Language": ", ".join(unique)} if unique else {}


def list_response(args: dict[str, Any], kind: rendering.Kind) -> ResponseReturnValue:
    """A page of ``kind``, rendered from rows and fragments (no ORM, no marshmallow)."""
    args = dict(args)
    preview, private = visibility(args)
    limit: int = args.pop("limit")
    cursor: str | None = args.pop("cursor", None)
    requested = requested_locales(args.pop("locale", None))
    filters = args
    after = cursor_position(cursor, "id", filters)

    def build(now: datetime) -> caching.Rendered:
        renderer = caching.renderer(requested, now)
        page = rendering.list_rows(renderer.connection, kind, filters, after, limit, now, preview)
        fragments = renderer.render(kind, page.items)
        next_cursor = None
        headers = locale_header([f.locale for f in fragments])
        if page.has_more:
            next_cursor = next_page(page.items[-1].id, "id", filters)
            headers["Link"] = next_link(next_cursor)
        meta = orjson.dumps({"limit": limit, "next_cursor": next_cursor})
        body = b'{"data":' + rendering.join(fragments) + b',"meta":' + meta + b"}"
        return caching.Rendered(None, _newest(page.items), headers, body=body)

    return caching.respond(cache_key(requested, preview), build, private=private)


def render_detail(
    row: Any,
    represent: Callable[[Any, Sequence[str], datetime], dict[str, Any]],
    schema: type[Schema],
    requested: Sequence[str],
    now: datetime,
) -> caching.Rendered:
    """One item as its detail GET sends it; writes answer with the same bytes."""
    item = represent(row, requested, now)
    return caching.Rendered(
        {"data": schema().dump(item)},
        row.updated_at,
        content_language([item]),
        version=row.revision,
    )


def detail_response(
    args: dict[str, Any], kind: rendering.Kind, key: int | str | None, *, not_found: str
) -> ResponseReturnValue:
    """One item of ``kind`` by id or slug (None: a key that cannot exist, 404)."""
    args = dict(args)
    preview, private = visibility(args)
    requested = requested_locales(args.get("locale"))

    def build(now: datetime) -> caching.Rendered:
        renderer = caching.renderer(requested, now)
        row = None
        if key is not None:
            row = rendering.detail_row(renderer.connection, kind, key, now, preview)
        fragments = renderer.render(kind, [row]) if row is not None else []
        if row is None or not fragments:
            raise ApiError(404, not_found)
        fragment = fragments[0]
        return caching.Rendered(
            None,
            row.updated_at,
            locale_header([fragment.locale]),
            version=row.revision,
            body=b'{"data":' + fragment.body + b"}",
        )

    return caching.respond(cache_key(requested, preview), build, private=private)
