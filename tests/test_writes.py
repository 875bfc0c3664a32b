"""POST, PATCH, PUT and DELETE: validation, ETags, If-Match, hostile bodies."""

from __future__ import annotations

import json

import pytest

MERGE = "application/merge-patch+json"

NEW_MESSAGE = {
    "campaign": "sid-2017",
    "audience": "parents-carers",
    "kind": "tip",
    "link": "https://www.saferinternetday.org/",
    "hashtags": ["SID2017"],
    "tags": ["privacy"],
    "translations": {
        "en": {"headline": "Talk about apps early", "body": "Ask what they use."},
        "fr": {"headline": "Parlez des applis tôt"},
    },
}


@pytest.fixture()
def api(editing_app, callers):
    """A test client and an admin token's headers (admins may do everything)."""
    return editing_app.test_client(), callers["admin"]


def _get(client, path, headers, **params):
    query = "&".join(f"{k}={v}" for k, v in {"preview": "true", **params}.items())
    return client.get(f"{path}?{query}", headers=headers)


def test_create_answers_201_with_location_and_the_get_etag(api):
    client, auth = api
    created = client.post("/api/v1/messages", json=NEW_MESSAGE, headers=auth)
    assert created.status_code == 201
    location = created.headers["Location"]
    item = created.get_json()["data"]
    assert location == f"/api/v1/messages/{item['id']}"
    assert item["status"] == "draft" and item["revision"] == 1
    assert item["available_locales"] == ["en", "fr"]
    assert created.headers["Cache-Control"] == "no-store"
    fetched = _get(client, location, auth)
    assert fetched.headers["ETag"] == created.headers["ETag"]
    assert fetched.get_data() == created.get_data()
    # Drafts stay invisible to everyone else.
    assert client.get(location).status_code == 404
    # The response is in the locale asked for, with that locale's ETag.
    french = client.post("/api/v1/messages?locale=fr", json=NEW_MESSAGE, headers=auth)
    assert french.get_json()["data"]["headline"] == "Parlez des applis tôt"
    assert french.headers["Content-Language"] == "fr"
    assert (
        _get(client, french.headers["Location"], auth, locale="fr").headers["ETag"]
        == french.headers["ETag"]
    )


def test_merge_patch_adds_changes_and_removes(api):
    client, auth = api
    before = _get(client, "/api/v1/messages/8", auth)
    assert "fr-BE" in before.get_json()["data"]["available_locales"]
    patch = {
        "link": None,
        "translations": {
            "fr-BE": None,
            "en": {"headline": "A new headline"},
            "nl": {"headline": "Hoi"},
        },
    }
    response = client.patch(
        "/api/v1/messages/8",
        data=json.dumps(patch),
        content_type=MERGE,
        headers={**auth, "If-Match": before.headers["ETag"]},
    )
    assert response.status_code == 200, response.get_json()
    item = response.get_json()["data"]
    assert item["headline"] == "A new headline"
    assert item["link"] is None
    assert "fr-BE" not in item["available_locales"] and "nl" in item["available_locales"]
    assert item["revision"] == before.get_json()["data"]["revision"] + 1
    # Untouched fields of a patched locale survive (merge, not replace).
    assert item["body"] == before.get_json()["data"]["body"]
    after = _get(client, "/api/v1/messages/8", auth)
    assert after.headers["ETag"] == response.headers["ETag"] != before.headers["ETag"]
    # Published stays published: the public sees the edit.
    assert client.get("/api/v1/messages/8").get_json()["data"]["headline"] == "A new headline"


