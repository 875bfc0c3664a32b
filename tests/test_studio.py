"""The studio over HTTP (no browser): sessions, CSRF, CSP, roles, saves.

The browser suite (test_studio_browser.py) drives the same pages in Chromium;
these pin down what a browser cannot show: cookie flags, expiry, forged
requests, and that the server refuses what a page does not offer.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from sidcontent.content.models import Message, utcnow
from sidcontent.studio.sessions import StudioSession
from sidcontent.studio.strings import EN
from tests.studio_kit import csrf_of, sign_in

MESSAGE = 21  # a message of a published campaign in the seed content


def secret(callers: dict[str, dict[str, str]], role: str) -> str:
    return callers[role]["Authorization"].removeprefix("Bearer ")


def cookie_header(response, name: str) -> str:
    for value in response.headers.getlist("Set-Cookie"):
        if value.startswith(name + "="):
            return value
    raise AssertionError(f"no {name} cookie set")


def test_sign_in_sets_a_safe_session_cookie(editing_app: Flask, callers) -> None:
    client = editing_app.test_client()
    page = client.get("/studio/sign-in")
    response = client.post(
        "/studio/sign-in",
        data={"token": secret(callers, "marketer"), "csrf_token": csrf_of(page.get_data(True))},
    )
    assert response.status_code == 303
    cookie = cookie_header(response, "sid_studio")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/studio" in cookie
    assert "Secure" not in cookie
    # The cookie holds a random secret, never the API token.
    assert secret(callers, "marketer") not in cookie
    assert client.get("/studio/campaigns").status_code == 200


def test_secure_cookies_when_configured(editing_app: Flask, callers) -> None:
    editing_app.config["STUDIO_SECURE_COOKIES"] = True
    client = editing_app.test_client()
    page = client.get("/studio/sign-in")
    assert "Secure" in cookie_header(page, "sid_studio_signin")
    response = client.post(
        "/studio/sign-in",
        data={"token": secret(callers, "editor"), "csrf_token": csrf_of(page.get_data(True))},
    )
    assert "Secure" in cookie_header(response, "sid_studio")


@pytest.mark.parametrize("bad", ["revoked", "expired", "unknown", "malformed"])
def test_bad_tokens_do_not_sign_in(editing_app: Flask, callers, bad: str) -> None:
    client = editing_app.test_client()
    page = client.get("/studio/sign-in")
    response = client.post(
        "/studio/sign-in",
        data={"token": secret(callers, bad), "csrf_token": csrf_of(page.get_data(True))},
    )
    assert response.status_code == 401
    assert "sid_studio=" not in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get("/studio/campaigns").status_code == 302


def test_sign_in_form_needs_its_csrf_token(editing_app: Flask, callers) -> None:
    client = editing_app.test_client()
    client.get("/studio/sign-in")
    response = client.post("/studio/sign-in", data={"token": secret(callers, "editor")})
    assert response.status_code == 400
    response = client.post(
        "/studio/sign-in", data={"token": secret(callers, "editor"), "csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_pages_need_a_session(editing_app: Flask) -> None:
    client = editing_app.test_client()
    response = client.get("/studio/campaigns")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/studio/sign-in")
    # A bearer header is not a studio session.
    response = client.get("/studio/campaigns", headers={"Authorization": "Bearer sid_x"})
    assert response.status_code == 302


def test_sign_out_ends_the_session(editing_app: Flask, callers) -> None:
    client = editing_app.test_client()
    csrf = sign_in(client, secret(callers, "editor"))
    cookie = client.get_cookie("sid_studio", path="/studio")
    assert cookie is not None
    assert client.post("/studio/sign-out", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/studio/campaigns").status_code == 302
    # Replaying the old cookie does not bring the session back.
    client.set_cookie("sid_studio", cookie.value, path="/studio")
    assert client.get("/studio/campaigns").status_code == 302


def test_revoking_the_token_ends_its_sessions(editing_app: Flask, callers) -> None:
    from click.testing import CliRunner

    from sidcontent.cli import main

    client = editing_app.test_client()
    sign_in(client, secret(callers, "publisher"))
    assert client.get("/studio/campaigns").status_code == 200
    database = editing_app.extensions["sidcontent.db"]
    env = {"SIDCONTENT_DATABASE_URL": database.url}
    result = CliRunner().invoke(main, ["tokens", "revoke", "t-publisher"], env=env)
    assert result.exit_code == 0, result.output
    assert client.get("/studio/campaigns").status_code == 302


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"])
def test_sessions_expire_idle_and_absolute(editing_app: Flask, callers, column: str) -> None:
    client = editing_app.test_client()
    sign_in(client, secret(callers, "editor"))
    database = editing_app.extensions["sidcontent.db"]
    with database.session() as session:
        if column == "last_seen_at":
            past = utcnow() - timedelta(minutes=editing_app.config["STUDIO_IDLE_MINUTES"] + 1)
        else:
            past = utcnow() - timedelta(seconds=1)
        session.execute(update(StudioSession).values({column: past}))
    assert client.get("/studio/campaigns").status_code == 302
    with database.session() as session:
        assert session.scalars(select(StudioSession)).all() == []  # removed, not kept


def test_every_page_has_a_strict_csp(editing_app: Flask, callers) -> None:
    client = editing_app.test_client()
    sign_in(client, secret(callers, "publisher"))
    for path in (
        "/studio/sign-in",
        "/studio/campaigns",
        "/studio/campaigns/sid-2025",
        f"/studio/messages/{MESSAGE}/edit",
        f"/studio/messages/{MESSAGE}/revisions",
        "/studio/campaigns/sid-2025/export",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        html = response.get_data(True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), f"inline script on {path}"
        assert not re.search(r"\sstyle=", html), f"inline style on {path}"
        assert not re.search(r"\son[a-z]+=", html), f"inline handler on {path}"
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), f"third-party URL on {path}"


def test_marketer_sees_no_edit_and_the_server_refuses(editing_app: Flask, callers) -> None:
    client = editing_app.test_client()
    csrf = sign_in(client, secret(callers, "marketer"))
    page = client.get("/studio/campaigns/sid-2025").get_data(True)
    assert "/edit" not in page and "/publish" not in page
    assert client.get(f"/studio/messages/{MESSAGE}/edit").status_code == 403
    forged = client.post(
        f"/studio/messages/{MESSAGE}/edit",
        data={"csrf_token": csrf, "revision": "1", "shown": "en", "translations.en.headline": "x"},
    )
    assert forged.status_code == 403
    assert (
        client.post(f"/studio/messages/{MESSAGE}/unpublish", data={"csrf_token": csrf}).status_code
        == 403
    )


def test_editor_sees_no_publish_and_the_server_refuses(editing_app: Flask, callers) -> None:
    client = editing_app.test_client()
    csrf = sign_in(client, secret(callers, "editor"))
    page = client.get(f"/studio/messages/{MESSAGE}/edit").get_data(True)
    assert "/publish" not in page and "/unpublish" not in page
    response = client.post(f"/studio/messages/{MESSAGE}/unpublish", data={"csrf_token": csrf})
    assert response.status_code == 403
    with editing_app.extensions["sidcontent.db"].session() as session:
        assert session.get(Message, MESSAGE).status == "published"


def test_state_changes_need_the_session_csrf_token(editing_app: Flask, callers) -> None:
    client = editing_app.test_client()
    sign_in(client, secret(callers, "publisher"))
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(f"/studio/messages/{MESSAGE}/unpublish", data=data)
        assert response.status_code == 400
    assert client.post("/studio/count", json={"text": "hi"}).status_code == 400
    with editing_app.extensions["sidcontent.db"].session() as session:
        assert session.get(Message, MESSAGE).status == "published"


def _editor_form(html: str) -> dict[str, object]:
    fields: dict[str, object] = {}
    for tag in re.findall(r'<input type="checkbox"[^>]*>', html):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        fields.setdefault(name, [])
        if " checked" in tag:
            fields[name].append(re.search(r'value="([^"]*)"', tag).group(1))  # type: ignore[union-attr]
    html = re.sub(r'<input type="checkbox"[^>]*>', "", html)
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        if name == "shown":
            fields.setdefault("shown", []).append(value)  # type: ignore[union-attr]
        else:
            fields[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        fields[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def test_stale_save_shows_both_versions_and_writes_nothing(editing_app: Flask, callers) -> None:
    first, second = editing_app.test_client(), editing_app.test_client()
    sign_in(first, secret(callers, "editor"))
    sign_in(second, secret(callers, "publisher"))
    form_a = _editor_form(first.get(f"/studio/messages/{MESSAGE}/edit").get_data(True))
    form_b = _editor_form(second.get(f"/studio/messages/{MESSAGE}/edit").get_data(True))
    form_a["translations.en.headline"] = "Headline from A"
    form_b["translations.en.headline"] = "Headline from B"
    assert first.post(f"/studio/messages/{MESSAGE}/edit", data=form_a).status_code == 303
    response = second.post(f"/studio/messages/{MESSAGE}/edit", data=form_b)
    assert response.status_code == 409
    html = response.get_data(True)
    assert "Headline from A" in html and "Headline from B" in html
    assert "t-editor" in html  # who saved first
    with editing_app.extensions["sidcontent.db"].session() as session:
        headline = {t.locale: t.headline for t in session.get(Message, MESSAGE).translations}
        assert headline["en"] == "Headline from A"


def test_validation_errors_come_back_next_to_their_fields(editing_app: Flask, callers) -> None:
    client = editing_app.test_client()
    sign_in(client, secret(callers, "editor"))
    form = _editor_form(client.get(f"/studio/messages/{MESSAGE}/edit").get_data(True))
    form["link"] = "not a url"
    form["translations.en.headline"] = ""
    response = client.post(f"/studio/messages/{MESSAGE}/edit", data=form)
    assert response.status_code == 422
    html = response.get_data(True)
    assert re.search(r'id="f-link-err" class="error">[^<]+<', html)
    assert re.search(r'id="f-translations-en-headline-err" class="error">[^<]+<', html)
    assert 'aria-invalid="true"' in html


def test_every_catalogue_key_used_exists() -> None:
    from pathlib import Path

    import sidcontent.studio

    root = Path(sidcontent.studio.__file__).parent
    used: set[str] = set()
    for path in [*root.rglob("*.html"), *root.rglob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", path.read_text()))
    assert used, "the templates use the catalogue"
    assert sorted(used - set(EN)) == []


def test_resource_editor_has_every_field_and_saves_them(editing_app: Flask, callers) -> None:
    from sidcontent.content.models import Resource

    client = editing_app.test_client()
    sign_in(client, secret(callers, "editor"))
    html = client.get("/studio/resources/9/edit?source=en&target=fr").get_data(True)
    for name in ("campaign", "type", "url", "starts_at", "ends_at", "tags"):
        assert f'name="{name}"' in html, name
    assert 'type="checkbox" name="audiences"' in html
    form = _editor_form(html)
    form["audiences"] = ["parents-carers", "educators"]
    form["starts_at"] = "2025-02-11T09:00:00+00:00"
    form["ends_at"] = "2025-02-11T10:00:00+00:00"
    form["translations.fr.title"] = "Trop beau pour être vrai ? Dossiers pédagogiques"
    response = client.post("/studio/resources/9/edit?source=en&target=fr", data=form)
    assert response.status_code == 303, response.get_data(True)[:2000]
    with editing_app.extensions["sidcontent.db"].session() as session:
        row = session.get(Resource, 9)
        assert row.audiences == ["parents-carers", "educators"]
        assert row.starts_at.hour == 9 and row.ends_at.hour == 10
        titles = {t.locale: t.title for t in row.translations}
        assert titles["fr"] == "Trop beau pour être vrai ? Dossiers pédagogiques"
