"""/api/v1/campaigns/{slug}/coverage and /translations: translators' routes.

Coverage per locale; a campaign's texts as an XLIFF 1.2 or PO file for one
locale; and the import of such a file once translated. Editor role: these
include drafts, which translators work on before publication.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from sidcontent.api import context
from sidcontent.api.auth import check_role, require_role
from sidcontent.api.blueprint import Blueprint
from sidcontent.api.errors import ApiError, problem
from sidcontent.api.static import json_response
from sidcontent.content.models import utcnow
from sidcontent.content.schemas import LocaleTag
from sidcontent.content.tokens import Role
from sidcontent.content.translations import coverage as coveragemod
from sidcontent.content.translations import files, importing

blp = Blueprint(
    "translations", __name__, url_prefix="/campaigns", description="Translation round trips."
)

# What an import accepts: XLIFF's registered and common types, and PO's.
XLIFF_TYPES = ("application/xliff+xml", "application/x-xliff+xml", "application/xml", "text/xml")
PO_TYPES = ("text/x-gettext-translation", "text/x-po", "application/x-gettext", "text/plain")


class CoverageArgs(Schema):
    locale = LocaleTag(
        load_default=None,
        metadata={"description": "Only this locale (default: every locale in use)."},
    )


class FileArgs(Schema):
    locale = LocaleTag(
        required=True,
        metadata={"description": "The target locale.", "example": "de"},
    )
    format = fields.String(
        load_default="xliff",
        validate=validate.OneOf(tuple(files.FORMATS)),
        metadata={"description": "xliff (XLIFF 1.2) or po (Gettext PO)."},
    )


class ImportArgs(Schema):
    locale = LocaleTag(
        load_default=None,
        metadata={"description": "Refuse the file unless it translates into this locale."},
    )


class GroupSchema(Schema):
    translated = fields.List(fields.Integer())
    missing = fields.List(fields.Integer())
    stale = fields.List(
        fields.Dict(), metadata={"description": "id, source_revision, translation_revision"}
    )


class CountsSchema(Schema):
    translated = fields.Integer()
    missing = fields.Integer()
    stale = fields.Integer()
    total = fields.Integer()


class LocaleCoverageSchema(Schema):
    locale = fields.String()
    counts = fields.Nested(CountsSchema)
    complete = fields.Boolean()
    messages = fields.Nested(GroupSchema)
    resources = fields.Nested(GroupSchema)


class CoverageSchema(Schema):
    campaign = fields.String()
    source_locale = fields.String()
    locales = fields.List(fields.Nested(LocaleCoverageSchema))


CoverageResponse = Schema.from_dict(
    {"data": fields.Nested(CoverageSchema)}, name="CoverageResponse"
)


class ImportReportSchema(Schema):
    campaign = fields.String()
    locale = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    units = fields.List(
        fields.Dict(),
        metadata={
            "description": "Per unit: id, status (updated, unchanged, "
            "untranslated), previous target."
        },
    )
    revisions = fields.List(
        fields.Dict(), metadata={"description": "The revision each changed item is now at."}
    )


ImportResponse = Schema.from_dict(
    {"data": fields.Nested(ImportReportSchema)}, name="ImportResponse"
)


def platform_limits() -> dict[str, int]:
    """The registered social platforms' post limits, for translators' notes."""
    host = current_app.extensions["sidcontent.plugins"]
    return {name: int(reg.item.limit) for name, reg in host.social_platforms.items()}


@blp.route("/<slug>/coverage")
class Coverage(MethodView):
    @require_role(Role.editor)
    @blp.arguments(CoverageArgs, location="query", as_kwargs=False)
    @blp.response(200, CoverageResponse)
    @blp.problems(400, 401, 403, 404)
    def get(self, args: dict[str, Any], slug: str) -> ResponseReturnValue:
        """Per locale: which messages and resources are translated, missing, or
        stale (the source changed after the translation, by revision), with
        counts. Drafts included. Needs editor."""
        wanted = [args["locale"]] if args["locale"] else None
        try:
            report = coveragemod.coverage(context.session(), slug, wanted)
        except coveragemod.UnknownCampaign as exc:
            raise ApiError(404, str(exc)) from None
        return json_response({"data": report}, private=True)


@blp.route("/<slug>/translations")
class Translations(MethodView):
    @require_role(Role.editor)
    @blp.arguments(FileArgs, location="query", as_kwargs=False)
    @blp.response(
        200,
        {"type": "string"},
        content_type="application/x-xliff+xml",
        description="The XLIFF 1.2 (or, with format=po, PO) file for the locale.",
    )
    @blp.problems(400, 401, 403, 404)
    def get(self, args: dict[str, Any], slug: str) -> ResponseReturnValue:
        """The campaign's texts for translators: one unit per field, with the
        source, the current target and notes. Needs editor."""
        content, name = export_file(slug, args["locale"], args["format"])
        response = Response(content, mimetype=files.FORMATS[args["format"]])
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["Cache-Control"] = "private, no-cache"
        response.set_etag(_digest(content))
        return response.make_conditional(request)

    @require_role(Role.editor)
    @blp.arguments(ImportArgs, location="query", as_kwargs=False)
    @blp.response(200, ImportResponse)
    @blp.problems(400, 401, 403, 404, 409, 413, 415, 422)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                media: {"schema": {"type": "string"}}
                for media in ("application/x-xliff+xml", "text/x-gettext-translation")
            },
        }
    )
    def post(self, args: dict[str, Any], slug: str) -> ResponseReturnValue:
        """Import a translated XLIFF or PO file exported from this campaign.
        Only the file's target locale changes; each changed item gets a
        revision, as with PATCH. A file for another campaign, or made before
        one of its items was edited (stale), is refused (409) and nothing
        changes; a target the content rules refuse is a 422 naming the unit.
        Needs editor."""
        principal = check_role(Role.editor)
        raw = request.get_data(cache=True)
        if request.mimetype in XLIFF_TYPES:
            fmt = "xliff"
        elif request.mimetype in PO_TYPES:
            fmt = "po"
        else:
            raise ApiError(
                415,
                "Send an XLIFF file (application/x-xliff+xml) or a PO file "
                f"(text/x-gettext-translation), not {request.mimetype or 'nothing'}.",
                headers={"Accept-Post": ", ".join((*XLIFF_TYPES[:2], *PO_TYPES[:2]))},
            )
        if not raw.strip():
            raise ApiError(400, "The body is empty: send the translated file.")
        try:
            parsed = files.read(raw, fmt)
        except files.FileError as exc:
            raise ApiError(400, str(exc)) from None
        session = context.session()
        try:
            report = importing.apply(
                session, slug, parsed, principal.name, utcnow(), expected_locale=args["locale"]
            )
            session.commit()
        except importing.ImportRefused as exc:
            session.rollback()
            if exc.units:
                return problem(exc.status, exc.detail, units=exc.units)
            return problem(exc.status, exc.detail)
        return json_response({"data": report.as_dict()}, private=True)


def export_file(slug: str, locale: str, fmt: str) -> tuple[bytes, str]:
    try:
        return files.export_campaign(context.session(), slug, locale, fmt, platform_limits())
    except files.NoCampaign as exc:
        raise ApiError(404, str(exc)) from None
    except files.FileError as exc:
        raise ApiError(400, str(exc)) from None


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:32]
