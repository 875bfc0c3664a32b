"""From the outbox to receivers: fan-out, one attempt, the retry schedule.

Every event in the outbox becomes one delivery per enabled endpoint that
wants its type, in the same transaction that marks the event fanned out, so
a crash either leaves it for the next pass or has done it whole. A delivery
is claimed (``locked_until``) before it is sent, so two dispatchers never
send it at once; a crash after sending and before recording means one more
attempt with the same ``webhook-id``, which receivers deduplicate on.

Outcomes: 2xx is success. A redirect is a failure (never followed). 410
Gone disables the endpoint. 429, 502, 503 and 504 wait for ``Retry-After``
when the receiver sends one. Other failures retry on the schedule below,
with jitter, for about three days, then the delivery is given up (failed);
an admin can redeliver it.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sidcontent import __version__
from sidcontent.content import golive
from sidcontent.content.events import OutboxEvent
from sidcontent.content.models import utcnow
from sidcontent.db import Database
from sidcontent.webhooks import signing
from sidcontent.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

# Waits after each failed attempt: the Standard Webhooks example schedule
# (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) stretched to about three days.
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=14),
    timedelta(hours=14),
)
JITTER = 0.1  # each wait is stretched or shrunk by up to 10%
TIMEOUT = 15.0  # seconds for the whole attempt (connect, send, first response)
LEASE = timedelta(seconds=60)
RETRY_AFTER_STATUSES = (429, 502, 503, 504)
MAX_RETRY_AFTER = timedelta(days=1)
EXCERPT = 1000  # characters of the response kept in the log


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta | None:
    """The wait after failed attempt number ``attempts`` (1-based); None: give up."""
    if attempts > len(SCHEDULE):
        return None
    base = SCHEDULE[attempts - 1].total_seconds()
    spread = (rng or random).uniform(-JITTER, JITTER)
    return timedelta(seconds=base * (1 + spread))


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a wait."""
    if not value:
        return None
    value = value.strip()
    wait: timedelta | None
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return max(timedelta(0), min(wait, MAX_RETRY_AFTER))


# --- fan-out ----------------------------------------------------------------------


