"""Writes over HTTP: create, edit, delete, publish, revisions, for every type.

Routes are added to each type's read blueprint, so one path holds its GET
and its writes in the contract. The domain work is content/editing.py; this
module does media types, If-Match, roles and status codes.

ETags: an item's detail GET sends ``"r<revision>-<hash>"``. If-Match is
checked against the revision part (the item's revision column), never by
rendering, and the write itself is a conditional UPDATE on that revision, so
two writers holding the same ETag cannot both win. Every write answers with
the body and ETag a GET of the same item in the same locale returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from flask import Response, request
from flask.views import MethodView
from marshmallow import RAISE, Schema, ValidationError, fields
from sqlalchemy.orm import Session

from sidcontent.api import caching, context
from sidcontent.api.auth import check_role, current_principal, require_role
from sidcontent.api.blueprint import Blueprint
from sidcontent.api.bodies import JSON, json_body
from sidcontent.api.errors import ApiError, problem
from sidcontent.api.listing import (
    MetaSchema,
    cursor_position,
    item_envelope,
    next_link,
    next_page,
    render_detail,
)
from sidcontent.api.negotiation import requested_locales
from sidcontent.api.params import PageArgs
from sidcontent.api.static import json_response
from sidcontent.content import editing, representation
from sidcontent.content.schemas import (
    SLUG_RE,
    CampaignSchema,
    LocaleTag,
    MessageSchema,
    ResourceSchema,
    ThemeSchema,
)
from sidcontent.content.tokens import Role

# The same converter as the read routes: one rule string per path.
ID_CONVERTER = "int(min=1, max=2147483647)"
MERGE_PATCH = "application/merge-patch+json"
_ETAG_RE = re.compile(r"^r([0-9]{1,9})-[0-9a-f]{20}$")

Represent = Callable[[Any, Sequence[str], datetime], dict[str, Any]]

READ: dict[str, tuple[Represent, type[Schema]]] = {
    "themes": (representation.theme, ThemeSchema),
    "campaigns": (representation.campaign, CampaignSchema),
    "messages": (representation.message, MessageSchema),
    "resources": (representation.resource, ResourceSchema),
}


class WriteArgs(Schema):
    """Query parameters of a write: only the locale of the answer."""

    class Meta:
        unknown = RAISE

    locale = LocaleTag(
        metadata={
            "description": "Locale of the item in the response (as for GET).",
            "example": "fr",
        }
    )


class PublishSchema(Schema):
    class Meta:
        unknown = RAISE

    publish_at = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "Schedule: visible from this instant (RFC 3339). Omit or pass a "
            "past instant to publish now."
        },
    )


class RevisionSchema(Schema):
    number = fields.Integer(metadata={"description": "The item's revision after this change."})
    action = fields.String(
        metadata={
            "description": "baseline, create, update, publish, schedule, unpublish, archive, "
            "delete or restore."
        }
    )
    author = fields.String(allow_none=True, metadata={"description": "The token's name."})
    created_at = fields.AwareDateTime()
    changed = fields.List(
        fields.String(), metadata={"description": "Changed fields, e.g. translations.fr.headline."}
    )
    restored_from = fields.Integer(allow_none=True)
    snapshot = fields.Dict(metadata={"description": "The whole item after this change."})


RevisionListSchema = Schema.from_dict(
    {"data": fields.List(fields.Nested(RevisionSchema)), "meta": fields.Nested(MetaSchema)},
    name="RevisionListSchema",
)
_revisions_dumper = RevisionListSchema()


# --- request plumbing ---------------------------------------------------------


def if_match(required: bool) -> set[int] | None:
    """Revisions the caller's If-Match names; ``None`` means any (``*`` or absent)."""
    if "If-Match" not in request.headers:
        if required:
            raise ApiError(
                428,
                "Send If-Match with the ETag from your last GET, so no one's edit is lost.",
            )
        return None
    tags = request.if_match
    if tags.star_tag:
        return None
    found = set()
    for tag in tags.as_set(include_weak=False):  # If-Match compares strongly
        if not isinstance(tag, str):  # werkzeug yields None for an empty tag ("")
            continue
        match = _ETAG_RE.fullmatch(tag)
        if match:
            found.add(int(match.group(1)))
    return found


