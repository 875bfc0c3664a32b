"""Helpers for tests that need tokens: made through the real CLI."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import update

from sidcontent.cli import main
from sidcontent.content.models import utcnow
from sidcontent.content.tokens import Token

ROLES = ("marketer", "editor", "publisher", "admin")


def app_env(app: Flask) -> dict[str, str]:
    """The variables that point a ``sidcontent`` process at ``app``'s database."""
    return {
        "SIDCONTENT_DATABASE_URL": app.config["DATABASE_URL"],
        "SIDCONTENT_INSTANCE_PATH": app.instance_path,
        "SIDCONTENT_SECRET_KEY": app.config["SECRET_KEY"],
    }


def cli(app: Flask, *args: str) -> Result:
    """Run ``sidcontent ARGS`` against ``app``'s database."""
    return CliRunner().invoke(main, list(args), env=app_env(app))


def make_token(app: Flask, name: str, role: str, *extra: str) -> str:
    result = cli(app, "tokens", "create", "--name", name, "--role", role, "--quiet", *extra)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def expire_token(app: Flask, name: str) -> None:
    """Move a token's expiry into the past (test data, as time passing would)."""
    with app.extensions["sidcontent.db"].session() as session:
        session.execute(
            update(Token).where(Token.name == name).values(expires_at=utcnow() - timedelta(1))
        )


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def token_set(app: Flask) -> dict[str, dict[str, str]]:
    """Headers for every kind of caller: each role, and every bad token."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES:
        headers[role] = bearer(make_token(app, f"t-{role}", role))
    headers["malformed"] = {"Authorization": "Bearer not-a-token"}
    headers["wrong-scheme"] = {"Authorization": "Basic dXNlcjpwYXNz"}
    headers["unknown"] = bearer("sid_" + "A" * 43)
    expired = make_token(app, "t-expired", "admin", "--expires", "1")
    expire_token(app, "t-expired")
    headers["expired"] = bearer(expired)
    revoked = make_token(app, "t-revoked", "admin")
    assert cli(app, "tokens", "revoke", "t-revoked").exit_code == 0
    headers["revoked"] = bearer(revoked)
    return headers


STALE = {"If-Match": '"r0-00000000000000000000"'}

# Every write endpoint: (method, path, lowest role, extra headers, body, what an
# allowed caller gets). Allowed callers are stopped before any change (missing
# or stale If-Match, an invalid body, an unknown revision), so the matrix can
# share one database.
WRITE_ENDPOINTS = [
    (method, path.format(base=base), role, headers, body, allowed)
    for base in ("themes/save-the-date-2027", "campaigns/sid-2025", "messages/21", "resources/9")
    for method, path, role, headers, body, allowed in (
        ("POST", "/api/v1/{base}/../", "editor", {}, {}, 422),
        ("PATCH", "/api/v1/{base}", "editor", {}, {"x": 1}, 428),
        ("PUT", "/api/v1/{base}", "editor", {}, {}, 428),
        ("DELETE", "/api/v1/{base}", "admin", {}, None, 428),
        ("POST", "/api/v1/{base}/publish", "publisher", STALE, None, 409),
        ("POST", "/api/v1/{base}/unpublish", "publisher", STALE, None, 412),
        ("POST", "/api/v1/{base}/archive", "publisher", STALE, None, 412),
        ("GET", "/api/v1/{base}/revisions", "editor", {}, None, 200),
        ("POST", "/api/v1/{base}/revisions/99/restore", "editor", {}, None, 404),
    )
]


def collection(path: str) -> str:
    """'/api/v1/messages/21/../' -> '/api/v1/messages'."""
    if path.endswith("/../"):
        return path[: -len("/../")].rsplit("/", 1)[0]
    return path
