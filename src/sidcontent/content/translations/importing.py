"""A translated XLIFF or PO file applied to the content, like any edit.

All or nothing: the file must be for this campaign, from its source locale,
into another locale; every unit must name an item of the campaign at the
revision the file was made from (else the file is stale: someone edited the
item since, and importing would overwrite or mistranslate their change) and
carry that item's current source text. Then each changed item gets one merge
patch touching only ``translations.<target>``, validated and recorded as a
revision by :func:`sidcontent.content.editing.update_item`, exactly as a PATCH
would be: markup stays text, control characters are refused. If any item is
refused, nothing is applied and the report says which unit and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sidcontent.content import editing, locales
from sidcontent.content.translations.files import Parsed
from sidcontent.content.translations.units import Item, UnitId, campaign_row, items

KIND_NAMES = {"campaign": "campaigns", "message": "messages", "resource": "resources"}


class ImportRefused(Exception):
    """The file as a whole cannot be imported; nothing changed.

    ``status``: 404 (no campaign), 409 (stale or another campaign's file) or
    422 (a unit or target the content refuses); ``units`` reports per unit.
    """

    def __init__(self, detail: str, status: int, units: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.units = units or []


@dataclass
class Report:
    campaign: str
    locale: str
    units: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {"updated": 0, "unchanged": 0, "untranslated": 0}
        for unit in self.units:
            out[unit["status"]] = out.get(unit["status"], 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "locale": self.locale,
            "counts": self.counts(),
            "units": self.units,
            "revisions": self.revisions,
        }


def apply(
    session: Session,
    slug: str,
    parsed: Parsed,
    author: str,
    now: datetime,
    *,
    expected_locale: str | None = None,
) -> Report:
    """Check ``parsed`` against campaign ``slug`` and apply it (not committed)."""
    campaign = campaign_row(session, slug)
    if campaign is None:
        raise ImportRefused(f"No campaign {slug[:80]!r}.", 404)
    if parsed.campaign != campaign.slug:
        got = repr(parsed.campaign) if parsed.campaign else "no campaign"
        raise ImportRefused(
            f"This file is for {got}, not campaign {campaign.slug!r}: export the file "
            f"for {campaign.slug!r} and translate that one.",
            409,
        )
    source = campaign.default_locale
    target = _target(parsed, source, expected_locale)
    if parsed.source_locale and parsed.source_locale.lower() != source.lower():
        raise ImportRefused(
            f"This file translates from {parsed.source_locale}; campaign {slug!r} is written "
            f"in {source}.",
            409,
        )
    by_key = {(i.type, i.key): i for i in items(session, campaign)}
    report = Report(campaign.slug, target)
    problems: list[dict[str, Any]] = []
    stale: list[str] = []
    patches: dict[tuple[str, str], dict[str, str]] = {}
    for unit in parsed.units:
        uid = UnitId.parse(unit.id)
        if uid is None:
            problems.append(_unit(unit.id, "refused", "not a unit id this exporter wrote"))
            continue
        item = by_key.get((uid.type, uid.key))
        if item is None:
            problems.append(_unit(unit.id, "refused", f"no {uid.type} {uid.key} in {slug!r}"))
            continue
        if uid.revision != item.revision:
            stale.append(f"{item.label} (file: revision {uid.revision}, now {item.revision})")
            continue
        current_source = (item.translations.get(source) or {}).get(uid.field) or ""
        if unit.source != current_source:
            problems.append(_unit(unit.id, "refused", "the source text differs from the item's"))
            continue
        target_text = unit.target
        current = (item.translations.get(target) or {}).get(uid.field) or ""
        if not target_text.strip():
            report.units.append(_unit(unit.id, "untranslated"))
        elif target_text == current:
            report.units.append(_unit(unit.id, "unchanged"))
        else:
            patches.setdefault((uid.type, uid.key), {})[uid.field] = target_text
            report.units.append(_unit(unit.id, "updated", previous=current or None))
    if stale:
        raise ImportRefused(
            "This file is stale: these items changed after it was exported, so importing "
            "it could overwrite newer work. Export a new file and carry the translations "
            "over: "
            + "; ".join(stale[:20])
            + (f" and {len(stale) - 20} more" if len(stale) > 20 else ""),
            409,
        )
    if problems:
        raise ImportRefused("Some units cannot be imported; nothing was changed.", 422, problems)
    for (item_type, key), patch in patches.items():
        item = by_key[item_type, key]
        _patch(session, item, target, patch, author, now, report)
    return report


def _target(parsed: Parsed, source: str, expected: str | None) -> str:
    if not parsed.target_locale:
        raise ImportRefused("The file does not say which locale it translates into.", 422)
    try:
        target = locales.normalize(parsed.target_locale.replace("_", "-"))
    except locales.LocaleError as exc:
        raise ImportRefused(f"The file's target locale: {exc}", 422) from None
    if expected is not None and locales.normalize(expected) != target:
        raise ImportRefused(f"This file translates into {target}, not {expected}.", 409)
    if target.lower() == source.lower():
        raise ImportRefused(
            f"The file translates into {target}, the campaign's source locale; edit the "
            "source through the API instead.",
            422,
        )
    return target


def _patch(
    session: Session,
    item: Item,
    target: str,
    patch: dict[str, str],
    author: str,
    now: datetime,
    report: Report,
) -> None:
    kind = editing.KINDS[KIND_NAMES[item.type]]
    try:
        row = editing.update_item(
            session,
            kind,
            item.row,
            item.revision,
            {"translations": {target: patch}},
            author,
            now,
            merge=True,
        )
    except editing.Invalid as exc:
        session.rollback()
        units = [
            _unit(str(UnitId(item.type, item.key, item.revision, name)), "refused", reason)
            for name, reason in _field_errors(exc.errors, target, patch)
        ]
        raise ImportRefused(f"{item.label}: {exc}; nothing was changed.", 422, units) from None
    except editing.Stale:
        session.rollback()
        raise ImportRefused(f"{item.label} changed during the import; try again.", 409) from None
    report.revisions.append({"item": item.label, "revision": row.revision})


def _field_errors(errors: Any, target: str, patch: dict[str, str]) -> list[tuple[str, str]]:
    found = errors.get("translations", {}).get(target, {}) if isinstance(errors, dict) else {}
    out = []
    for name in patch:
        messages = found.get(name) if isinstance(found, dict) else None
        if messages:
            out.append((name, "; ".join(map(str, messages))))
    if not out:
        out = [(name, str(errors)[:300]) for name in patch]
    return out


def _unit(unit_id: str, status: str, reason: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": unit_id, "status": status}
    if reason:
        out["reason"] = reason
    out.update(extra)
    return out
