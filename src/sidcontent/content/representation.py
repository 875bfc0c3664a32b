"""Content rows as plain dicts in one resolved locale: what readers get."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sidcontent.content import locales
from sidcontent.content.models import Campaign, Message, Resource, Status, Theme, utcnow

if TYPE_CHECKING:
    from sidcontent.content.queries import BundleRows


def _pick(translations: Sequence[Any], requested: Sequence[str], default: str) -> Any:
    by_locale = {t.locale: t for t in translations}
    chosen = locales.choose(by_locale.keys(), requested, default)
    return by_locale[chosen] if chosen is not None else None


def effective_status(status: str, publish_at: datetime | None, now: datetime) -> str:
    """What an item is at ``now``: a scheduled item whose time has come is published.

    The stored status stays "scheduled" (no background job flips it); every
    reader sees this one instead, and the ``status`` filters match it.
    """
    if status == _SCHEDULED and publish_at is not None and publish_at <= now:
        return _PUBLISHED
    return status


# Plain strings: the enum's attribute lookups were most of this function's cost.
_SCHEDULED, _PUBLISHED = Status.scheduled.value, Status.published.value


def published_at(status: str, publish_at: datetime | None) -> datetime | None:
    """When a published item went live (null if it was never recorded)."""
    return publish_at if status == Status.published.value else None


def _lifecycle(row: Any, translation: Any, now: datetime | None) -> dict[str, Any]:
    status = effective_status(row.status, row.publish_at, now or utcnow())
    return {
        "status": status,
        "publish_at": row.publish_at,
        "published_at": published_at(status, row.publish_at),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "revision": row.revision,
        "locale": translation.locale if translation is not None else row.default_locale,
        "available_locales": [t.locale for t in row.translations],
    }


def theme(row: Theme, requested: Sequence[str], now: datetime | None = None) -> dict[str, Any]:
    tr = _pick(row.translations, requested, row.default_locale)
    return {
        "slug": row.slug,
        "name": tr.name if tr else row.slug,
        "description": tr.description if tr else None,
        "palette": dict(row.palette),
        "default_locale": row.default_locale,
        **_lifecycle(row, tr, now),
    }


def campaign(
    row: Campaign, requested: Sequence[str], now: datetime | None = None
) -> dict[str, Any]:
    tr = _pick(row.translations, requested, row.default_locale)
    return {
        "slug": row.slug,
        "name": tr.name if tr else row.slug,
        "tagline": tr.tagline if tr else None,
        "description": tr.description if tr else None,
        "day": row.day,
        "edition": row.edition,
        "url": row.url,
        "hashtags": list(row.hashtags),
        "theme": row.theme.slug if row.theme is not None else None,
        "default_locale": row.default_locale,
        **_lifecycle(row, tr, now),
    }


def message(row: Message, requested: Sequence[str], now: datetime | None = None) -> dict[str, Any]:
    tr = _pick(row.translations, requested, row.campaign.default_locale)
    return {
        "id": row.id,
        "campaign": row.campaign.slug,
        "audience": row.audience,
        "kind": row.kind,
        "headline": tr.headline if tr else "",
        "body": tr.body if tr else None,
        "call_to_action": tr.call_to_action if tr else None,
        "link": row.link,
        "hashtags": list(row.hashtags),
        "tags": row.tags,
        **_lifecycle(row, tr, now),
    }


def resource(
    row: Resource, requested: Sequence[str], now: datetime | None = None
) -> dict[str, Any]:
    tr = _pick(row.translations, requested, row.campaign.default_locale)
    return {
        "id": row.id,
        "campaign": row.campaign.slug,
        "type": row.type,
        "title": tr.title if tr else "",
        "description": tr.description if tr else None,
        "url": row.url,
        "audiences": row.audiences,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "tags": row.tags,
        **_lifecycle(row, tr, now),
    }


def bundle(
    rows: BundleRows, requested: Sequence[str], now: datetime | None = None
) -> dict[str, Any]:
    """A campaign with its theme, messages and resources in one locale.

    What ``/campaigns/{slug}/bundle`` serves and what exporters receive (as a
    :class:`sidcontent.exporting.ContentBundle`): one shape for both.
    """
    now = now or utcnow()
    campaign_payload = campaign(rows.campaign, requested, now)
    return {
        "campaign": campaign_payload,
        "theme": theme(rows.theme, requested, now) if rows.theme else None,
        "messages": [message(m, requested, now) for m in rows.messages],
        "resources": [resource(r, requested, now) for r in rows.resources],
        "locale": campaign_payload["locale"],
    }


def snapshot(record: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A revision's stored record as readers see it at ``now`` (its status made true)."""
    shown = dict(record)
    if "status" in shown:
        when = shown.get("publish_at")
        moment = (
            datetime.fromisoformat(when.replace("Z", "+00:00")) if isinstance(when, str) else None
        )
        shown["status"] = effective_status(shown["status"], moment, now or utcnow())
    return shown
