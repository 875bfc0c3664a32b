"""The export panel: pick an exporter, fill its options, preview, download.

Exports go through the app's export service (``app.extensions
["sidcontent.exports"]``), the one behind POST /api/v1/exports: the same
validation, sandbox, reuse of identical exports and history.
"""

from __future__ import annotations

import io
from typing import Any

import orjson
from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue

from sidcontent.api import context
from sidcontent.api.auth import check_role, current_principal
from sidcontent.content import locales, queries
from sidcontent.content.models import utcnow
from sidcontent.content.schemas import SLUG_RE
from sidcontent.content.tokens import Role
from sidcontent.exporting import ExportRecord, base_media_type, options_json_schema
from sidcontent.exports.service import ExportFailed, ExportRejected, ExportRequest, Exports
from sidcontent.plugins import PluginHost, Registered
from sidcontent.studio import actions, campaigns, schema_form
from sidcontent.studio.blueprint import bp
from sidcontent.studio.strings import t

MAX_TEXT_PREVIEW = 40_000
PENDING = ("queued", "running")
# A sandboxed frame with no scripts, forms or same-origin access, whose
# document may only use its own inline styles and inline or local images.
FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "sandbox; frame-ancestors 'self'"
)


def _service() -> Exports:
    service: Exports = current_app.extensions["sidcontent.exports"]
    return service


def _exporters() -> list[Registered]:
    host: PluginHost = current_app.extensions["sidcontent.plugins"]
    return sorted(host.exporters.values(), key=lambda r: r.item.name)


def previewable(media_type: str) -> bool:
    base = base_media_type(media_type)
    return base.startswith(("image/", "text/")) or base == "application/json"


def preview_media_type(declared: tuple[str, ...], selected: str) -> str:
    """What to preview: HTML as a mail client shows it, else what was picked, else a picture."""
    bases = [base_media_type(m) for m in declared]
    if "text/html" in bases:
        return declared[bases.index("text/html")]
    if previewable(selected):
        return selected
    if "image/png" in bases:
        return declared[bases.index("image/png")]
    for media_type in declared:
        if previewable(media_type):
            return media_type
    return selected


