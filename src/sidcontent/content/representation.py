"""Content rows as plain dicts in one resolved locale: what readers get."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sidcontent.content import locales
from sidcontent.content.models import Campaign, Message, Resource, Theme

if TYPE_CHECKING:
    from sidcontent.content.queries import BundleRows


def _pick(translations: Sequence[Any], requested: Sequence[str], default: str) -> Any:
    by_locale = {t.locale: t for t in translations}
    chosen = locales.choose(by_locale.keys(), requested, default)
    return by_locale[chosen] if chosen is not None else None


def _lifecycle(row: Any, translation: Any) -> dict[str, Any]:
    return {
        "status": row.status,
        "publish_at": row.publish_at,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "revision": row.revision,
        "locale": translation.locale if translation is not None else row.default_locale,
        "available_locales": [t.locale for t in row.translations],
    }


def theme(row: Theme, requested: Sequence[str]) -> dict[str, Any]:
    tr = _pick(row.translations, requested, row.default_locale)
    return {
        "slug": row.slug,
        "name": tr.name if tr else row.slug,
        "description": tr.description if tr else None,
        "palette": dict(row.palette),
        "default_locale": row.default_locale,
        **_lifecycle(row, tr),
    }


def campaign(row: Campaign, requested: Sequence[str]) -> dict[str, Any]:
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
        **_lifecycle(row, tr),
    }


def message(row: Message, requested: Sequence[str]) -> dict[str, Any]:
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
        **_lifecycle(row, tr),
    }


def resource(row: Resource, requested: Sequence[str]) -> dict[str, Any]:
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
        **_lifecycle(row, tr),
    }


def bundle(rows: BundleRows, requested: Sequence[str]) -> dict[str, Any]:
    """A campaign with its theme, messages and resources in one locale.

    What ``/campaigns/{slug}/bundle`` serves and what exporters receive (as a
    :class:`sidcontent.exporting.ContentBundle`): one shape for both.
    """
    campaign_payload = campaign(rows.campaign, requested)
    return {
        "campaign": campaign_payload,
        "theme": theme(rows.theme, requested) if rows.theme else None,
        "messages": [message(m, requested) for m in rows.messages],
        "resources": [resource(r, requested) for r in rows.resources],
        "locale": campaign_payload["locale"],
    }
