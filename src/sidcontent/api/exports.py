"""/api/v1/exports: run an exporter, read the record, download the artifact."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from flask import Response, current_app, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from sidcontent.api.auth import current_principal, require_role
from sidcontent.api.blueprint import Blueprint
from sidcontent.api.bodies import JSON, json_body
from sidcontent.api.errors import TYPE_BASE, ApiError, problem
from sidcontent.api.listing import list_envelope, next_link
from sidcontent.api.params import PageArgs
from sidcontent.api.static import json_response
from sidcontent.content import cursors
from sidcontent.content.schemas import FullMatch, Line, LocaleTag, PropertyCount, Slug
from sidcontent.content.tokens import Role
from sidcontent.exporting import ExportRecord
from sidcontent.exports.service import ExportFailed, ExportRejected, ExportRequest, Exports
from sidcontent.exports.store import ACTIVE, STATUSES
from sidcontent.plugins import NAME_RE

blp = Blueprint("exports", __name__, url_prefix="/exports", description="Running exporters.")

MAX_IDS = 1000
RETRY_AFTER = 2  # seconds between polls of a queued export
MAX_OPTIONS = 100
EXPORTER_NAME_RE = NAME_RE
EXPORT_ID_RE = re.compile(r"[0-9a-f]{32}")


class ExportRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    exporter = Line(
        required=True,
        validate=[
            validate.Length(min=1, max=64),
            FullMatch(EXPORTER_NAME_RE, error="Not an exporter name."),
        ],
        metadata={"example": "calendar", "pattern": EXPORTER_NAME_RE.pattern},
    )
    campaign = Slug(required=True)
    locale = LocaleTag(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Default: the campaign's default locale.",
            "example": "fr",
        },
    )
    media_type = Line(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=3, max=255),
        metadata={"description": "One the exporter declares; default: its first."},
    )
    options = fields.Dict(
        keys=Line(validate=validate.Length(min=1, max=64)),
        load_default=dict,
        validate=PropertyCount(max=MAX_OPTIONS),
        metadata={
            "description": "Validated against the exporter's options schema.",
            "maxProperties": MAX_OPTIONS,
        },
    )
    message_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_IDS),
        metadata={"description": "Only these messages (default: every published one)."},
    )
    resource_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_IDS),
        metadata={"description": "Only these resources (default: every published one)."},
    )


class ArtifactSchema(Schema):
    filename = fields.String(metadata={"example": "sid-2017-en.ics"})
    media_type = fields.String(metadata={"example": "text/calendar"})
    size = fields.Integer()
    sha256 = fields.String()
    metadata = fields.Dict()
    url = fields.String(metadata={"description": "Where to download it."})


class ExportSchema(Schema):
    id = fields.String(metadata={"example": "4f1c0e4a9b7d4c1e8a2b3c4d5e6f7a8b"})
    status = fields.String(
        metadata={
            "description": "queued or running (with a queue), then succeeded or failed",
            "enum": list(STATUSES),
        }
    )
    position = fields.Integer(
        allow_none=True,
        metadata={"description": "While queued: 1 for the next export to start, 2 after, ..."},
    )
    exporter = fields.String()
    plugin = fields.String()
    plugin_version = fields.String(allow_none=True)
    campaign = fields.String()
    locale = fields.String(metadata={"description": "The locale the content was resolved in."})
    requested_locale = fields.String(allow_none=True)
    media_type = fields.String()
    options = fields.Dict(metadata={"description": "The options as validated, defaults filled."})
    message_ids = fields.List(fields.Integer(), allow_none=True)
    resource_ids = fields.List(fields.Integer(), allow_none=True)
    content_revision = fields.String(
        metadata={"description": "Digest of the exported content; changes with any edit to it."}
    )
    error = fields.String(allow_none=True)
    error_type = fields.String(
        allow_none=True,
        metadata={
            "description": "export-error, plugin-failed, artifact-too-large, timeout, crashed, "
            "lost (its queue worker died), queue-unavailable or artifact-store-failed"
        },
    )
    failed_plugin = fields.String(
        allow_none=True, metadata={"description": "The plugin at fault, for a failed export."}
    )
    warnings = fields.List(fields.String())
    requested_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    duration_ms = fields.Float(allow_none=True)
    artifact = fields.Nested(ArtifactSchema, allow_none=True)


ExportItemSchema = Schema.from_dict({"data": fields.Nested(ExportSchema)}, name="ExportItemSchema")
_dumper = ExportSchema()


def _service() -> Exports:
    exports: Exports = current_app.extensions["sidcontent.exports"]
    return exports


def _url(record: ExportRecord, artifact: bool = False) -> str:
    endpoint = "exports.ExportArtifact" if artifact else "exports.ExportItem"
    return url_for(endpoint, export_id=record.id)


def record_payload(record: ExportRecord, position: int | None = None) -> dict[str, Any]:
    data = dataclasses.asdict(record)
    data["position"] = position
    if data["artifact"] is not None:
        data["artifact"] = {**data["artifact"], "url": _url(record, artifact=True)}
    dumped: dict[str, Any] = _dumper.dump(data)
    return dumped


def _failure(exc: ExportFailed) -> ResponseReturnValue:
    record = exc.record
    errors = exc.errors
    return problem(
        exc.status,
        record.error,
        title="Export failed" if exc.status != 504 else "Export timed out",
        type=TYPE_BASE + (record.error_type or "export-failed"),
        errors=errors,
        headers={"Location": _url(record), **({"Retry-After": "30"} if exc.status == 503 else {})},
        plugin=record.failed_plugin or record.plugin,
        exporter=record.exporter,
        export_id=record.id,
    )


class ExportListArgs(PageArgs):
    exporter = fields.String(validate=validate.Length(min=1, max=64))
    campaign = fields.String(validate=validate.Length(min=1, max=80))
    status = fields.String(validate=validate.OneOf(STATUSES))
    requested_by = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The token name that asked for the export (or cli)."},
    )


def _after(cursor: str | None, filters: dict[str, Any]) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    secret = current_app.config["SECRET_KEY"]
    try:
        position = cursors.decode(cursor, {"path": request.path, "filters": filters}, secret)
        return datetime.fromisoformat(position["t"]), str(position["id"])
    except cursors.CursorError as exc:
        raise ApiError(400, str(exc), errors={"cursor": [str(exc)]}) from None
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, "The cursor is malformed.", errors={"cursor": ["Malformed."]}) from None


@blp.route("")
class ExportCollection(MethodView):
    @require_role(Role.marketer)
    @blp.arguments(ExportListArgs, location="query", as_kwargs=False)
    @blp.response(200, list_envelope(ExportSchema))
    @blp.problems(400, 401)
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """Exports, newest first, in keyset pages; filter by exporter, campaign,
        status or who asked. Needs marketer."""
        args = dict(args)
        limit: int = args.pop("limit")
        cursor: str | None = args.pop("cursor", None)
        filters = {k: v for k, v in args.items() if v is not None}
        records, more = _service().page(filters, _after(cursor, filters), limit)
        next_cursor = None
        headers = {}
        if more:
            last = records[-1]
            next_cursor = cursors.encode(
                {"t": last.created_at.isoformat(), "id": last.id},
                {"path": request.path, "filters": filters},
                current_app.config["SECRET_KEY"],
            )
            headers["Link"] = next_link(next_cursor)
        return json_response(
            {
                "data": [record_payload(r) for r in records],
                "meta": {"limit": limit, "next_cursor": next_cursor},
            },
            private=True,
            headers=headers,
        )

    @require_role(Role.marketer)
    @blp.doc(requestBody={"required": True, "content": {JSON: {"schema": ExportRequestSchema}}})
    @blp.response(201, ExportItemSchema, description="Exported; the artifact is ready.")
    @blp.alt_response(
        200, schema=ExportItemSchema, description="An identical export already exists: reused."
    )
    @blp.alt_response(
        202,
        schema=ExportItemSchema,
        description="Queued (SIDCONTENT_BROKER_URL is set): poll Location until the record "
        "is succeeded or failed; Retry-After says when.",
    )
    @blp.problems(400, 401, 404, 413, 415, 422, 429, 502, 503, 504)
    def post(self) -> ResponseReturnValue:
        """Run an exporter on a campaign's published content. Needs marketer.

        An identical request (same exporter and version, options, locale,
        media type and content revision) answers 200 with the earlier
        export instead of running again. A failing plugin answers a problem
        naming it, and its failed export is recorded (``Location``).

        With a queue, the request is validated the same way, then answered
        202 with the queued record; an identical request already queued or
        running is answered with that same record.
        """
        body = _request_body()
        request_ = ExportRequest(
            exporter=body["exporter"],
            campaign=body["campaign"],
            locale=body["locale"],
            media_type=body["media_type"],
            options=body["options"],
            message_ids=tuple(body["message_ids"]) if body["message_ids"] is not None else None,
            resource_ids=tuple(body["resource_ids"]) if body["resource_ids"] is not None else None,
            requested_by=principal.name if (principal := current_principal()) else None,
        )
        try:
            done = _service().submit(request_)
        except ExportRejected as exc:
            raise ApiError(exc.status, exc.detail, errors=exc.errors) from None
        except ExportFailed as exc:
            return _failure(exc)
        if done.queued:
            record, position = _service().find(done.record.id)
            return json_response(
                {"data": record_payload(record or done.record, position)},
                status=202,
                private=True,
                headers={"Location": _url(done.record), "Retry-After": str(RETRY_AFTER)},
            )
        return json_response(
            {"data": record_payload(done.record)},
            status=200 if done.reused else 201,
            private=True,
            headers={"Location": _url(done.record)},
        )


def _request_body() -> dict[str, Any]:
    # Read like the content routes' bodies (415, 400, depth, NUL), not by
    # webargs, which would parse lone surrogates and any media type.
    data = json_body([JSON])
    if not isinstance(data, dict):
        raise ApiError(422, "The body must be a JSON object.", errors={"_schema": ["Object."]})
    try:
        loaded: dict[str, Any] = ExportRequestSchema().load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        named = ", ".join(sorted(map(str, messages)))
        raise ApiError(422, f"The export request is not valid: {named}.", errors=messages) from None
    return loaded


def _known_id(export_id: str) -> str:
    if not EXPORT_ID_RE.fullmatch(export_id):  # ids are uuid4 hex; never query with others
        raise ApiError(404, f"No export {export_id[:40]!r}.")
    return export_id


def _record(export_id: str) -> ExportRecord:
    record = _service().get(_known_id(export_id))
    if record is None:
        raise ApiError(404, f"No export {export_id[:40]!r}.")
    return record


@blp.route("/<export_id>")
class ExportItem(MethodView):
    @require_role(Role.marketer)
    @blp.response(200, ExportItemSchema)
    @blp.problems(401, 404)
    def get(self, export_id: str) -> ResponseReturnValue:
        """One export: what was asked, by which plugin, and how it went. Needs marketer.

        A queued export shows its ``position``; a running one its
        ``started_at``. One still running past the queue's hard time limit
        has lost its worker and reads as failed (``error_type`` lost).
        """
        record, position = _service().find(_known_id(export_id))
        if record is None:
            raise ApiError(404, f"No export {export_id[:40]!r}.")
        headers = {"Retry-After": str(RETRY_AFTER)} if record.status in ACTIVE else None
        return json_response(
            {"data": record_payload(record, position)}, private=True, headers=headers
        )


@blp.route("/<export_id>/artifact")
class ExportArtifact(MethodView):
    @require_role(Role.marketer)
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="application/octet-stream",
        description="The artifact, with its own Content-Type and a download filename.",
    )
    @blp.problems(401, 404)
    def get(self, export_id: str) -> ResponseReturnValue:
        """Download an export's artifact. Needs marketer."""
        record = _record(export_id)
        if record.artifact is None:
            raise ApiError(404, f"Export {record.id} failed; it has no artifact.")
        service = _service()
        if not service.artifact_stored(record):
            raise ApiError(404, f"The artifact of export {record.id} is no longer stored.")
        artifact = record.artifact
        path = service.artifact_path(record)
        if path is not None:
            response = send_file(
                path,
                mimetype=artifact["media_type"],
                as_attachment=True,
                download_name=artifact["filename"],
                etag=artifact["sha256"],
                conditional=True,
                max_age=None,
            )
        else:
            # The database store: streamed chunk by chunk, never whole in memory.
            chunks = service.artifact_chunks(record)
            assert chunks is not None
            response = Response(chunks, mimetype=artifact["media_type"], direct_passthrough=True)
            response.content_length = int(artifact["size"])
            response.set_etag(artifact["sha256"])
            response.headers["Content-Disposition"] = _attachment(artifact["filename"])
            response.make_conditional(request)
        response.headers["Cache-Control"] = "private, no-cache"
        return response


def _attachment(filename: str) -> str:
    # As send_file writes it: an ASCII fallback and the UTF-8 name.
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
