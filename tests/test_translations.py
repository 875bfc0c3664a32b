"""Translators' round trips: coverage, XLIFF 1.2 and PO files out and back in.

The files are changed with translate-toolkit, as a translator's tool would,
then imported over HTTP and read back through the API.
"""

from __future__ import annotations

import pytest
from translate.storage import po, xliff

XLIFF = "application/x-xliff+xml"
PO = "text/x-gettext-translation"


@pytest.fixture()
def api(editing_app, callers):
    return editing_app.test_client(), callers["editor"]


def download(client, auth, locale="de", fmt="xliff", slug="sid-2017"):
    response = client.get(
        f"/api/v1/campaigns/{slug}/translations",
        query_string={"locale": locale, "format": fmt},
        headers=auth,
    )
    assert response.status_code == 200, response.get_json()
    return response.data


def upload(client, auth, content, media_type=XLIFF, slug="sid-2017", **query):
    return client.post(
        f"/api/v1/campaigns/{slug}/translations",
        data=content,
        headers={**auth, "Content-Type": media_type},
        query_string=query,
    )


def message(client, auth, message_id, locale):
    response = client.get(
        f"/api/v1/messages/{message_id}",
        query_string={"locale": locale, "preview": "true"},
        headers=auth,
    )
    return response.get_json()["data"]


def coverage(client, auth, locale="de"):
    response = client.get(
        "/api/v1/campaigns/sid-2017/coverage", query_string={"locale": locale}, headers=auth
    )
    assert response.status_code == 200, response.get_json()
    (entry,) = response.get_json()["data"]["locales"]
    return entry


def unit_id(store_unit):
    return store_unit.getid().split("\x04")[-1]


def test_coverage_counts_and_lists_each_item(api):
    client, auth = api
    entry = coverage(client, auth)
    counts = entry["counts"]
    assert counts["total"] == counts["translated"] + counts["missing"] + counts["stale"]
    assert counts["missing"] > 0 and counts["translated"] > 0
    bundle = client.get("/api/v1/campaigns/sid-2017/bundle?locale=de").get_json()["data"]
    for item in bundle["messages"]:
        group = "translated" if "de" in item["available_locales"] else "missing"
        assert item["id"] in entry["messages"][group], item["id"]
    assert client.get("/api/v1/campaigns/sid-2017/coverage").status_code == 401
    assert client.get("/api/v1/campaigns/nope/coverage", headers=auth).status_code == 404