def fan_out(session: Session, now: datetime, limit: int = 100) -> int:
    """Turn outbox events into deliveries; returns how many events were fanned out."""
    pending = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.fanned_out_at.is_(None))
        .order_by(OutboxEvent.seq)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    endpoints = session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
    ).all()
    done = 0
    for event in pending:
        claimed = session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.seq == event.seq, OutboxEvent.fanned_out_at.is_(None))
            .values(fanned_out_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another dispatcher has it
        for endpoint in endpoints:
            if endpoint.after_seq < event.seq and endpoint.wants(event.type):
                session.add(
                    WebhookDelivery(
                        endpoint_id=endpoint.id,
                        event_seq=event.seq,
                        event_id=event.event_id,
                        event_type=event.type,
                        payload=event.payload,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        done += 1
    session.flush()
    return done


# --- one attempt ------------------------------------------------------------------


class Refused(Exception):
    """The URL may not be called (scheme, or a private address)."""


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(host: str, port: int, allow_private: bool) -> str:
    """One address for ``host``, refusing private ones unless allowed.

    The connection then goes to exactly this address, so a name cannot
    resolve to a public address for the check and a private one for the call.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConnectionError(f"cannot resolve {host!r}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private:
        blocked = [a for a in addresses if not _public(a)]
        if blocked:
            raise Refused(
                f"{host} resolves to a private, loopback or link-local address ({blocked[0]}); "
                "set SIDCONTENT_WEBHOOK_ALLOW_PRIVATE=1 to allow it"
            )
    return addresses[0]


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a vetted address, with the host name for SNI and certificates."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


@dataclass(frozen=True)
class Response:
    status: int | None
    headers: dict[str, str]
    excerpt: str | None
    error: str | None
    latency_ms: float


def send(
    url: str, headers: dict[str, str], body: bytes, *, allow_private: bool, timeout: float
) -> Response:
    """POST ``body`` to ``url`` once; never follows redirects."""
    started = time.perf_counter()

    def took() -> float:
        return round((time.perf_counter() - started) * 1000, 1)

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Response(None, {}, None, "only http and https URLs are called", took())
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve(parts.hostname, port, allow_private)
        cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        connection = cls(parts.hostname, address, port, timeout)
        try:
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            connection.request("POST", path, body=body, headers=headers)
            answer = connection.getresponse()
            text = answer.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
            return Response(
                answer.status, {k.lower(): v for k, v in answer.getheaders()}, text, None, took()
            )
        finally:
            connection.close()
    except Refused as exc:
        return Response(None, {}, None, str(exc)[:300], took())
    except (OSError, http.client.HTTPException) as exc:
        return Response(None, {}, None, f"{type(exc).__name__}: {exc}"[:300], took())


# --- running deliveries -------------------------------------------------------------


def due(session: Session, now: datetime, limit: int = 20) -> Sequence[int]:
    return session.scalars(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    ).all()


def _claim(session: Session, delivery_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
        )
        .values(locked_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and (
        endpoint.previous_secret_until is None or endpoint.previous_secret_until > now
    ):
        keys.append(endpoint.previous_secret)
    return keys


def attempt(database: Database, delivery_id: int, *, allow_private: bool, timeout: float) -> bool:
    """Claim, send and record one delivery; False if someone else had it."""
    now = utcnow()
    with database.session() as session:
        if not _claim(session, delivery_id, now):
            return False
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        assert endpoint is not None
        url, keys = endpoint.url, secrets_in_use(endpoint, now)
        enabled = endpoint.enabled
        event_id, payload = delivery.event_id, delivery.payload
    if not enabled:
        with database.session() as session:
            _finish(session, delivery_id, None, "failed", None)
        return True
    body = orjson.dumps(payload)
    sent_at = utcnow()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"sidcontent-webhooks/{__version__}",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signing.signature(keys, event_id, sent_at, body.decode()),
    }
    result = send(url, headers, body, allow_private=allow_private, timeout=timeout)
    with database.session() as session:
        record(session, delivery_id, sent_at, result)
    return True


def _finish(
    session: Session, delivery_id: int, next_at: datetime | None, status: str, at: datetime | None
) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(status=status, next_attempt_at=next_at, locked_until=None, delivered_at=at)
        .execution_options(synchronize_session=False)
    )


def record(session: Session, delivery_id: int, at: datetime, result: Response) -> None:
    """Log an attempt and decide what comes next."""
    delivery = session.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    session.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            at=at,
            status_code=result.status,
            latency_ms=result.latency_ms,
            response_excerpt=result.excerpt,
            error=result.error
            or (
                "redirects are not followed"
                if result.status is not None and 300 <= result.status < 400
                else None
            ),
        )
    )
    attempts = delivery.attempts + 1
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(attempts=attempts)
        .execution_options(synchronize_session=False)
    )
    status = result.status
    if status is not None and 200 <= status < 300:
        _finish(session, delivery_id, None, "succeeded", utcnow())
        return
    if status == 410:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == delivery.endpoint_id)
            .values(enabled=False, disabled_reason="The receiver answered 410 Gone.")
            .execution_options(synchronize_session=False)
        )
        _finish(session, delivery_id, None, "failed", None)
        return
    wait = backoff(attempts)
    if status in RETRY_AFTER_STATUSES:
        asked = retry_after(result.headers.get("retry-after"), utcnow())
        if asked is not None and wait is not None:
            wait = asked
    if wait is None:
        _finish(session, delivery_id, None, "failed", None)
        return
    _finish(session, delivery_id, utcnow() + wait, "pending", None)


def run_once(
    database: Database,
    *,
    allow_private: bool,
    timeout: float = TIMEOUT,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Announce passed schedules, fan out new events and attempt every due
    delivery; returns attempts made. ``clock`` is the content's clock (what
    decides that a schedule has passed); retries keep real time."""
    with database.session() as session:
        golive.announce_due(session, clock())
    now = utcnow()
    with database.session() as session:
        while fan_out(session, now):
            session.commit()
        ids = due(session, now)
    made = 0
    for delivery_id in ids:
        if attempt(database, delivery_id, allow_private=allow_private, timeout=timeout):
            made += 1
    return made


def next_due(database: Database) -> datetime | None:
    with database.session() as session:
        value: Any = session.scalar(
            select(WebhookDelivery.next_attempt_at)
            .where(WebhookDelivery.status == "pending")
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(1)
        )
        return value  # type: ignore[no-any-return]
