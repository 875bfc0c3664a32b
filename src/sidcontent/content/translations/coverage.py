"""Translation coverage: per locale, which messages and resources are
translated, missing, or stale (the source text changed after the translation,
by revision), with counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sidcontent.content.translations.units import Item, campaign_row, items, last_changes


class UnknownCampaign(LookupError):
    pass


def coverage(session: Session, slug: str, locales: list[str] | None = None) -> dict[str, Any]:
    """The coverage report of campaign ``slug``; ``locales`` limits it (default:
    every locale any of its items is written in, and the campaign's own)."""
    campaign = campaign_row(session, slug)
    if campaign is None:
        raise UnknownCampaign(f"No campaign {slug[:80]!r}.")
    source = campaign.default_locale
    found = [i for i in items(session, campaign) if i.type != "campaign"]
    known = {tag for item in found for tag in item.translations}
    known |= {t.locale for t in campaign.translations}
    targets = sorted(locales if locales is not None else known - {source})
    changes = last_changes(session, found, [source, *targets])
    report = []
    for locale in targets:
        entry: dict[str, Any] = {"locale": locale}
        totals = {"translated": 0, "missing": 0, "stale": 0, "total": 0}
        for kind, item_type in (("messages", "message"), ("resources", "resource")):
            group: dict[str, list[Any]] = {"translated": [], "missing": [], "stale": []}
            for item in (i for i in found if i.type == item_type):
                state, detail = _state(item, source, locale, changes)
                group[state].append(detail if state == "stale" else item.row.id)
                totals[state] += 1
                totals["total"] += 1
            entry[kind] = group
        entry["counts"] = totals
        entry["complete"] = totals["missing"] == totals["stale"] == 0
        report.append(entry)
    return {"campaign": campaign.slug, "source_locale": source, "locales": report}


def _state(
    item: Item, source: str, locale: str, changes: dict[tuple[str, int], dict[str, int]]
) -> tuple[str, Any]:
    if locale not in item.translations:
        return "missing", None
    log = changes.get((item.type, item.row.id), {})
    source_rev, target_rev = log.get(source, 0), log.get(locale, 0)
    if source_rev > target_rev:
        return "stale", {
            "id": item.row.id,
            "source_revision": source_rev,
            "translation_revision": target_rev or None,
        }
    return "translated", None