def _publish_at(data: Any) -> Any:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ApiError(422, "The body must be a JSON object.", errors={"_schema": ["Object."]})
    try:
        loaded = PublishSchema().load(data)
    except ValidationError as exc:
        raise ApiError(422, "The publish body is not valid.", errors=exc.messages_dict) from None
    return loaded.get("publish_at")


def _as_problem(session: Session, exc: editing.EditError) -> ApiError:
    """Roll back and turn a refused edit into its HTTP problem."""
    session.rollback()
    if isinstance(exc, editing.NotFound):
        return ApiError(404, exc.detail)
    if isinstance(exc, editing.Invalid):
        return ApiError(422, exc.detail, errors=exc.errors)
    return ApiError(409, exc.detail)


def _expected(row: Any, revisions: set[int] | None) -> int | None:
    if revisions is None:
        return None
    return row.revision if row.revision in revisions else -1


class Writer:
    """The writes of one content type."""

    def __init__(self, kind: editing.Kind) -> None:
        self.kind = kind
        self.represent, self.schema = READ[kind.name]

    def key(self, value: Any) -> Any:
        if self.kind.key == "slug" and not (isinstance(value, str) and SLUG_RE.fullmatch(value)):
            raise ApiError(404, f"No {self.kind.item_type} {str(value)[:80]!r}.")
        return value

    def location(self, row: Any) -> str:
        from sidcontent.api import API_PREFIX

        return f"{API_PREFIX}/{self.kind.name}/{getattr(row, self.kind.key)}"

    def respond(
        self, session: Session, key: Any, args: dict[str, Any], status: int = 200
    ) -> Response:
        """The item as its GET shows it, with the same ETag."""
        session.expire_all()
        row = editing.load(session, self.kind, key)
        rendered = render_detail(
            row, self.represent, self.schema, requested_locales(args.get("locale")), context.now()
        )
        body, etag = caching.encode(rendered)
        response = Response(body, status=status, mimetype=JSON)
        response.set_etag(etag)
        if rendered.last_modified is not None:
            response.last_modified = rendered.last_modified
        for name, value in rendered.headers.items():
            response.headers[name] = value
        response.headers["Cache-Control"] = "no-store"
        response.headers["Vary"] = caching.VARY
        if status == 201:
            response.headers["Location"] = self.location(row)
        return response

    def _stale(
        self, session: Session, key: Any, args: dict[str, Any], sent: bool, deleted: bool
    ) -> Response:
        session.rollback()
        session.expire_all()
        try:
            current = editing.load(session, self.kind, key, deleted=deleted)
        except editing.NotFound:
            return problem(404, f"No {self.kind.item_type} {key!r}.")
        rendered = render_detail(
            current,
            self.represent,
            self.schema,
            requested_locales(args.get("locale")),
            context.now(),
        )
        _, etag = caching.encode(rendered)
        if not sent:  # no precondition was given, so 412 would be wrong
            return problem(
                409,
                f"The {self.kind.item_type} changed while this request ran; try again.",
                headers={"ETag": f'"{etag}"'},
            )
        return problem(
            412,
            f"The {self.kind.item_type} is at revision {current.revision}; your If-Match is "
            "for another. GET it again, reapply your change and send the new ETag.",
            headers={"ETag": f'"{etag}"'},
        )

    def run(
        self,
        key: Any,
        args: dict[str, Any],
        change: Callable[[Session, Any, int | None, str], Any],
        *,
        required: bool,
        deleted: bool = False,
        status: int = 200,
    ) -> Response:
        """Load, check If-Match, ``change``, commit; map domain errors to HTTP."""
        principal = current_principal()
        assert principal is not None  # the route's require_role let the caller in
        key = self.key(key)
        revisions = if_match(required)
        session = context.session()
        try:
            row = editing.load(session, self.kind, key, deleted=deleted)
            row = change(session, row, _expected(row, revisions), principal.name)
            new_key = getattr(row, self.kind.key)
            session.commit()
        except editing.Stale:
            return self._stale(session, key, args, revisions is not None, deleted)
        except editing.EditError as exc:
            raise _as_problem(session, exc) from None
        if status == 204:
            response = Response(status=204)
            response.headers["Cache-Control"] = "no-store"
            return response
        return self.respond(session, new_key, args, status)

    def create(self, args: dict[str, Any]) -> Response:
        principal = check_role(Role.editor)
        data = json_body([JSON])
        session = context.session()
        try:
            row = editing.create(session, self.kind, data, principal.name, context.now())
            key = getattr(row, self.kind.key)
            session.commit()
        except editing.EditError as exc:
            raise _as_problem(session, exc) from None
        return self.respond(session, key, args, 201)