def test_editing_the_source_makes_the_translation_stale(api):
    client, auth = api
    entry = coverage(client, auth)
    target = entry["messages"]["translated"][0]
    current = client.get(f"/api/v1/messages/{target}?preview=true", headers=auth)
    patched = client.patch(
        f"/api/v1/messages/{target}",
        json={"translations": {"en": {"headline": "A new English headline"}}},
        headers={
            **auth,
            "If-Match": current.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert patched.status_code == 200, patched.get_json()
    after = coverage(client, auth)
    assert target not in after["messages"]["translated"]
    (stale,) = [s for s in after["messages"]["stale"] if s["id"] == target]
    assert stale["source_revision"] == patched.get_json()["data"]["revision"]
    assert after["counts"]["stale"] == entry["counts"]["stale"] + 1
    assert not after["complete"]


def test_xliff_round_trip_through_translate_toolkit(api):
    client, auth = api
    content = download(client, auth)
    store = xliff.xlifffile.parsestring(content)
    assert b'version="1.2"' in content and b"urn:oasis:names:tc:xliff:document:1.2" in content
    assert store.getsourcelanguage() == "en" and store.gettargetlanguage() == "de"
    units = {unit_id(u): u for u in store.units}
    # Notes tell the translator who reads it and how long it may be.
    headline = next(
        u
        for i, u in units.items()
        if i.startswith("message/") and i.endswith("/headline") and not u.target
    )
    notes = headline.getnotes("developer")
    assert "audience:" in notes and "at most 120 characters" in notes and "x 280" in notes
    message_id = int(unit_id(headline).split("/")[1])
    before = message(client, auth, message_id, "en")
    headline.target = "Neue Überschrift <b>fett</b> & mehr"
    # An existing German text, changed.
    translated = next(
        u
        for i, u in units.items()
        if i.startswith("message/") and u.target and i.endswith("/headline")
    )
    other_id = int(unit_id(translated).split("/")[1])
    translated.target = translated.target + " (überarbeitet)"
    response = upload(client, auth, bytes(store))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()["data"]
    statuses = {u["id"]: u["status"] for u in report["units"]}
    assert statuses[unit_id(headline)] == "updated"
    assert statuses[unit_id(translated)] == "updated"
    assert report["counts"]["updated"] == 2
    assert "untranslated" in statuses.values() and "unchanged" in statuses.values()
    # Read back over HTTP: German changed, markup kept as text, English untouched.
    german = message(client, auth, message_id, "de")
    assert german["locale"] == "de" and german["headline"] == "Neue Überschrift <b>fett</b> & mehr"
    english = message(client, auth, message_id, "en")
    assert english["headline"] == before["headline"] and english["body"] == before["body"]
    assert english["revision"] == before["revision"] + 1
    assert message(client, auth, other_id, "de")["headline"].endswith(" (überarbeitet)")
    revisions = client.get(f"/api/v1/messages/{message_id}/revisions", headers=auth).get_json()
    changed = revisions["data"][0]["changed"]
    assert "translations.de.headline" in changed  # a new German translation: its fields
    assert all(path.startswith("translations.de.") for path in changed)
    assert revisions["data"][0]["author"] == "t-editor"
    # The same file again is stale: its items moved on.
    again = upload(client, auth, bytes(store))
    assert again.status_code == 409
    assert "stale" in again.get_json()["detail"]


def test_po_round_trip(api):
    client, auth = api
    content = download(client, auth, locale="fr", fmt="po")
    store = po.pofile.parsestring(content)
    assert store.parseheader()["Language"] == "fr"
    unit = next(
        u
        for u in store.units
        if not u.isheader()
        and u.getcontext().startswith("resource/")
        and u.getcontext().endswith("/title")
    )
    resource_id = int(unit.getcontext().split("/")[1])
    unit.target = "Titre traduit"
    response = upload(client, auth, bytes(store), media_type=PO)
    assert response.status_code == 200, response.get_json()
    data = client.get(
        f"/api/v1/resources/{resource_id}?locale=fr&preview=true", headers=auth
    ).get_json()["data"]
    assert data["title"] == "Titre traduit" and data["locale"] == "fr"


def test_a_file_for_another_campaign_is_refused(api):
    client, auth = api
    content = download(client, auth, slug="sid-2025")
    response = upload(client, auth, content)
    assert response.status_code == 409
    assert "sid-2025" in response.get_json()["detail"]


def test_a_file_made_before_an_edit_is_stale_and_changes_nothing(api):
    client, auth = api
    content = download(client, auth)
    store = xliff.xlifffile.parsestring(content)
    unit = next(u for u in store.units if unit_id(u).startswith("message/"))
    message_id = int(unit_id(unit).split("/")[1])
    unit.target = "Übersetzt"
    current = client.get(f"/api/v1/messages/{message_id}?preview=true", headers=auth)
    client.patch(
        f"/api/v1/messages/{message_id}",
        json={"tags": ["edited"]},
        headers={
            **auth,
            "If-Match": current.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    response = upload(client, auth, bytes(store))
    assert response.status_code == 409
    problem = response.get_json()
    assert "stale" in problem["detail"] and f"message {message_id}" in problem["detail"]
    assert message(client, auth, message_id, "de")["headline"] != "Übersetzt"


@pytest.mark.parametrize(
    ("fmt", "target", "raw"),
    [
        ("po", "Kontroll\x07zeichen", None),  # a control character, as PO can carry it
        ("po", "Null\x00byte", None),
        ("po", "x" * 121, None),  # over the headline's 120
        ("xliff", "x" * 121, None),
        ("xliff", "PLACEHOLDER", b"Bell &#7; ref"),  # XML cannot carry it: not a file
        ("xliff", "PLACEHOLDER", b"<script>alert(1)</script><b>"),  # markup inside target
    ],
)
def test_hostile_targets_are_handled_like_any_write(api, fmt, target, raw):
    client, auth = api
    content = download(client, auth, fmt=fmt)
    if fmt == "po":
        store = po.pofile.parsestring(content)
        unit = next(
            u
            for u in store.units
            if (u.getcontext() or "").startswith("message/")
            and u.getcontext().endswith("/headline")
        )
        uid = unit.getcontext()
    else:
        store = xliff.xlifffile.parsestring(content)
        unit = next(
            u
            for u in store.units
            if unit_id(u).startswith("message/") and unit_id(u).endswith("/headline")
        )
        uid = unit_id(unit)
    message_id = int(uid.split("/")[1])
    before = message(client, auth, message_id, "de")
    unit.target = target
    body = bytes(store)
    if raw is not None:
        body = body.replace(b"PLACEHOLDER", raw)
    response = upload(client, auth, body, media_type=PO if fmt == "po" else XLIFF)
    after = message(client, auth, message_id, "de")
    if raw is not None and raw.startswith(b"<script>"):
        # Elements inside <target> are markup the toolkit reads as text: stored as text.
        assert response.status_code in (200, 400, 422), response.get_json()
        if response.status_code == 200:
            assert "<" not in after["headline"] or "script" in after["headline"]
        return
    assert response.status_code in (400, 422), response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    if response.status_code == 422:
        assert any(u["id"] == uid for u in response.get_json()["units"])
    assert after["headline"] == before["headline"] and after["revision"] == before["revision"]


def test_entities_and_garbage_are_refused(api):
    client, auth = api
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<xliff version="1.2"><file original="sidcontent:campaign/sid-2017" '
        b'source-language="en" target-language="de"><body/></file></xliff>'
    )
    assert upload(client, auth, evil).status_code == 400
    assert upload(client, auth, b"\x00\xff not a file").status_code == 400
    assert upload(client, auth, b"{}", media_type="application/json").status_code == 415
    assert (
        upload(
            client,
            auth,
            b"x",
            media_type=XLIFF,
        ).status_code
        == 400
    )


# Found by schemathesis over the wire: a 36-character tag that matches the
# pattern reached the handler and came back as a 500.
HOSTILE_LOCALES = [
    "OZb-0Jpr-l-GBcccL52-pT-yjKKqKsc-k7mpuk-cLp",
    "de\n",
    "de\x00",
    "d\u0435",  # Cyrillic e
    "../../etc/passwd",
    "",
]


@pytest.mark.parametrize("locale", HOSTILE_LOCALES)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/campaigns/sid-2017/translations"),
        ("GET", "/api/v1/campaigns/sid-2017/coverage"),
        ("POST", "/api/v1/campaigns/sid-2017/translations"),
    ],
)
def test_a_hostile_locale_is_a_400_naming_it(api, method, path, locale):
    client, auth = api
    response = client.open(
        path,
        method=method,
        query_string={"locale": locale},
        headers={**auth, "Content-Type": XLIFF},
        data=b"<xliff/>" if method == "POST" else None,
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert "locale" in response.get_json()["errors"]


def test_the_locale_is_canonicalised(api):
    client, auth = api
    assert b'target-language="de-AT"' in download(client, auth, locale="DE-at")


def test_roles(api, callers):
    client, _ = api
    content = download(client, callers["editor"])
    assert upload(client, {}, content).status_code == 401
    assert upload(client, callers["marketer"], content).status_code == 403
    for path in (
        "/api/v1/campaigns/sid-2017/translations?locale=de",
        "/api/v1/campaigns/sid-2017/coverage",
    ):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=callers["marketer"]).status_code == 403
        assert client.get(path, headers=callers["editor"]).status_code == 200


def cli_env(app):
    return {
        "SIDCONTENT_DATABASE_URL": app.config["DATABASE_URL"],
        "SIDCONTENT_INSTANCE_PATH": app.instance_path,
        "SIDCONTENT_SECRET_KEY": app.config["SECRET_KEY"],
    }


def test_cli_status_export_and_import(editing_app, callers, tmp_path):
    from click.testing import CliRunner

    from sidcontent.cli import main

    runner = CliRunner(env=cli_env(editing_app))
    status = runner.invoke(main, ["translations", "status", "sid-2017", "--locale", "de"])
    assert status.exit_code == 0, status.output
    client = editing_app.test_client()
    entry = coverage(client, callers["editor"])
    counts = entry["counts"]
    row = next(line for line in status.output.splitlines() if line.startswith("de "))
    assert row.split() == [
        "de",
        *(str(counts[k]) for k in ("translated", "missing", "stale", "total")),
    ]
    assert "missing messages: " + ", ".join(map(str, entry["messages"]["missing"])) in status.output

    exported = runner.invoke(
        main, ["translations", "export", "sid-2017", "--locale", "de", "--output", str(tmp_path)]
    )
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "sid-2017-de.xlf"
    store = xliff.xlifffile.parsestring(path.read_bytes())
    unit = next(u for u in store.units if unit_id(u).startswith("message/") and not u.target)
    unit.target = "Aus der Kommandozeile"
    path.write_bytes(bytes(store))
    imported = runner.invoke(main, ["translations", "import", "sid-2017", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "1 updated" in imported.output and unit_id(unit) in imported.output
    message_id = int(unit_id(unit).split("/")[1])
    field = unit_id(unit).split("/")[-1]
    assert message(client, callers["editor"], message_id, "de")[field] == "Aus der Kommandozeile"
    again = runner.invoke(main, ["translations", "import", "sid-2017", str(path)])
    assert again.exit_code == 1 and "stale" in again.output and "Traceback" not in again.output
    wrong = runner.invoke(main, ["translations", "import", "sid-2025", str(path)])
    assert wrong.exit_code == 1 and "not campaign 'sid-2025'" in wrong.output
