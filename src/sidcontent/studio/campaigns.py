"""Campaign overview: campaigns, coverage, schedule, export history; workflow actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from sidcontent.api import context
from sidcontent.api.auth import check_role
from sidcontent.content import editing, locales, queries
from sidcontent.content.models import utcnow
from sidcontent.content.tokens import Role
from sidcontent.exports.service import Exports
from sidcontent.studio import actions
from sidcontent.studio.blueprint import bp, per_kind
from sidcontent.studio.strings import t

HISTORY_LIMIT = 20


def _name(row: Any, field: str, default: str) -> str:
    by_locale = {tr.locale: tr for tr in row.translations}
    chosen = locales.choose(by_locale.keys(), (), default)
    return str(getattr(by_locale[chosen], field)) if chosen else str(getattr(row, "slug", row.id))


@bp.get("/campaigns")
def campaigns() -> str:
    check_role(Role.marketer)
    db = context.session()
    page = queries.list_campaigns(db, {}, None, 100, utcnow(), preview=True)
    rows = [
        {
            "slug": c.slug,
            "name": _name(c, "name", c.default_locale),
            "day": c.day.isoformat(),
            "status": c.status,
        }
        for c in page.items
    ]
    return render_template("studio/campaigns.html", campaigns=rows)


def coverage(rows: queries.BundleRows) -> dict[str, Any]:
    """Locale x item: translated, missing, or the locale a reader gets instead.

    The fallback is ``locales.choose``, the function the API answers with.
    """
    campaign = rows.campaign
    items = [("messages", m) for m in rows.messages] + [("resources", r) for r in rows.resources]
    found = {campaign.default_locale} | {tr.locale for tr in campaign.translations}
    for _, item in items:
        found |= {tr.locale for tr in item.translations}
    ordered = [campaign.default_locale] + sorted(found - {campaign.default_locale})
    table = []
    for kind, item in items:
        available = {tr.locale for tr in item.translations}
        cells = []
        for locale in ordered:
            if locale in available:
                cells.append({"state": "translated"})
                continue
            chosen = locales.choose(available, (locale,), campaign.default_locale)
            if chosen is None:
                cells.append({"state": "missing"})
            else:
                cells.append({"state": "fallback", "fallback": chosen})
        table.append({"kind": kind, "id": item.id, "cells": cells})
    return {"locales": ordered, "rows": table}


def schedule(rows: queries.BundleRows) -> list[dict[str, Any]]:
    entries = []
    campaign = rows.campaign
    if campaign.status == "scheduled" and campaign.publish_at is not None:
        entries.append(
            {
                "kind": "campaigns",
                "key": campaign.slug,
                "title": _name(campaign, "name", campaign.default_locale),
                "publish_at": campaign.publish_at,
            }
        )
    for kind, items, field in (
        ("messages", rows.messages, "headline"),
        ("resources", rows.resources, "title"),
    ):
        for item in items:
            if item.status == "scheduled" and item.publish_at is not None:
                entries.append(
                    {
                        "kind": kind,
                        "key": item.id,
                        "title": _name(item, field, campaign.default_locale),
                        "publish_at": item.publish_at,
                    }
                )
    return sorted(entries, key=lambda e: e["publish_at"])


def history(slug: str) -> list[Any]:
    """The campaign's latest exports, as GET /api/v1/exports?campaign= lists them."""
    exports: Exports = current_app.extensions["sidcontent.exports"]
    records, _ = exports.page({"campaign": slug}, None, HISTORY_LIMIT)
    return records


@bp.get("/campaigns/<slug>")
def campaign(slug: str) -> str:
    check_role(Role.marketer)
    db = context.session()
    rows = queries.get_bundle(db, slug, utcnow(), preview=True)
    if rows is None:
        abort(404, f"No campaign {slug[:80]!r}.")
    c = rows.campaign
    items = [
        {
            "kind": "messages",
            "id": m.id,
            "title": _name(m, "headline", c.default_locale),
            "status": m.status,
        }
        for m in rows.messages
    ] + [
        {
            "kind": "resources",
            "id": r.id,
            "title": _name(r, "title", c.default_locale),
            "status": r.status,
        }
        for r in rows.resources
    ]
    view = {
        "slug": c.slug,
        "name": _name(c, "name", c.default_locale),
        "status": c.status,
        "day": c.day.isoformat(),
        "default_locale": c.default_locale,
    }
    return render_template(
        "studio/campaign.html",
        campaign=view,
        items=items,
        coverage=coverage(rows),
        schedule=schedule(rows),
        history=history(c.slug),
        notices=actions.notices(),
    )


def parse_when(value: str) -> datetime | None:
    """A ``datetime-local`` value, read as UTC; empty means none."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise actions.FormError(t("workflow.bad_time")) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _campaign_of(kind: editing.Kind, row: Any) -> str:
    return str(row.slug if kind.name == "campaigns" else row.campaign.slug)


@per_kind(
    "/{kind}/<key>/{action}",
    ("campaigns", "messages", "resources"),
    ["POST"],
    action=("publish", "unpublish"),
)
def workflow(kind: str, key: str, action: str) -> BaseResponse:
    """Publish, schedule, reschedule, cancel or unpublish: a publisher's call."""
    check_role(Role.publisher)
    spec = editing.KINDS[kind]
    item_key = actions.parse_key(spec, key)
    try:
        when = parse_when(request.form.get("publish_at", "")) if action == "publish" else None
    except actions.FormError as exc:
        actions.notice("error", exc.message)
        return redirect(request.referrer or url_for("studio.campaigns"), code=303)

    def change(db: Any, row: Any, author: str) -> Any:
        now = utcnow()
        if action == "publish":
            return editing.publish(db, spec, row, None, when, author, now)
        return editing.unpublish(db, spec, row, None, author, now)

    result = actions.apply(spec, item_key, change)
    if result.error is not None:
        actions.notice("error", result.error)
    elif action == "unpublish":
        actions.notice("ok", t("workflow.unpublished"))
    elif result.row is not None and result.row.status == "scheduled":
        actions.notice(
            "ok", t("workflow.scheduled", when=result.row.publish_at.strftime("%Y-%m-%d %H:%M"))
        )
    else:
        actions.notice("ok", t("workflow.published"))
    slug = result.campaign or ""
    target = url_for("studio.campaign", slug=slug) if slug else url_for("studio.campaigns")
    if request.form.get("back") == "editor":
        target = url_for("studio.edit", kind=kind, key=key)
    return redirect(target, code=303)