# --- documentation ------------------------------------------------------------------


def _body_doc(kind: editing.Kind, *, patch: bool, required: bool = True) -> dict[str, Any]:
    base = kind.item_type.capitalize()
    ref = {"$ref": f"#/components/schemas/{base}{'Patch' if patch else 'Write'}"}
    types = [JSON, MERGE_PATCH] if patch else [JSON]
    return {
        "requestBody": {
            "required": required,
            "content": {media: {"schema": ref} for media in types},
        }
    }


_REF = "#/components/schemas/"


def _patchable(spec: Any, name: str) -> str:
    """Register ``<name>Patch``: ``name`` as a merge patch sees it.

    In a JSON Merge Patch every member is optional and may be null (null
    removes it), and nested objects are patches too.
    """
    patch_name = f"{name.removesuffix('Write')}Patch"
    schemas = spec.components.schemas
    if patch_name in schemas:
        return patch_name
    source = schemas[name]
    properties = {}
    for key, prop in source.get("properties", {}).items():
        prop = dict(prop)
        if "$ref" in prop:
            nested = _patchable(spec, prop["$ref"].removeprefix(_REF))
            # OpenAPI 3.0: nullable needs a type beside it, even next to allOf.
            prop = {"type": "object", "allOf": [{"$ref": _REF + nested}]}
        elif (
            isinstance(prop.get("additionalProperties"), dict)
            and "$ref" in prop["additionalProperties"]
        ):
            nested = _patchable(spec, prop["additionalProperties"]["$ref"].removeprefix(_REF))
            prop["additionalProperties"] = {
                "type": "object",
                "allOf": [{"$ref": _REF + nested}],
                "nullable": True,
            }
            prop.pop("minProperties", None)  # a patch may carry a single locale, or none
        prop.pop("default", None)
        prop["nullable"] = True
        properties[key] = prop
    patched = {k: v for k, v in source.items() if k not in ("required", "properties")}
    spec.components.schema(patch_name, {**patched, "properties": properties})
    return patch_name


def init_api(api: Any) -> None:
    """Register the write schemas the request bodies refer to."""
    for kind in editing.KINDS.values():
        base = kind.item_type.capitalize()
        api.spec.components.schema(f"{base}Write", schema=kind.schema)
        _patchable(api.spec, f"{base}Write")


_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "schema": {"type": "string"},
    "description": "The ETag from the item's last GET (or from the last write's response).",
}


def _if_match_doc(required: bool) -> dict[str, Any]:
    return {"parameters": [{**_IF_MATCH, "required": required}]}


# --- routes -------------------------------------------------------------------------


