"""The message and resource editor: every API field, two locales side by side.

The form is built from the type's write schema (the one the API validates
with), so every field the API takes is here and none is invented. A save is
a merge patch at the revision the form was loaded at, through
``content.editing.update_item``: if someone saved meanwhile, nothing is
overwritten and both versions are shown to choose from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import fields, validate
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from sidcontent.api import context
from sidcontent.api.auth import check_role
from sidcontent.content import editing, locales
from sidcontent.content.models import Campaign, Status, utcnow
from sidcontent.content.revisions import Revision
from sidcontent.content.tokens import Role
from sidcontent.studio import actions
from sidcontent.studio.blueprint import per_kind
from sidcontent.studio.strings import t

EDITABLE = ("messages", "resources")


@dataclass
class Widget:
    """One form control, derived from one schema field."""

    name: str  # the field's dotted path, as in the API's errors
    label: str
    widget: str  # select, checkboxes, list, datetime, textarea, text, url
    choices: list[str] = field(default_factory=list)
    required: bool = False
    max_length: int | None = None


def _choices(f: fields.Field[Any]) -> list[str]:
    for v in f.validators:
        if isinstance(v, validate.OneOf):
            return [str(c) for c in v.choices]
    return []


def _max_length(f: fields.Field[Any]) -> int | None:
    for v in f.validators:
        if isinstance(v, validate.Length) and v.max is not None:
            return int(v.max)
    return None


def widget_for(name: str, f: fields.Field[Any], prefix: str = "") -> Widget:
    label = t(f"field.{name}")
    path = prefix + name
    if isinstance(f, fields.List):
        inner = _choices(f.inner)
        if inner:
            return Widget(path, label, "checkboxes", inner, f.required)
        return Widget(path, label, "list", required=f.required)
    if isinstance(f, fields.DateTime):
        return Widget(path, label, "datetime", required=f.required)
    if _choices(f):
        return Widget(path, label, "select", _choices(f), f.required)
    if name in ("link", "url"):
        return Widget(path, label, "url", required=f.required)
    longest = _max_length(f)
    kind = "textarea" if longest is None or longest > 200 else "text"
    return Widget(path, label, kind, required=f.required, max_length=longest)


def form_spec(kind: editing.Kind) -> tuple[list[Widget], list[tuple[str, fields.Field[Any]]]]:
    """Widgets for the item's own fields, and the translation schema's fields."""
    item: list[Widget] = []
    translated: list[tuple[str, fields.Field[Any]]] = []
    for name, f in kind.schema._declared_fields.items():
        if name == "translations":
            nested = f.value_field  # type: ignore[attr-defined]
            translated = list(nested.schema.fields.items())
            continue
        item.append(widget_for(name, f))
    return item, translated


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _flatten(errors: Any, prefix: str, out: dict[str, list[str]]) -> None:
    if isinstance(errors, dict):
        for key, value in errors.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        out.setdefault(prefix, []).extend(errors)
    elif isinstance(errors, list):
        for number, value in enumerate(errors):
            _flatten(value, f"{prefix}.{number}", out)
    else:
        out.setdefault(prefix, []).append(str(errors))


def field_errors(errors: dict[str, Any] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    _flatten(errors or {}, "", out)
    # marshmallow's Dict errors say "translations.fr.value.headline" for a text
    # and "translations.fr.key" for a bad locale: name them as the inputs are.
    return {re.sub(r"\.value(?=\.|$)", "", k).removesuffix(".key"): v for k, v in out.items()}


def _locales_of(row: Any, doc: dict[str, Any]) -> list[str]:
    campaign = row.campaign
    found = {campaign.default_locale, *doc.get("translations", {})}
    found |= {tr.locale for tr in campaign.translations}
    return [campaign.default_locale] + sorted(found - {campaign.default_locale})


def _pick_locales(row: Any, doc: dict[str, Any], available: list[str]) -> tuple[str, str]:
    def valid(value: str | None, fallback: str) -> str:
        if not value:
            return fallback
        try:
            return locales.normalize(value)
        except locales.LocaleError:
            return fallback

    source = valid(request.values.get("source"), row.campaign.default_locale)
    others = [loc for loc in available if loc != source]
    target = valid(request.values.get("target"), others[0] if others else source)
    return source, target


def _values_from_form(
    item: list[Widget], translated: list[tuple[str, fields.Field[Any]]], shown: list[str]
) -> dict[str, Any]:
    """The form as strings, keyed by dotted path (to redisplay it as typed)."""
    values: dict[str, Any] = {}
    for w in item:
        if w.widget == "checkboxes":
            values[w.name] = request.form.getlist(w.name)
        else:
            values[w.name] = request.form.get(w.name, "")
    for locale in shown:
        for name, _ in translated:
            key = f"translations.{locale}.{name}"
            values[key] = request.form.get(key, "")
    return values


def _values_from_doc(
    doc: dict[str, Any], item: list[Widget], translated: list[tuple[str, fields.Field[Any]]]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for w in item:
        raw = doc.get(w.name)
        values[w.name] = list(raw or []) if w.widget == "checkboxes" else _text(raw)
    for locale, texts in (doc.get("translations") or {}).items():
        for name, _ in translated:
            values[f"translations.{locale}.{name}"] = _text(texts.get(name))
    return values


def patch_from_values(
    values: dict[str, Any],
    item: list[Widget],
    translated: list[tuple[str, fields.Field[Any]]],
    shown: list[str],
    existing: set[str],
) -> dict[str, Any]:
    """The merge patch the API would be sent for this form."""
    patch: dict[str, Any] = {}
    for w in item:
        raw = values.get(w.name)
        if w.widget == "checkboxes":
            patch[w.name] = list(raw or [])
        elif w.widget == "list":
            patch[w.name] = [p.strip() for p in str(raw or "").split(",") if p.strip()]
        else:
            text = str(raw or "").strip()
            patch[w.name] = text if text else None
    texts: dict[str, Any] = {}
    for locale in shown:
        entry = {
            name: (values.get(f"translations.{locale}.{name}") or "").strip() or None
            for name, _ in translated
        }
        if any(v is not None for v in entry.values()):
            texts[locale] = entry
        elif locale in existing:
            texts[locale] = None  # emptied: the translation is removed
    if texts:
        patch["translations"] = texts
    return patch


def _campaign_slugs() -> list[str]:
    db = context.session()
    return list(
        db.scalars(
            select(Campaign.slug)
            .where(Campaign.status != Status.deleted.value)
            .order_by(Campaign.slug)
        )
    )


def _render(
    kind: editing.Kind,
    row: Any,
    values: dict[str, Any],
    revision: int,
    errors: dict[str, list[str]] | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    item, translated = form_spec(kind)
    for w in item:
        if w.name == "campaign":
            w.widget, w.choices = "select", _campaign_slugs()
    doc = editing.document(kind, row)
    available = _locales_of(row, doc)
    source, target = _pick_locales(row, doc, available)
    shown = [source] if target == source else [source, target]
    present = set(doc.get("translations") or {})
    fallbacks = {}
    for locale in shown:
        if locale not in present:
            chosen = locales.choose(present, (locale,), row.campaign.default_locale)
            fallbacks[locale] = chosen
    html = render_template(
        "studio/editor.html",
        kind=kind.name,
        key=getattr(row, kind.key),
        row=row,
        item=item,
        translated={
            loc: [widget_for(n, f, prefix=f"translations.{loc}.") for n, f in translated]
            for loc in shown
        },
        values=values,
        doc=doc,
        revision=revision,
        shown=shown,
        source=source,
        target=target,
        available=available,
        fallbacks=fallbacks,
        errors=errors or {},
        error=error,
        notices=actions.notices(),
    )
    return html, status


@per_kind("/{kind}/<key>/edit", EDITABLE, ["GET"])
def edit(kind: str, key: str) -> ResponseReturnValue:
    check_role(Role.editor)
    spec = editing.KINDS[kind]
    db = context.session()
    try:
        row = editing.load(db, spec, actions.parse_key(spec, key))
    except editing.NotFound:
        return render_template("studio/error.html", status=404, detail=t("error.title")), 404
    item, translated = form_spec(spec)
    values = _values_from_doc(editing.document(spec, row), item, translated)
    return _render(spec, row, values, row.revision)


@per_kind("/{kind}/<key>/edit", EDITABLE, ["POST"])
def save(kind: str, key: str) -> ResponseReturnValue:
    check_role(Role.editor)
    spec = editing.KINDS[kind]
    item_key = actions.parse_key(spec, key)
    db = context.session()
    try:
        row = editing.load(db, spec, item_key)
    except editing.NotFound:
        return render_template("studio/error.html", status=404, detail=t("error.title")), 404
    item, translated = form_spec(spec)
    shown = [loc for loc in request.form.getlist("shown") if locales.is_valid(loc)][:2]
    shown = [locales.normalize(loc) for loc in shown]
    values = _values_from_form(item, translated, shown)
    try:
        revision = int(request.form.get("revision", ""))
    except ValueError:
        revision = -1
    existing = set(editing.document(spec, row).get("translations") or {})
    patch = patch_from_values(values, item, translated, shown, existing)

    def change(session: Any, loaded: Any, author: str) -> Any:
        return editing.update_item(
            session, spec, loaded, revision, patch, author, utcnow(), merge=True
        )

    result = actions.apply(spec, item_key, change)
    if result.stale:
        return _conflict(spec, item_key, values, shown, item, translated)
    if result.error is not None:
        db.expire_all()
        row = editing.load(db, spec, item_key)
        return _render(
            spec,
            row,
            values,
            revision,
            errors=field_errors(result.errors),
            error=t("editor.invalid", detail=result.error),
            status=422,
        )
    actions.notice("ok", t("editor.saved", revision=result.row.revision))
    target = url_for(
        "studio.edit",
        kind=kind,
        key=key,
        source=request.form.get("source") or None,
        target=request.form.get("target") or None,
    )
    return redirect(target, code=303)


def _conflict(
    spec: editing.Kind,
    key: Any,
    mine: dict[str, Any],
    shown: list[str],
    item: list[Widget],
    translated: list[tuple[str, fields.Field[Any]]],
) -> ResponseReturnValue:
    db = context.session()
    row = editing.load(db, spec, key)
    theirs = _values_from_doc(editing.document(spec, row), item, translated)
    author = db.scalar(
        select(Revision.author).where(
            Revision.item_type == spec.item_type,
            Revision.item_id == row.id,
            Revision.number == row.revision,
        )
    )
    names = [w.name for w in item] + [
        f"translations.{loc}.{name}" for loc in shown for name, _ in translated
    ]
    rows = []
    for name in names:
        a, b = theirs.get(name, ""), mine.get(name, "")
        rows.append({"name": name, "theirs": _text(a), "mine": _text(b), "differs": a != b})
    html = render_template(
        "studio/conflict.html",
        kind=spec.name,
        key=getattr(row, spec.key),
        revision=row.revision,
        author=author or "someone",
        rows=rows,
        mine=mine,
        shown=shown,
        source=request.form.get("source", ""),
        target=request.form.get("target", ""),
    )
    return html, 409


@per_kind("/{kind}/<key>/revisions", EDITABLE, ["GET"])
def revisions(kind: str, key: str) -> ResponseReturnValue:
    check_role(Role.editor)
    spec = editing.KINDS[kind]
    db = context.session()
    try:
        row = editing.load(db, spec, actions.parse_key(spec, key), deleted=True)
    except editing.NotFound:
        return render_template("studio/error.html", status=404, detail=t("error.title")), 404
    history = editing.history(db, spec, row, limit=100)
    return render_template(
        "studio/revisions.html",
        kind=kind,
        key=getattr(row, spec.key),
        current=row.revision,
        history=history,
        notices=actions.notices(),
    )


@per_kind("/{kind}/<key>/revisions/<int:number>/restore", EDITABLE, ["POST"])
def restore(kind: str, key: str, number: int) -> BaseResponse:
    check_role(Role.editor)
    spec = editing.KINDS[kind]

    def change(session: Any, row: Any, author: str) -> Any:
        return editing.restore(session, spec, row, number, None, author, utcnow())

    result = actions.apply(spec, actions.parse_key(spec, key), change, deleted=True)
    if result.error is not None:
        actions.notice("error", result.error)
    else:
        actions.notice("ok", t("revisions.restored", number=number, revision=result.row.revision))
    return redirect(url_for("studio.revisions", kind=kind, key=key), code=303)
