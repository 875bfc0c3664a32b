"""/api/v1/sync: an initial sync, then deltas with tombstones (Contentful-style).

The domain work is content/sync.py; this module parses parameters, signs
tokens into URLs, checks who may preview and answers through the response
cache (strong ETag, 304), like every other read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from sidcontent.api import caching, context
from sidcontent.api.auth import current_principal, unauthorized
from sidcontent.api.blueprint import Blueprint
from sidcontent.api.errors import ApiError
from sidcontent.api.listing import cache_key, content_language
from sidcontent.api.negotiation import requested_locales
from sidcontent.api.params import ReadArgs
from sidcontent.content import queries, sync
from sidcontent.content.models import utcnow
from sidcontent.content.schemas import (
    SLUG_RE,
    CampaignSchema,
    MessageSchema,
    ResourceSchema,
    ThemeSchema,
)

blp = Blueprint(
    "sync",
    __name__,
    url_prefix="/sync",
    description="Everything once, then only what changed, deletions included.",
)

MAX_SYNC_LIMIT = 500
DEFAULT_SYNC_LIMIT = 100
_DUMPERS: dict[str, Schema] = {
    "theme": ThemeSchema(),
    "campaign": CampaignSchema(),
    "message": MessageSchema(),
    "resource": ResourceSchema(),
}
_FIXED = ("initial", "type", "campaign", "locale", "limit")


class SyncArgs(ReadArgs):
    class Meta:
        unknown = RAISE

    initial = fields.Boolean(
        metadata={"description": "Start a sync: every item in the view, in pages."}
    )
    sync_token = fields.String(
        validate=validate.Length(min=1, max=sync.MAX_TOKEN_LENGTH),
        metadata={
            "description": "From a previous answer's next_page_url or next_sync_url. The "
            "filters of the initial sync are inside it: send no other parameter.",
            "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
        },
    )
    type = fields.String(
        validate=validate.OneOf(sync.TYPES),
        metadata={"description": "Only this content type (initial sync only)."},
    )
    campaign = fields.String(
        validate=[validate.Length(max=80), validate.Regexp(SLUG_RE, error="Not a valid slug.")],
        metadata={
            "description": "Only this campaign, its messages and its resources (initial sync only)."
        },
    )
    limit = fields.Integer(
        validate=validate.Range(min=1, max=MAX_SYNC_LIMIT),
        metadata={
            "description": f"Entries per page, 1-{MAX_SYNC_LIMIT} (default "
            f"{DEFAULT_SYNC_LIMIT}; initial sync only)."
        },
    )


class SyncEntrySchema(Schema):
    type = fields.String(
        metadata={
            "description": "theme, campaign, message or resource for an item; "
            "deleted_theme, deleted_campaign, deleted_message or deleted_resource for a "
            "tombstone (the item left this view: deleted, unpublished, archived, moved "
            "to another campaign). Apply entries in order.",
            "example": "message",
        }
    )
    id = fields.Raw(
        metadata={
            "description": "The item's key: a slug for themes and campaigns, an integer id "
            "for messages and resources.",
            "example": 8,
        }
    )
    item = fields.Dict(
        metadata={
            "description": "The whole item, exactly as its detail GET serves it in the "
            "sync's locale (items only)."
        }
    )
    at = fields.AwareDateTime(metadata={"description": "When it left the view (tombstones)."})


class SyncMetaSchema(Schema):
    limit = fields.Integer()
    next_page_url = fields.String(
        allow_none=True, metadata={"description": "More of this sync: GET it next."}
    )
    next_sync_url = fields.String(
        allow_none=True,
        metadata={
            "description": "Done: keep it, and GET it later for what changed since. "
            "Unchanged content gives the same URL again (and a 304 to If-None-Match)."
        },
    )


SyncPageSchema = Schema.from_dict(
    {"data": fields.List(fields.Nested(SyncEntrySchema)), "meta": fields.Nested(SyncMetaSchema)},
    name="SyncPageSchema",
)


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _url(view: sync.View, position: sync.Position) -> str:
    from sidcontent.api import API_PREFIX

    token = sync.encode_token(view, position, _secret())
    return f"{API_PREFIX}/sync?{urlencode({'sync_token': token})}"


def _entry(entry: sync.Entry) -> dict[str, Any]:
    if entry.item is None:
        assert entry.at is not None
        return {"type": entry.type, "id": entry.id, "at": entry.at}
    return {"type": entry.type, "id": entry.id, "item": _DUMPERS[entry.type].dump(entry.item)}


def _begin(args: dict[str, Any]) -> tuple[sync.View, sync.Position | None]:
    """The view and position a request names (position None: a new sync)."""
    token = args.get("sync_token")
    if token is not None:
        sent = sorted(k for k in (*_FIXED, "preview") if k in request.args)
        if sent:
            raise ApiError(
                400,
                f"A sync token carries its filters; do not send {', '.join(sent)} with it.",
                errors={k: ["Fixed by the sync token."] for k in sent},
            )
        try:
            view, position = sync.decode_token(token, _secret())
        except sync.SyncTokenError as exc:
            raise ApiError(400, str(exc), errors={"sync_token": [str(exc)]}) from None
        if view.preview and current_principal() is None:
            raise unauthorized("This sync previews drafts: send your token.", invalid=False)
        return view, position
    if not args.get("initial"):
        raise ApiError(
            400,
            "Start with ?initial=true, then follow next_page_url and next_sync_url.",
            errors={"initial": ["Give initial=true or a sync_token."]},
        )
    preview = bool(args.get("preview"))
    if preview and current_principal() is None:
        raise unauthorized("Previews need a token (marketer or above).", invalid=False)
    view = sync.View(
        type=args.get("type"),
        campaign=args.get("campaign"),
        locales=tuple(requested_locales(args.get("locale"))),
        limit=int(args.get("limit") or DEFAULT_SYNC_LIMIT),
        preview=preview,
    )
    return view, None


def _prune_if_due(now: datetime) -> None:
    """Drop log entries past the retention (a cheap check when there are none)."""
    days = float(current_app.config["SYNC_RETENTION_DAYS"])
    with context.database().session() as session:
        if sync.prune(session, now, timedelta(days=days)):
            queries.bump_generation(session)  # cached deltas may now be 410s


@blp.route("")
class Sync(MethodView):
    @blp.arguments(SyncArgs(), location="query", as_kwargs=False)
    @blp.response(200, SyncPageSchema)
    @blp.problems(400, 401, 410)
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """Sync: ``?initial=true`` (with optional filters), then follow the URLs.

        Pages carry ``next_page_url`` while more remain and ``next_sync_url``
        at the end; GET the latter later for what changed since: changed
        items whole, and tombstones for what left the view. A token whose
        changes have passed the retention (``SIDCONTENT_SYNC_RETENTION_DAYS``,
        90 by default) is 410 Gone: start again with ``?initial=true``.
        Anonymous callers sync published content; ``preview=true`` with a
        token syncs drafts too (answers are then private).
        """
        view, position = _begin(args)
        private = current_principal() is not None
        now = utcnow()
        if position is not None and not position.initial and position.until_seq is None:
            _prune_if_due(now)

        def build(moment: datetime) -> caching.Rendered:
            session = context.session()
            start = position if position is not None else sync.start(session, moment)
            try:
                result = sync.page(session, view, start, moment)
            except sync.SyncGone:
                raise ApiError(
                    410,
                    "This sync token needs changes older than the retention "
                    f"({current_app.config['SYNC_RETENTION_DAYS']} days); start again with "
                    "?initial=true.",
                ) from None
            entries = [_entry(e) for e in result.entries]
            next_page = _url(view, result.next_page) if result.next_page else None
            next_sync = _url(view, result.next_sync) if result.next_sync else None
            headers = content_language([e.item for e in result.entries if e.item is not None])
            if next_page:
                headers["Link"] = f'<{next_page}>; rel="next"'
            meta = {"limit": view.limit, "next_page_url": next_page, "next_sync_url": next_sync}
            return caching.Rendered({"data": entries, "meta": meta}, None, headers)

        if position is None:
            # A new sync starts at the log's end now: never from the cache.
            rendered = build(now)
            entry = caching.make_entry(0, None, rendered, private=private, max_age=0)
            return caching._conditional(entry)
        return caching.respond(cache_key(view.locales, view.preview), build, private=private)