def register(blp: Blueprint, kind_name: str, converter: str) -> None:
    """Add the write routes of ``kind_name`` to its read blueprint."""
    kind = editing.KINDS[kind_name]
    writer = Writer(kind)
    envelope = item_envelope(READ[kind_name][1])
    noun = kind.item_type
    item_rule = f"/<{converter}>"
    param = converter.rsplit(":", 1)[-1]
    both = [JSON, MERGE_PATCH]

    @blp.route("", endpoint=f"{noun}_create")
    class Create(MethodView):
        @require_role(Role.editor)
        @blp.arguments(WriteArgs, location="query", as_kwargs=False)
        @blp.doc(
            summary=f"Create a {noun} (a draft). Needs editor.", **_body_doc(kind, patch=False)
        )
        @blp.response(201, envelope, headers={"Location": {"schema": {"type": "string"}}})
        @blp.problems(400, 401, 403, 409, 413, 415, 422)
        def post(self, args: dict[str, Any]) -> Response:
            return writer.create(args)

    @blp.route(item_rule, endpoint=f"{noun}_write")
    class Write(MethodView):
        @require_role(Role.editor)
        @blp.arguments(WriteArgs, location="query", as_kwargs=False)
        @blp.doc(
            summary=f"Change a {noun}. Needs editor and If-Match.",
            description="The body is a JSON Merge Patch (RFC 7396); plain JSON is read the "
            "same way. null removes a field or a translation: "
            '{"translations": {"de": null}}.',
            **_body_doc(kind, patch=True),
            **_if_match_doc(True),
        )
        @blp.response(200, envelope)
        @blp.problems(400, 401, 403, 404, 409, 412, 413, 415, 422, 428)
        def patch(self, args: dict[str, Any], **view_args: Any) -> Response:
            data = json_body(both)

            def change(session: Session, row: Any, expected: int | None, author: str) -> Any:
                return editing.update_item(
                    session, kind, row, expected, data, author, context.now(), merge=True
                )

            return writer.run(view_args[param], args, change, required=True)

        @require_role(Role.editor)
        @blp.arguments(WriteArgs, location="query", as_kwargs=False)
        @blp.doc(
            summary=f"Replace a {noun}'s content with a whole document. Needs editor, If-Match.",
            **_body_doc(kind, patch=False),
            **_if_match_doc(True),
        )
        @blp.response(200, envelope)
        @blp.problems(400, 401, 403, 404, 409, 412, 413, 415, 422, 428)
        def put(self, args: dict[str, Any], **view_args: Any) -> Response:
            data = json_body([JSON])

            def change(session: Session, row: Any, expected: int | None, author: str) -> Any:
                return editing.update_item(
                    session, kind, row, expected, data, author, context.now(), merge=False
                )

            return writer.run(view_args[param], args, change, required=True)

        @require_role(Role.admin)
        @blp.doc(
            summary=f"Delete a {noun}. Needs admin and If-Match.",
            description="Out of delivery and previews; its revisions are kept so it can be "
            "restored (POST .../revisions/{n}/restore).",
            **_if_match_doc(True),
        )
        @blp.response(204)
        @blp.problems(401, 403, 404, 409, 412, 428)
        def delete(self, **view_args: Any) -> Response:
            def change(session: Session, row: Any, expected: int | None, author: str) -> Any:
                return editing.delete(session, kind, row, expected, author, context.now())

            return writer.run(view_args[param], {}, change, required=True, status=204)

    def action(name: str, summary: str, op: Callable[..., Any], with_body: bool) -> None:
        body_doc: dict[str, Any] = {}
        if with_body:
            body_doc = {
                "requestBody": {"required": False, "content": {JSON: {"schema": PublishSchema}}}
            }

        @blp.route(f"{item_rule}/{name}", endpoint=f"{noun}_{name}")
        class Action(MethodView):
            @require_role(Role.publisher)
            @blp.arguments(WriteArgs, location="query", as_kwargs=False)
            @blp.doc(summary=summary, **body_doc, **_if_match_doc(False))
            @blp.response(200, envelope)
            @blp.problems(400, 401, 403, 404, 409, 412, 413, 415, 422)
            def post(self, args: dict[str, Any], **view_args: Any) -> Response:
                extra: list[Any] = []
                if with_body:
                    data = json_body([JSON], optional=True)
                    extra.append(_publish_at(data))

                def change(session: Session, row: Any, expected: int | None, author: str) -> Any:
                    return op(session, kind, row, expected, *extra, author, context.now())

                return writer.run(view_args[param], args, change, required=False)

    action(
        "publish",
        f"Publish a {noun} now, or schedule it with publish_at. Needs publisher. "
        "A message or resource needs its campaign published or scheduled (else 409).",
        editing.publish,
        True,
    )
    action(
        "unpublish",
        f"Take a {noun} out of delivery (back to draft). Needs publisher.",
        editing.unpublish,
        False,
    )
    action(
        "archive",
        f"Archive a {noun}: out of delivery, still previewable. Needs publisher.",
        editing.archive,
        False,
    )

    @blp.route(f"{item_rule}/revisions", endpoint=f"{noun}_revisions")
    class Revisions(MethodView):
        @require_role(Role.editor)
        @blp.doc(summary=f"Every revision of a {noun}, newest first. Needs editor.")
        @blp.arguments(PageArgs(), location="query", as_kwargs=False)
        @blp.response(200, RevisionListSchema)
        @blp.problems(400, 401, 403, 404)
        def get(self, args: dict[str, Any], **view_args: Any) -> Any:
            key = writer.key(view_args[param])
            session = context.session()
            try:
                row = editing.load(session, kind, key, deleted=True)
            except editing.NotFound as exc:
                raise ApiError(404, exc.detail) from None
            limit = args["limit"]
            before = cursor_position(args.get("cursor"), "number")
            rows = editing.history(session, kind, row, before=before, limit=limit + 1)
            now = context.now()
            page, more = rows[:limit], len(rows) > limit
            data = [
                {
                    "number": r.number,
                    "action": r.action,
                    "author": r.author,
                    "created_at": r.created_at,
                    "changed": r.changed,
                    "restored_from": r.restored_from,
                    "snapshot": representation.snapshot(r.snapshot, now),
                }
                for r in page
            ]
            next_cursor = next_page(page[-1].number, "number") if more and page else None
            headers = {"Link": next_link(next_cursor)} if next_cursor else {}
            payload = {"data": data, "meta": {"limit": limit, "next_cursor": next_cursor}}
            return json_response(_revisions_dumper.dump(payload), private=True, headers=headers)

    @blp.route(f"{item_rule}/revisions/<{ID_CONVERTER}:number>/restore", endpoint=f"{noun}_restore")
    class Restore(MethodView):
        @require_role(Role.editor)
        @blp.arguments(WriteArgs, location="query", as_kwargs=False)
        @blp.doc(
            summary=f"Make an old revision of a {noun} current again. Needs editor.",
            description="The restore is itself a new revision. The workflow state is kept, "
            "except that a deleted item comes back as a draft.",
            **_if_match_doc(False),
        )
        @blp.response(200, envelope)
        @blp.problems(400, 401, 403, 404, 409, 412)
        def post(self, args: dict[str, Any], number: int, **view_args: Any) -> Response:
            def change(session: Session, row: Any, expected: int | None, author: str) -> Any:
                return editing.restore(session, kind, row, number, expected, author, context.now())

            return writer.run(view_args[param], args, change, required=False, deleted=True)


def init_blueprints() -> None:
    from sidcontent.api import campaigns, messages, resources, themes

    for module, name, converter in (
        (themes, "themes", "slug"),
        (campaigns, "campaigns", "slug"),
        (messages, "messages", f"{ID_CONVERTER}:message_id"),
        (resources, "resources", f"{ID_CONVERTER}:resource_id"),
    ):
        if not getattr(module.blp, "_sid_writes", False):
            register(module.blp, name, converter)
            module.blp._sid_writes = True