def _panel(
    slug: str,
    *,
    form: Any = None,
    errors: dict[str, Any] | None = None,
    error: str | None = None,
    preview: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    db = context.session()
    now = utcnow()
    draft = queries.get_campaign(db, slug, now, preview=True) if SLUG_RE.match(slug) else None
    if draft is None:
        abort(404, f"No campaign {slug[:80]!r}.")
    published = queries.get_bundle(db, slug, now)
    exporters = _exporters()
    names = [r.item.name for r in exporters]
    wanted = (form or request.args).get("exporter") or (names[0] if names else "")
    chosen = next((r for r in exporters if r.item.name == wanted), None)
    specs: list[schema_form.OptionField] = []
    values: dict[str, Any] = {}
    if chosen is not None:
        specs = schema_form.fields_for(options_json_schema(chosen.item.options_schema))
        values = schema_form.values_of(form, specs)
    messages = []
    if published is not None:
        for m in published.messages:
            by_locale = {tr.locale: tr for tr in m.translations}
            pick = locales.choose(by_locale.keys(), (), draft.default_locale)
            messages.append({"id": m.id, "headline": by_locale[pick].headline if pick else m.id})
    option_errors = (errors or {}).get("options") or {}
    html = render_template(
        "studio/export.html",
        slug=slug,
        campaign_name=campaigns._name(draft, "name", draft.default_locale),
        campaign_status=draft.status,
        published=published is not None,
        exporters=exporters,
        chosen=chosen,
        specs=specs,
        values=values,
        locales=[tr.locale for tr in draft.translations],
        selected_locale=(form or {}).get("locale", ""),
        selected_media=(form or {}).get("media_type", ""),
        selected_messages=[int(i) for i in (form.getlist("message_ids") if form else [])],
        messages=messages,
        errors=errors or {},
        option_errors=option_errors,
        error=error,
        preview=preview,
        history=campaigns.history(slug),
        notices=actions.notices(),
    )
    return html, status


@bp.get("/campaigns/<slug>/export")
def export_panel(slug: str) -> ResponseReturnValue:
    check_role(Role.marketer)
    return _panel(slug)


def _request(
    slug: str, registered: Registered, media_type: str
) -> tuple[ExportRequest, dict[str, list[str]]]:
    specs = schema_form.fields_for(options_json_schema(registered.item.options_schema))
    options, errors = schema_form.options_from(request.form, specs)
    ids = []
    for raw in request.form.getlist("message_ids"):
        if raw.isdigit():
            ids.append(int(raw))
    principal = current_principal()
    return (
        ExportRequest(
            exporter=registered.item.name,
            campaign=slug,
            locale=request.form.get("locale") or None,
            media_type=media_type,
            options=options,
            message_ids=tuple(ids) if ids else None,
            requested_by=principal.name if principal else None,
        ),
        errors,
    )


@bp.post("/campaigns/<slug>/export")
def run_export(slug: str) -> ResponseReturnValue:
    check_role(Role.marketer)
    service = _service()
    form = request.form
    try:
        registered = service.exporter(form.get("exporter", ""))
        media_type = service.media_type(registered, form.get("media_type") or None)
    except ExportRejected as exc:
        return _panel(slug, form=form, errors=exc.errors, error=exc.detail, status=422)
    is_preview = form.get("action") == "preview"
    if is_preview:
        media_type = preview_media_type(registered.item.media_types, media_type)
    export, conversion = _request(slug, registered, media_type)
    if conversion:
        return _panel(
            slug,
            form=form,
            errors={"options": conversion},
            error=t("export.json_invalid"),
            status=422,
        )
    try:
        done = service.submit(export)  # inline, or queued when a broker is set
    except ExportRejected as exc:
        return _panel(slug, form=form, errors=exc.errors, error=exc.detail, status=exc.status)
    except ExportFailed as exc:
        return _panel(
            slug,
            form=form,
            errors=exc.errors,
            error=t("export.failed", detail=exc.record.error or ""),
            status=exc.status,
        )
    record = done.record
    if record.status in PENDING:
        actions.notice("ok", t("export.queued"))
        return redirect(
            url_for("studio.export_panel", slug=slug, exporter=registered.item.name), code=303
        )
    if not is_preview:
        return redirect(url_for("studio.download", export_id=record.id), code=303)
    return _panel(slug, form=form, preview=_preview(record))


def _preview(record: ExportRecord) -> dict[str, Any]:
    artifact = record.artifact or {}
    base = base_media_type(str(artifact.get("media_type") or record.media_type))
    view: dict[str, Any] = {
        "id": record.id,
        "media_type": base,
        "filename": artifact.get("filename"),
        "warnings": list(record.warnings),
    }
    if base == "text/html":
        view["kind"] = "frame"
    elif base.startswith("image/"):
        view["kind"] = "image"
    else:
        content = _content(record)
        if base == "application/json":
            try:
                doc = orjson.loads(content)
            except orjson.JSONDecodeError:
                doc = None
            if isinstance(doc, dict) and isinstance(doc.get("posts"), list):
                view["kind"] = "posts"
                view["platforms"] = _posts_by_platform(doc)
                return view
        view["kind"] = "text"
        view["text"] = content[:MAX_TEXT_PREVIEW].decode("utf-8", "replace")
    return view


def _posts_by_platform(doc: dict[str, Any]) -> list[dict[str, Any]]:
    titles = {p.get("name"): p.get("title") for p in doc.get("platforms") or []}
    grouped: dict[str, list[Any]] = {}
    for post in doc["posts"]:
        grouped.setdefault(str(post.get("platform")), []).append(post)
    return [
        {"name": name, "title": titles.get(name) or name, "posts": posts}
        for name, posts in grouped.items()
    ]


def _content(record: ExportRecord) -> bytes:
    chunks = _service().artifact_chunks(record)  # from whichever store holds it
    return b"".join(chunks) if chunks is not None else b""


def _record(export_id: str) -> ExportRecord:
    if len(export_id) > 64:
        abort(404)
    record = _service().get(export_id)
    if record is None:
        abort(404)
    return record


def _artifact_response(record: ExportRecord, *, attachment: bool) -> Response:
    if record.artifact is None:
        abort(404)
    service = _service()
    if not service.artifact_stored(record):
        abort(404)
    path = service.artifact_path(record)  # None: the database store
    response = send_file(
        path if path is not None else io.BytesIO(_content(record)),
        mimetype=record.artifact["media_type"],
        as_attachment=attachment,
        download_name=record.artifact["filename"],
        max_age=None,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/exports/<export_id>/download")
def download(export_id: str) -> Response:
    check_role(Role.marketer)
    return _artifact_response(_record(export_id), attachment=True)


@bp.get("/exports/<export_id>/inline")
def inline(export_id: str) -> Response:
    """An image preview, shown in the panel's <img>."""
    check_role(Role.marketer)
    record = _record(export_id)
    if record.artifact is None or not str(record.artifact["media_type"]).startswith("image/"):
        abort(404)
    return _artifact_response(record, attachment=False)


@bp.get("/exports/<export_id>/frame")
def frame(export_id: str) -> Response:
    """An HTML artifact for the sandboxed preview frame, under its own CSP."""
    check_role(Role.marketer)
    record = _record(export_id)
    if record.artifact is None or base_media_type(record.artifact["media_type"]) != "text/html":
        abort(404)
    response = Response(_content(record), mimetype="text/html")
    response.headers["Content-Security-Policy"] = FRAME_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/exports/<export_id>/status")
def export_status(export_id: str) -> Response:
    """For the history's live rows: a queued export's progress."""
    check_role(Role.marketer)
    if len(export_id) > 64:
        abort(404)
    record, position = _service().find(export_id)
    if record is None:
        abort(404)
    body: dict[str, Any] = {"status": record.status, "error": record.error, "position": position}
    if record.artifact is not None:
        body["download"] = url_for("studio.download", export_id=record.id)
        body["filename"] = record.artifact["filename"]
    return jsonify(body)
