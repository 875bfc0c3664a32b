"""What every content read shares: envelopes, cursors, locales, caching."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields
from sqlalchemy.orm import Session

from sidcontent.api import caching
from sidcontent.api.errors import ApiError
from sidcontent.api.negotiation import requested_locales
from sidcontent.content import cursors
from sidcontent.content.queries import Page


class MetaSchema(Schema):
    limit = fields.Integer(metadata={"example": 20})
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as ?cursor= for the next page."}
    )


def list_envelope(item: type[Schema]) -> type[Schema]:
    return Schema.from_dict(
        {"data": fields.List(fields.Nested(item)), "meta": fields.Nested(MetaSchema)},
        name=f"{item.__name__.removesuffix('Schema')}ListSchema",
    )


def item_envelope(item: type[Schema]) -> type[Schema]:
    return Schema.from_dict(
        {"data": fields.Nested(item)},
        name=f"{item.__name__.removesuffix('Schema')}ItemSchema",
    )


def cache_key(requested: Sequence[str], preview: bool) -> tuple[Any, ...]:
    return (request.path, tuple(sorted(request.args.items(multi=True))), tuple(requested), preview)


def content_language(items: Sequence[dict[str, Any]]) -> dict[str, str]:
    served = list(dict.fromkeys(item["locale"] for item in items))
    return {"Content-Language": ", ".join(served)} if served else {}


def _newest(items: Sequence[Any]) -> datetime | None:
    return max((item.updated_at for item in items), default=None)


def list_response(
    args: dict[str, Any],
    query: Callable[..., Page[Any]],
    represent: Callable[[Any, Sequence[str]], dict[str, Any]],
    schema: type[Schema],
    *,
    preview: bool = False,
) -> ResponseReturnValue:
    args = dict(args)
    limit: int = args.pop("limit")
    cursor: str | None = args.pop("cursor", None)
    requested = requested_locales(args.pop("locale", None))
    filters = args
    fingerprint = {"path": request.path, "filters": filters}
    secret = current_app.config["SECRET_KEY"]
    after = None
    if cursor is not None:
        try:
            position = cursors.decode(cursor, fingerprint, secret)
        except cursors.CursorError as exc:
            raise ApiError(400, str(exc), errors={"cursor": [str(exc)]}) from None
        after = position.get("id")
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ApiError(400, "The cursor is malformed.", errors={"cursor": ["Malformed."]})

    def build(session: Session, now: datetime) -> caching.Rendered:
        dumper = schema(many=True)  # built on a miss only: a schema costs ~0.5 ms
        page = query(session, filters, after, limit, now, preview)
        items = [represent(row, requested) for row in page.items]
        next_cursor = None
        headers = content_language(items)
        if page.has_more:
            next_cursor = cursors.encode({"id": page.items[-1].id}, fingerprint, secret)
            params = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
            params.append(("cursor", next_cursor))
            headers["Link"] = f'<{request.path}?{urlencode(params)}>; rel="next"'
        payload = {"data": dumper.dump(items), "meta": {"limit": limit, "next_cursor": next_cursor}}
        return caching.Rendered(payload, _newest(page.items), headers)

    return caching.respond(cache_key(requested, preview), build, private=preview)


def detail_response(
    args: dict[str, Any],
    fetch: Callable[[Session, datetime], Any],
    represent: Callable[[Any, Sequence[str]], dict[str, Any]],
    schema: type[Schema],
    *,
    not_found: str,
    preview: bool = False,
) -> ResponseReturnValue:
    requested = requested_locales(args.get("locale"))

    def build(session: Session, now: datetime) -> caching.Rendered:
        dumper = schema()
        row = fetch(session, now)
        if row is None:
            raise ApiError(404, not_found)
        item = represent(row, requested)
        return caching.Rendered(
            {"data": dumper.dump(item)}, row.updated_at, content_language([item])
        )

    return caching.respond(cache_key(requested, preview), build, private=preview)