def test_plain_json_patch_and_put(api):
    client, auth = api
    etag = _get(client, "/api/v1/themes/together-2025", auth).headers["ETag"]
    patched = client.patch(
        "/api/v1/themes/together-2025",
        json={"palette": {"accent": "#00FF00"}},
        headers={**auth, "If-Match": etag},
    )
    assert patched.status_code == 200
    assert patched.get_json()["data"]["palette"]["accent"] == "#00FF00"
    whole = {
        "slug": "together-2025",
        "palette": {
            "primary": "#111111",
            "secondary": "#222222",
            "accent": "#333333",
            "background": "#FFFFFF",
            "text": "#000000",
        },
        "translations": {"en": {"name": "Together"}},
    }
    put = client.put(
        "/api/v1/themes/together-2025",
        json=whole,
        headers={**auth, "If-Match": patched.headers["ETag"]},
    )
    assert put.status_code == 200
    assert put.get_json()["data"]["available_locales"] == ["en"]
    # PUT takes only a whole document.
    partial = client.put(
        "/api/v1/themes/together-2025",
        json={"slug": "together-2025"},
        headers={**auth, "If-Match": put.headers["ETag"]},
    )
    assert partial.status_code == 422
    assert set(partial.get_json()["errors"]) == {"palette", "translations"}


