"""Managing endpoints: what the API and the CLI both call."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from sidcontent.content.events import EVENT_TYPES, OutboxEvent
from sidcontent.webhooks import signing
from sidcontent.webhooks.models import WebhookDelivery, WebhookEndpoint

ROTATION_OVERLAP = timedelta(hours=24)  # the old secret keeps signing this long


class EndpointError(ValueError):
    """A bad value, per field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def check(url: str | None = None, events: Sequence[str] | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors["url"] = ["An http or https URL with a host."]
        elif parts.username or parts.password:
            errors["url"] = ["No credentials in the URL."]
        elif len(url) > 2048:
            errors["url"] = ["At most 2048 characters."]
    if events is not None:
        unknown = sorted(set(events) - set(EVENT_TYPES))
        if unknown:
            errors["events"] = [f"Unknown event types: {', '.join(unknown)}."]
    if errors:
        raise EndpointError(errors)


def create(
    session: Session,
    url: str,
    events: Sequence[str],
    description: str,
    enabled: bool,
    now: datetime,
) -> WebhookEndpoint:
    check(url, events)
    endpoint = WebhookEndpoint(
        id=f"wh_{uuid.uuid4().hex[:20]}",
        url=url,
        events=sorted(set(events)),
        description=description,
        enabled=enabled,
        secret=signing.new_secret(),
        created_at=now,
        updated_at=now,
        after_seq=session.scalar(select(func.coalesce(func.max(OutboxEvent.seq), 0))) or 0,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def change(
    session: Session, endpoint: WebhookEndpoint, values: dict[str, Any], now: datetime
) -> WebhookEndpoint:
    check(values.get("url"), values.get("events"))
    for key in ("url", "description"):
        if key in values:
            setattr(endpoint, key, values[key])
    if "events" in values:
        endpoint.events = sorted(set(values["events"]))
    if "enabled" in values:
        endpoint.enabled = bool(values["enabled"])
        if endpoint.enabled:
            endpoint.disabled_reason = None
    endpoint.updated_at = now
    session.flush()
    return endpoint


def rotate(session: Session, endpoint: WebhookEndpoint, now: datetime) -> str:
    """A new secret; the old one signs beside it for ``ROTATION_OVERLAP``."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + ROTATION_OVERLAP
    endpoint.secret = signing.new_secret()
    endpoint.updated_at = now
    session.flush()
    return endpoint.secret


def get(session: Session, endpoint_id: str) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, endpoint_id)


def listing(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at)))


def deliveries(
    session: Session, endpoint: WebhookEndpoint, before: int | None, limit: int
) -> list[WebhookDelivery]:
    """Newest first, with their attempts."""
    stmt = (
        select(WebhookDelivery)
        .options(selectinload(WebhookDelivery.attempt_rows))
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(WebhookDelivery.id < before)
    return list(session.scalars(stmt))


def redeliver(session: Session, endpoint: WebhookEndpoint, delivery_id: int, now: datetime) -> bool:
    """Queue one more attempt of a delivery, now; False if there is none."""
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id)
        .values(status="pending", next_attempt_at=now, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def describe(endpoint: WebhookEndpoint, *, secret: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }
    if secret:
        data["secret"] = endpoint.secret
    return data


def describe_delivery(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "created_at": row.created_at,
        "delivered_at": row.delivered_at,
        "log": [
            {
                "at": a.at,
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "response_excerpt": a.response_excerpt,
                "error": a.error,
            }
            for a in row.attempt_rows
        ],
    }
