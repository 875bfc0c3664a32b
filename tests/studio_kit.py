"""Helpers for the studio's tests: tokens per role, sign-in through the form."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from sidcontent.content import tokens

ROLES = ("marketer", "editor", "publisher", "admin")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_tokens(app: Flask, prefix: str = "") -> dict[str, str]:
    """One token per role (and a second editor), named after the role."""
    secrets: dict[str, str] = {}
    with app.extensions["sidcontent.db"].session() as session:
        for role in (*ROLES, "editor"):
            name = f"{prefix}{role}" if role not in secrets else f"{prefix}{role}-2"
            key = role if role not in secrets else f"{role}-2"
            _, secrets[key] = tokens.create(session, name, role)
    return secrets


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has a CSRF field"
    return match.group(1)


def sign_in(client: FlaskClient, secret: str) -> str:
    """Sign in through the form; return the session's CSRF token."""
    page = client.get("/studio/sign-in")
    response = client.post(
        "/studio/sign-in", data={"token": secret, "csrf_token": csrf_of(page.get_data(True))}
    )
    assert response.status_code == 303, response.get_data(True)[:500]
    return csrf_of(client.get("/studio/campaigns").get_data(True))
