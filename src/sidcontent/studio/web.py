"""The studio's request plumbing: its session, CSRF, CSP and role checks.

Who the caller is comes from the studio session, and is put where the API's
own auth code looks (``g.sid_principal``), so ``api.auth.check_role`` makes
the same decision for a page as for an API call: the studio has no rules of
its own. A refused check raises the API's ``ApiError``; here it becomes a
redirect to sign-in (401) or a "not allowed" page (403).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from sidcontent.api import context
from sidcontent.api.errors import ApiError
from sidcontent.content.models import utcnow
from sidcontent.content.tokens import Principal, Role
from sidcontent.studio import sessions
from sidcontent.studio.strings import t

COOKIE = "sid_studio"
# Before sign-in there is no session to hold a CSRF secret: the sign-in form
# uses a double-submit cookie instead (a cross-site page can neither read it
# nor set it), so a login CSRF cannot sign a victim into an attacker's token.
SIGNIN_COOKIE = "sid_studio_signin"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# No inline script or style, nothing from another origin; frames only from
# ourselves (the newsletter preview), and no one may frame the studio.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def idle() -> timedelta:
    return timedelta(minutes=float(current_app.config["STUDIO_IDLE_MINUTES"]))


def lifetime() -> timedelta:
    return timedelta(hours=float(current_app.config["STUDIO_SESSION_HOURS"]))


def secure_cookies() -> bool:
    return bool(current_app.config["STUDIO_SECURE_COOKIES"])


def active() -> sessions.Active | None:
    value: sessions.Active | None = g.get("studio_session")
    return value


def principal() -> Principal | None:
    session = active()
    return session.principal if session else None


def can(role: str) -> bool:
    """For templates: show a control only to a role that may use it."""
    who = principal()
    return who is not None and who.can(Role[role])


def csrf_token() -> str:
    session = active()
    if session is not None:
        return session.csrf
    token: str | None = g.get("studio_signin_csrf")
    if token is None:
        token = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(24)
        g.studio_signin_csrf = token
    return token


def load_session() -> Response | None:
    """Before every studio request: who is signed in, and is this request genuine."""
    g.studio_session = None
    g.sid_principal = None  # the API's auth reads this: never a bearer header here
    secret = request.cookies.get(COOKIE)
    if secret:
        db = context.session()
        found = sessions.resolve(db, secret, utcnow(), idle())
        db.commit()
        g.studio_session = found
        if found is not None:
            g.sid_principal = found.principal
    if request.method not in SAFE_METHODS and not _csrf_valid():
        return error_page(400, t("error.csrf"))
    return None


def _csrf_valid() -> bool:
    presented = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
    session = active()
    if session is not None:
        return sessions.csrf_ok(session, presented)
    cookie = request.cookies.get(SIGNIN_COOKIE)
    return bool(cookie and presented and secrets.compare_digest(cookie, presented))


def finish(response: Response) -> Response:
    """After every studio request: headers that make the pages safe to serve."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Cookie")
    token = g.get("studio_signin_csrf")
    if token is not None and active() is None and request.cookies.get(SIGNIN_COOKIE) != token:
        response.set_cookie(
            SIGNIN_COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            secure=secure_cookies(),
            path="/studio",
        )
    return response


def set_session_cookie(response: BaseResponse, secret: str) -> None:
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(lifetime().total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(),
        path="/studio",
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/studio")


def clear_session_cookie(response: BaseResponse) -> None:
    response.delete_cookie(COOKIE, path="/studio", httponly=True, samesite="Lax")


def error_page(status: int, detail: str) -> Response:
    html = render_template("studio/error.html", status=status, detail=detail)
    return Response(html, status=status, mimetype="text/html")


def handle_api_error(exc: ApiError) -> Response:
    """A refused role check (or any API problem raised on a page)."""
    if exc.code == 401:
        if request.method in SAFE_METHODS:
            return redirect(url_for("studio.sign_in", next=request.full_path))  # type: ignore[return-value]
        return error_page(401, t("error.signed_out"))
    return error_page(exc.code or 500, exc.detail)


def handle_http_error(exc: HTTPException) -> Response:
    return error_page(exc.code or 500, exc.description or "")


def init(bp: Blueprint) -> None:
    bp.before_request(load_session)
    bp.after_request(finish)
    bp.register_error_handler(ApiError, handle_api_error)
    bp.register_error_handler(HTTPException, handle_http_error)

    @bp.context_processor
    def _helpers() -> dict[str, Any]:
        return {"t": t, "can": can, "csrf_token": csrf_token, "who": principal()}
