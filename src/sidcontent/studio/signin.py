"""Sign in with an API token, sign out."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from sidcontent.api import context
from sidcontent.content import tokens
from sidcontent.content.models import utcnow
from sidcontent.studio import sessions, web
from sidcontent.studio.blueprint import bp
from sidcontent.studio.strings import t


def _safe_next(value: str | None) -> str:
    # Only a path inside the studio: never an open redirect elsewhere.
    if value and value.startswith("/studio/") and not value.startswith("//"):
        return value
    return url_for("studio.campaigns")


@bp.get("/")
def index() -> BaseResponse:
    return redirect(url_for("studio.campaigns" if web.active() else "studio.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> BaseResponse | str:
    next_url = request.values.get("next", "")
    if request.method == "GET":
        return render_template("studio/sign_in.html", next_url=next_url, error=None)
    secret = request.form.get("token", "").strip()
    db = context.session()
    try:
        cookie, _ = sessions.start(db, secret, utcnow(), web.lifetime())
    except tokens.Unauthenticated as exc:
        db.rollback()
        html = render_template(
            "studio/sign_in.html", next_url=next_url, error=t("signin.bad", reason=exc.reason)
        )
        return Response(html, status=401, mimetype="text/html")
    db.commit()
    response = redirect(_safe_next(next_url), code=303)
    web.set_session_cookie(response, cookie)
    return response


@bp.post("/sign-out")
def sign_out() -> BaseResponse:
    current = web.active()
    if current is not None:
        db = context.session()
        sessions.end(db, current.id)
        db.commit()
    response = redirect(url_for("studio.sign_in"), code=303)
    web.clear_session_cookie(response)
    return response
