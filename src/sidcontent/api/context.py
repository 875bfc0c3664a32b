"""Per-request access to the app's database and a request-scoped session."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g
from sqlalchemy.orm import Session

from sidcontent.content.models import utcnow
from sidcontent.db import Database


def now() -> datetime:
    """The app's clock: ``utcnow`` unless a test injects ``CLOCK`` (a callable)."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()


def database() -> Database:
    db: Database = current_app.extensions["sidcontent.db"]
    return db


def session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "sid_session" not in g:
        g.sid_session = database().sessions()
    s: Session = g.sid_session
    return s


def close_session(_exc: BaseException | None = None) -> None:
    s = g.pop("sid_session", None)
    if s is not None:
        s.close()
