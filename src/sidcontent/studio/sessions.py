"""Studio sign-in sessions, kept in the database.

A browser signs in once with an API token and gets a random session secret
in a cookie; only its SHA-256 is stored (as for tokens), so a leaked table
opens no session. Every request re-reads the token behind the session, so
revoking or expiring the token ends all its sessions at once, and the role
is always the token's current one. Sessions live in the database, not in a
process, so any app server behind the proxy can answer any request.

Two expiries: idle (no request for ``idle``) and absolute (``lifetime``
after sign-in, however busy). Each session has its own CSRF secret, sent in
every form and in the ``X-CSRF-Token`` header of the studio's own requests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sidcontent.content import tokens
from sidcontent.content.models import Base, UTCDateTime
from sidcontent.content.tokens import Principal, Role, Token

SECRET_BYTES = 32
# Refresh last_seen_at at most this often: most requests then write nothing.
TOUCH_EVERY = timedelta(seconds=60)


class StudioSession(Base):
    __tablename__ = "studio_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_studio_sessions_token_id", "token_id"),)


@dataclass(frozen=True)
class Active:
    """A live session: who it is for and its CSRF secret."""

    id: int
    principal: Principal
    csrf: str
    expires_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start(
    session: Session, token_secret: str, now: datetime, lifetime: timedelta
) -> tuple[str, Active]:
    """Exchange a valid API token for a session; ``Unauthenticated`` otherwise."""
    principal = tokens.authenticate(session, token_secret, now)
    token = session.scalar(select(Token).where(Token.digest == tokens.digest(token_secret)))
    assert token is not None  # authenticate found it
    secret = secrets.token_urlsafe(SECRET_BYTES)
    row = StudioSession(
        digest=_digest(secret),
        token_id=token.id,
        csrf=secrets.token_urlsafe(SECRET_BYTES),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return secret, Active(row.id, principal, row.csrf, row.expires_at)


def resolve(session: Session, secret: str, now: datetime, idle: timedelta) -> Active | None:
    """The live session behind a cookie, or ``None`` (and it is removed if dead)."""
    if not secret or len(secret) > 100:
        return None
    wanted = _digest(secret)
    found = session.execute(
        select(StudioSession, Token)
        .join(Token, Token.id == StudioSession.token_id)
        .where(StudioSession.digest == wanted)
    ).first()
    if found is None:
        return None
    row, token = found
    if not hmac.compare_digest(row.digest, wanted):
        return None
    dead = token.state(now) != "active" or row.expires_at <= now or row.last_seen_at + idle <= now
    if dead:
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return Active(row.id, Principal(token.name, Role[token.role]), row.csrf, row.expires_at)


def end(session: Session, session_id: int) -> None:
    session.execute(delete(StudioSession).where(StudioSession.id == session_id))


def csrf_ok(active: Active, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(active.csrf, presented or "")