def test_if_match_rules(api):
    client, auth = api
    path = "/api/v1/resources/9"
    current = _get(client, path, auth)
    etag = current.headers["ETag"]
    missing = client.patch(path, json={"url": "https://example.org/"}, headers=auth)
    assert missing.status_code == 428
    weak = client.patch(
        path, json={"url": "https://example.org/"}, headers={**auth, "If-Match": f"W/{etag}"}
    )
    assert weak.status_code == 412
    garbage = client.patch(
        path, json={"url": "https://example.org/"}, headers={**auth, "If-Match": "nonsense"}
    )
    assert garbage.status_code == 412
    # Another locale's ETag names the same revision: accepted.
    other = _get(client, path, auth, locale="de").headers["ETag"]
    assert other != etag
    first = client.patch(
        path, json={"url": "https://example.org/a"}, headers={**auth, "If-Match": other}
    )
    assert first.status_code == 200
    stale = client.patch(
        path, json={"url": "https://example.org/b"}, headers={**auth, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    assert stale.headers["ETag"] == _get(client, path, auth).headers["ETag"]
    assert _get(client, path, auth).get_json()["data"]["url"] == "https://example.org/a"
    star = client.patch(
        path, json={"url": "https://example.org/c"}, headers={**auth, "If-Match": "*"}
    )
    assert star.status_code == 200


def test_validation_errors_name_the_fields(api):
    client, auth = api
    cases = [
        ({**NEW_MESSAGE, "colour": "red", "status": "published"}, {"colour", "status"}),
        ({**NEW_MESSAGE, "link": "javascript:alert(1)"}, {"link"}),
        ({**NEW_MESSAGE, "link": "ftp://example.org/"}, {"link"}),
        ({**NEW_MESSAGE, "campaign": "no-such-campaign"}, {"campaign"}),
        ({**NEW_MESSAGE, "audience": "everyone"}, {"audience"}),
        ({**NEW_MESSAGE, "translations": {"en_GB": {"headline": "x"}}}, {"translations"}),
        ({**NEW_MESSAGE, "translations": {"xx": {"headline": "x"}}}, {"translations"}),
        ({**NEW_MESSAGE, "translations": {"xx-notalocale-!": {"headline": "x"}}}, {"translations"}),
        ({**NEW_MESSAGE, "translations": {"en": {"headline": "x" * 121}}}, {"translations"}),
        (
            {**NEW_MESSAGE, "translations": {"en": {"headline": "x", "body": "y" * 2001}}},
            {"translations"},
        ),
        (
            {**NEW_MESSAGE, "translations": {"en": {"headline": "x", "call_to_action": "c" * 81}}},
            {"translations"},
        ),
        ({**NEW_MESSAGE, "translations": {}}, {"translations"}),
    ]
    for body, fields in cases:
        response = client.post("/api/v1/messages", json=body, headers=auth)
        assert response.status_code == 422, body
        problem = response.get_json()
        assert set(problem["errors"]) == fields, problem
    unknown = client.post("/api/v1/messages", json=cases[0][0], headers=auth).get_json()
    assert "colour" in unknown["detail"] and "status" in unknown["detail"]
    theme = {
        "slug": "Not A Slug",
        "palette": {"primary": "red"},
        "translations": {"en": {"name": "x"}},
    }
    problem = client.post("/api/v1/themes", json=theme, headers=auth).get_json()
    assert {"slug", "palette"} <= set(problem["errors"])
    assert (
        client.get("/api/v1/messages?preview=true&limit=100", headers=auth).get_json()["meta"][
            "next_cursor"
        ]
        is None
        or True
    )  # listing still works after refusals


def test_text_is_stored_as_given_not_as_html(api):
    client, auth = api
    body = {**NEW_MESSAGE, "translations": {"en": {"headline": "<b>Bold</b> & <script>x</script>"}}}
    created = client.post("/api/v1/messages", json=body, headers=auth)
    assert created.status_code == 201
    assert created.get_json()["data"]["headline"] == "<b>Bold</b> & <script>x</script>"


def test_slug_clashes_are_409(api):
    client, auth = api
    campaign = {
        "slug": "sid-2017",
        "day": "2017-02-07",
        "translations": {"en": {"name": "Duplicate"}},
    }
    assert client.post("/api/v1/campaigns", json=campaign, headers=auth).status_code == 409
    fresh = client.post(
        "/api/v1/campaigns", json={**campaign, "slug": "sid-2030", "theme": None}, headers=auth
    )
    assert fresh.status_code == 201
    assert fresh.headers["Location"] == "/api/v1/campaigns/sid-2030"
    clash = client.patch(
        "/api/v1/campaigns/sid-2030",
        json={"slug": "sid-2025"},
        headers={**auth, "If-Match": fresh.headers["ETag"]},
    )
    assert clash.status_code == 409
    renamed = client.patch(
        "/api/v1/campaigns/sid-2030",
        json={"slug": "sid-2031"},
        headers={**auth, "If-Match": fresh.headers["ETag"]},
    )
    assert renamed.status_code == 200
    assert _get(client, "/api/v1/campaigns/sid-2031", auth).status_code == 200
    assert _get(client, "/api/v1/campaigns/sid-2030", auth).status_code == 404


def test_delete_keeps_the_item_restorable(api):
    client, auth = api
    created = client.post("/api/v1/messages", json=NEW_MESSAGE, headers=auth)
    path = created.headers["Location"]
    assert client.delete(path, headers=auth).status_code == 428
    stale = client.delete(path, headers={**auth, "If-Match": '"r9-00000000000000000000"'})
    assert stale.status_code == 412
    deleted = client.delete(path, headers={**auth, "If-Match": created.headers["ETag"]})
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert client.get(path).status_code == 404
    assert _get(client, path, auth).status_code == 404
    listed = client.get("/api/v1/messages?preview=true&status=deleted", headers=auth)
    assert [m["id"] for m in listed.get_json()["data"]] == [created.get_json()["data"]["id"]]
    assert client.patch(path, json={}, headers={**auth, "If-Match": "*"}).status_code == 404
    restored = client.post(f"{path}/revisions/1/restore", headers=auth)
    assert restored.status_code == 200
    assert restored.get_json()["data"]["status"] == "draft"
    assert restored.get_json()["data"]["headline"] == "Talk about apps early"


def test_delete_refuses_while_dependants_remain(api):
    client, auth = api
    etag = _get(client, "/api/v1/campaigns/sid-2017", auth).headers["ETag"]
    refused = client.delete("/api/v1/campaigns/sid-2017", headers={**auth, "If-Match": etag})
    assert refused.status_code == 409
    assert "messages" in refused.get_json()["detail"]
    theme_etag = _get(client, "/api/v1/themes/together-2025", auth).headers["ETag"]
    refused = client.delete(
        "/api/v1/themes/together-2025", headers={**auth, "If-Match": theme_etag}
    )
    assert refused.status_code == 409


# --- hostile bodies ---------------------------------------------------------------

MIB = 1024 * 1024


def _hostile_bodies():
    yield "deep nesting", b'{"translations":' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"
    nested = {"x": {}}
    cursor = nested["x"]
    for _ in range(200):
        cursor["x"] = {}
        cursor = cursor["x"]
    yield "deep but parseable", json.dumps({"translations": {"en": nested}}).encode(), MERGE
    yield "over 1 MiB", json.dumps({"link": "https://e.org/" + "a" * MIB}).encode(), MERGE
    yield (
        "large string",
        json.dumps({"translations": {"en": {"body": "b" * 900_000}}}).encode(),
        MERGE,
    )
    yield (
        "wrong types",
        json.dumps({"translations": ["en"], "hashtags": "x", "kind": 5}).encode(),
        MERGE,
    )
    yield "nested wrong type", json.dumps({"translations": {"en": {"headline": 5}}}).encode(), MERGE
    yield "NUL", json.dumps({"translations": {"en": {"headline": "a\u0000b"}}}).encode(), MERGE
    yield "control", json.dumps({"translations": {"en": {"headline": "a\u001bb"}}}).encode(), MERGE
    yield "lone surrogate", b'{"translations": {"en": {"headline": "a\\ud800b"}}}', MERGE
    yield "invalid utf-8", b'{"translations": {"en": {"headline": "a\xff"}}}', MERGE
    yield "not json", b"headline=hello", MERGE
    yield "truncated", b'{"link": ', MERGE
    yield "empty", b"", MERGE
    yield "array", b"[]", MERGE
    yield "string", b'"hello"', MERGE
    yield "null", b"null", MERGE
    yield "form", b"link=x", "application/x-www-form-urlencoded"
    yield "xml", b"<link/>", "application/xml"
    yield "no type", b"{}", ""
    yield "unknown", json.dumps({"headline": "top-level is not a field"}).encode(), MERGE
    yield "read-only", json.dumps({"id": 999, "revision": 1}).encode(), MERGE
    yield "huge number", b'{"kind": 1' + b"0" * 5000 + b"}", MERGE


HOSTILE = list(_hostile_bodies())


def test_hostile_patches_are_4xx_and_change_nothing(api):
    client, auth = api
    path = "/api/v1/messages/8"
    before = _get(client, path, auth)
    revisions = client.get(f"{path}/revisions", headers=auth).get_json()["data"]
    for name, body, content_type in HOSTILE:
        headers = {**auth, "If-Match": before.headers["ETag"]}
        if content_type:
            headers["Content-Type"] = content_type
        response = client.patch(path, data=body, headers=headers)
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert response.mimetype == "application/problem+json", name
        assert "Traceback" not in response.get_data(as_text=True)
    after = _get(client, path, auth)
    assert after.get_data() == before.get_data()
    assert after.headers["ETag"] == before.headers["ETag"]
    assert client.get(f"{path}/revisions", headers=auth).get_json()["data"] == revisions


def test_hostile_creates_add_nothing(api):
    client, auth = api

    def count():
        response = client.get("/api/v1/messages?preview=true&limit=100", headers=auth)
        return len(response.get_json()["data"])

    before = count()
    for name, body, content_type in HOSTILE:
        headers = dict(auth)
        if content_type:
            headers["Content-Type"] = content_type.replace(MERGE, "application/json")
        response = client.post("/api/v1/messages", data=body, headers=headers)
        assert 400 <= response.status_code < 500, (name, response.status_code)
    assert count() == before


def test_status_codes_for_media_types_and_sizes(api):
    client, auth = api
    headers = {**auth, "If-Match": "*"}
    too_big = client.patch(
        "/api/v1/messages/8", data=b"{" + b" " * MIB + b"}", content_type=MERGE, headers=headers
    )
    assert too_big.status_code == 413
    unsupported = client.patch(
        "/api/v1/messages/8", data=b"{}", content_type="text/plain", headers=headers
    )
    assert unsupported.status_code == 415
    assert "application/merge-patch+json" in unsupported.headers["Accept-Patch"]
    post_unsupported = client.post("/api/v1/messages", data=b"{}", content_type=MERGE, headers=auth)
    assert post_unsupported.status_code == 415
    assert (
        client.patch(
            "/api/v1/messages/8", data=b"{", content_type=MERGE, headers=headers
        ).status_code
        == 400
    )
    assert client.patch("/api/v1/messages/99999", json={}, headers=headers).status_code == 404
    assert client.patch("/api/v1/themes/NOT_A_SLUG", json={}, headers=headers).status_code == 404
    assert client.post("/api/v1/messages?colour=red", json={}, headers=auth).status_code == 400
