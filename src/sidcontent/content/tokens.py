"""API tokens: roles, creation, verification and revocation.

A token is ``sid_`` followed by 43 URL-safe characters (256 bits from
``secrets``). Only its SHA-256 is stored: a leaked database holds nothing a
caller could present. Because the secret is high-entropy, a fast hash is
enough (no password-style stretching) and the lookup can be an indexed
equality on the digest; the digest is then compared again with
``hmac.compare_digest`` so no branch depends on how much of it matched.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from sidcontent.content.models import Base, UTCDateTime, utcnow

PREFIX = "sid_"
SECRET_BYTES = 32
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# What a well-formed token looks like; anything else is refused before any
# database work.
TOKEN_RE = re.compile(r"^sid_[A-Za-z0-9_-]{43}$")
MAX_EXPIRY_DAYS = 3650


class Role(enum.IntEnum):
    """Roles, each including every one before it."""

    marketer = 1  # preview drafts, run exports
    editor = 2  # create and change drafts, restore revisions
    publisher = 3  # publish, schedule, unpublish, archive
    admin = 4  # delete

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name]
        except KeyError:
            raise TokenError(
                f"unknown role {name!r}; choose one of {', '.join(r.name for r in cls)}"
            ) from None


ROLES = [role.name for role in Role]


class TokenError(ValueError):
    """A token operation that cannot be done; the message says why."""


class Token(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names stay unique after revocation: revisions record who made a change
    # by token name, and a reused name would blur that record.
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # "sid_abcd…", to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's name and role."""

    name: str
    role: Role

    def can(self, role: Role | str) -> bool:
        needed = role if isinstance(role, Role) else Role.parse(role)
        return self.role >= needed


class Unauthenticated(Exception):
    """A presented token that is unknown, expired or revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create(
    session: Session, name: str, role: str, expires_days: int | None = None
) -> tuple[Token, str]:
    """Create a token; return it and its secret, which is never stored."""
    if not NAME_RE.fullmatch(name):
        raise TokenError(
            "a token name is 1-64 letters, digits, '.', '_', '@' or '-', starting with a "
            "letter or digit"
        )
    parsed = Role.parse(role)
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise TokenError(f"--expires is a number of days from 1 to {MAX_EXPIRY_DAYS}")
    if session.scalar(select(Token.id).where(Token.name == name)) is not None:
        raise TokenError(f"a token named {name!r} already exists (names are never reused)")
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    now = utcnow()
    token = Token(
        name=name,
        role=parsed.name,
        digest=digest(secret),
        hint=secret[:8] + "…",
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    try:
        session.flush()
    except IntegrityError:
        raise TokenError(f"a token named {name!r} already exists") from None
    return token, secret


def list_tokens(session: Session) -> list[Token]:
    return list(session.scalars(select(Token).order_by(Token.name)))


def revoke(session: Session, name: str) -> Token:
    token = session.scalar(select(Token).where(Token.name == name))
    if token is None:
        raise TokenError(f"no token named {name!r}")
    if token.revoked_at is not None:
        raise TokenError(f"the token {name!r} is already revoked")
    token.revoked_at = utcnow()
    return token


def authenticate(session: Session, secret: str, now: datetime) -> Principal:
    """The principal a presented secret stands for, or ``Unauthenticated``."""
    if not TOKEN_RE.fullmatch(secret):
        raise Unauthenticated("The bearer token is malformed.")
    wanted = digest(secret)
    token = session.scalar(select(Token).where(Token.digest == wanted))
    if token is None or not hmac.compare_digest(token.digest, wanted):
        raise Unauthenticated("The bearer token is not valid.")
    state = token.state(now)
    if state == "revoked":
        raise Unauthenticated("The bearer token has been revoked.")
    if state == "expired":
        raise Unauthenticated("The bearer token has expired.")
    return Principal(token.name, Role[token.role])
