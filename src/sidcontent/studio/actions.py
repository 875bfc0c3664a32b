"""Running a change through ``content.editing`` for a page, and one-shot notices.

The same load -> change -> commit the API's writer does, with the same
domain errors; here they become a message on the page instead of a problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Response, abort, after_this_request, g, request
from sqlalchemy.orm import Session

from sidcontent.api import context
from sidcontent.api.auth import current_principal
from sidcontent.content import editing
from sidcontent.content.schemas import SLUG_RE

NOTICE_COOKIE = "sid_studio_notice"
MAX_NOTICE = 600


class FormError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Result:
    row: Any = None
    error: str | None = None
    errors: dict[str, Any] | None = None
    stale: bool = False
    campaign: str | None = None


def parse_key(kind: editing.Kind, key: str) -> Any:
    if kind.key == "slug":
        if not SLUG_RE.match(key):
            abort(404)
        return key
    if not key.isdigit() or not 0 < int(key) < 2**31:
        abort(404)
    return int(key)


def campaign_of(kind: editing.Kind, row: Any) -> str:
    return str(row.slug if kind.name == "campaigns" else row.campaign.slug)


def apply(
    kind: editing.Kind,
    key: Any,
    change: Callable[[Session, Any, str], Any],
    *,
    deleted: bool = False,
) -> Result:
    """Load the item, ``change`` it as the signed-in principal, commit."""
    principal = current_principal()
    assert principal is not None  # the view's check_role let the caller in
    db = context.session()
    try:
        row = editing.load(db, kind, key, deleted=deleted)
        slug = campaign_of(kind, row)
        row = change(db, row, principal.name)
        db.commit()
    except editing.NotFound:
        db.rollback()
        abort(404)
    except editing.Stale as exc:
        db.rollback()
        db.expire_all()
        return Result(error=exc.detail, stale=True)
    except editing.Invalid as exc:
        db.rollback()
        return Result(error=exc.detail, errors=exc.errors)
    except editing.EditError as exc:
        db.rollback()
        return Result(error=exc.detail)
    return Result(row=row, campaign=slug)


def notice(category: str, text: str) -> None:
    """Show ``text`` on the next page this browser loads (after a redirect)."""
    pending: list[list[str]] = g.setdefault("studio_notices", [])
    pending.append([category, text[:MAX_NOTICE]])
    if len(pending) == 1:

        @after_this_request
        def _store(response: Response) -> Response:
            response.set_cookie(
                NOTICE_COOKIE,
                orjson.dumps(g.studio_notices).decode(),
                httponly=True,
                samesite="Lax",
                path="/studio",
            )
            return response


def notices() -> list[tuple[str, str]]:
    """The notices left for this page, consumed as they are read."""
    raw = request.cookies.get(NOTICE_COOKIE)
    if not raw:
        return []

    @after_this_request
    def _clear(response: Response) -> Response:
        response.delete_cookie(NOTICE_COOKIE, path="/studio")
        return response

    try:
        data = orjson.loads(raw)
        return [(str(c), str(m)) for c, m in data][:5]
    except (orjson.JSONDecodeError, ValueError, TypeError):
        return []
