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
from sidcontent.content.translations import coverage as coveragemod
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


def coverage(db: Any, rows: queries.BundleRows) -> dict[str, Any]:
    """Locale x item: translated, stale, missing, or the locale a reader gets instead.

    The states are the translations coverage service's, the report GET
    /campaigns/{slug}/coverage answers, so the grid cannot disagree with it;
    the report leaves out the source locale, asked for on its own. Where a
    text is missing, the locale shown is ``locales.choose``'s, the function
    the API serves content with.
    """
    campaign = rows.campaign
    source = campaign.default_locale
    report = coveragemod.coverage(db, campaign.slug)
    entries = coveragemod.coverage(db, campaign.slug, [source])["locales"] + report["locales"]
    ordered = [entry["locale"] for entry in entries]
    states: dict[tuple[str, int, str], dict[str, Any]] = {}
    for entry in entries:
        for kind in ("messages", "resources"):
            group = entry[kind]
            for item_id in group["translated"]:
                states[kind, item_id, entry["locale"]] = {"state": "translated"}
            for item_id in group["missing"]:
                states[kind, item_id, entry["locale"]] = {"state": "missing"}
            for stale in group["stale"]:
                states[kind, stale["id"], entry["locale"]] = {
                    "state": "stale",
                    "revision": stale["source_revision"],
                }
    available = {
        (kind, item.id): {tr.locale for tr in item.translations}
        for kind, items in (("messages", rows.messages), ("resources", rows.resources))
        for item in items
    }
    table = []
    first = entries[0]
    for kind in ("messages", "resources"):
        group = first[kind]
        ids = sorted([*group["translated"], *group["missing"], *(s["id"] for s in group["stale"])])
        for item_id in ids:
            cells = []
            for locale in ordered:
                cell = dict(states.get((kind, item_id, locale), {"state": "missing"}))
                if cell["state"] == "missing":
                    chosen = locales.choose(
                        available.get((kind, item_id), set()), (locale,), source
                    )
                    if chosen is not None:
                        cell = {"state": "fallback", "fallback": chosen}
                cells.append(cell)
            table.append({"kind": kind, "id": item_id, "cells": cells})
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
        coverage=coverage(db, rows),
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
