"""The read API through HTTP: lists, filters, pages, details, bundle."""

from __future__ import annotations

import pytest

from tests import seed

LISTS = ["/api/v1/campaigns", "/api/v1/themes", "/api/v1/messages", "/api/v1/resources"]


def walk(client, url: str, limit: int = 7) -> list[dict]:
    """Follow next_cursor (and check it matches the Link header) to the end."""
    items: list[dict] = []
    sep = "&" if "?" in url else "?"
    response = client.get(f"{url}{sep}limit={limit}")
    while True:
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["data"]) <= limit
        items.extend(body["data"])
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            return items
        link = response.headers["Link"]
        assert link.endswith('>; rel="next"') and f"cursor={cursor}" in link
        response = client.get(link[1 : link.index(">")])


@pytest.mark.parametrize("name", ["messages", "resources"])
def test_walking_every_page_returns_each_visible_item_once(client, name):
    items = walk(client, f"/api/v1/{name}")
    ids = [i["id"] for i in items]
    assert ids == sorted(ids), "pages are in id order"
    assert ids == sorted(i["id"] for i in seed.visible(name))


def test_campaign_list_shows_only_visible_campaigns(client):
    slugs = [c["slug"] for c in walk(client, "/api/v1/campaigns", limit=2)]
    assert set(slugs) == seed.visible_campaigns()
    assert "sid-2027" not in slugs  # the draft


@pytest.mark.parametrize("name", ["messages", "resources"])
def test_hidden_items_are_404_like_missing_ones(client, name):
    hidden = seed.hidden(name)
    assert hidden, "the seed content has drafts or future items"
    missing = client.get(f"/api/v1/{name}/2147483647")
    assert missing.status_code == 404
    for item in hidden:
        response = client.get(f"/api/v1/{name}/{item['id']}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        # Same shape and wording as a missing id: nothing says "draft".
        assert "draft" not in response.get_data(as_text=True).lower()
        assert set(response.get_json()) == set(missing.get_json())


def test_scheduled_items_follow_their_publish_time(client):
    scheduled = [m for m in seed.load("messages") if m["status"] == "scheduled"]
    past = [m for m in scheduled if seed.is_visible(m)]
    future = [m for m in scheduled if not seed.is_visible(m)]
    assert past and future
    for message in past:
        assert client.get(f"/api/v1/messages/{message['id']}").status_code == 200
    for message in future:
        assert client.get(f"/api/v1/messages/{message['id']}").status_code == 404


def test_draft_campaign_hides_its_bundle_and_items(client):
    assert client.get("/api/v1/campaigns/sid-2027").status_code == 404
    assert client.get("/api/v1/campaigns/sid-2027/bundle").status_code == 404
    body = client.get("/api/v1/messages?campaign=sid-2027").get_json()
    assert body["data"] == []


def test_status_filter_never_reveals_drafts_anonymously(client):
    assert client.get("/api/v1/messages?status=draft").get_json()["data"] == []
    published = walk(client, "/api/v1/messages?status=published", limit=50)
    assert published and all(m["status"] == "published" for m in published)


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("campaign=sid-2017", "campaign", "sid-2017"),
        ("audience=parents-carers", "audience", "parents-carers"),
        ("kind=tip", "kind", "tip"),
        ("tag=privacy", "tags", "privacy"),
    ],
)
def test_message_filters(client, query, field, value):
    items = walk(client, f"/api/v1/messages?{query}", limit=10)
    expected = [
        m["id"]
        for m in seed.visible("messages")
        if (value in m[field] if isinstance(m[field], list) else m[field] == value)
    ]
    assert expected, "the filter should match seed content"
    assert [m["id"] for m in items] == expected


def test_filters_combine(client):
    items = walk(client, "/api/v1/messages?campaign=sid-2017&audience=educators&kind=tip")
    expected = [
        m["id"]
        for m in seed.visible("messages")
        if m["campaign"] == "sid-2017" and m["audience"] == "educators" and m["kind"] == "tip"
    ]
    assert [m["id"] for m in items] == expected


def test_theme_filter_goes_through_the_campaign(client):
    themes = {c["slug"]: c["theme"] for c in seed.load("campaigns")}
    items = walk(client, "/api/v1/messages?theme=be-the-change-2017")
    assert items and all(themes[m["campaign"]] == "be-the-change-2017" for m in items)


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("type=webinar", lambda r: r["type"] == "webinar"),
        ("audience=educators", lambda r: "educators" in r["audiences"]),
        ("campaign=sid-2025", lambda r: r["campaign"] == "sid-2025"),
    ],
)
def test_resource_filters(client, query, check):
    items = walk(client, f"/api/v1/resources?{query}")
    field, value = query.split("=")
    expected = [
        r["id"]
        for r in seed.visible("resources")
        if (value in r["audiences"] if field == "audience" else r[field] == value)
    ]
    assert expected
    assert [r["id"] for r in items] == expected
    assert all(check(r) for r in items)


def test_campaign_year_filter(client):
    data = client.get("/api/v1/campaigns?year=2017").get_json()["data"]
    assert [c["slug"] for c in data] == ["sid-2017"]


def test_text_search_matches_any_locale_case_insensitively(client):
    hits = walk(client, "/api/v1/messages?q=PASSWORD")
    assert hits
    for hit in hits:
        source = next(m for m in seed.load("messages") if m["id"] == hit["id"])
        texts = " ".join(
            str(v) for tr in source["translations"].values() for v in tr.values() if v
        ).lower()
        assert "password" in texts
    # A word only in the French text is found too.
    french = client.get("/api/v1/messages?q=mot%20de%20passe&locale=fr").get_json()["data"]
    assert french and all(m["locale"].startswith("fr") for m in french)


def test_text_search_treats_wildcards_literally(client):
    assert client.get("/api/v1/messages?q=%25").get_json()["data"] == []
    assert client.get("/api/v1/messages?q=_").get_json()["data"] == []


def test_updated_since_filters(client):
    everything = walk(client, "/api/v1/messages?updated_since=2000-01-01T00:00:00Z", limit=50)
    assert len(everything) == len(seed.visible("messages"))
    future = client.get("/api/v1/messages?updated_since=2100-01-01T00:00:00%2B00:00")
    assert future.get_json()["data"] == []


def test_message_detail_shape(client):
    message = seed.visible("messages")[0]
    body = client.get(f"/api/v1/messages/{message['id']}").get_json()["data"]
    assert body["id"] == message["id"]
    assert body["campaign"] == message["campaign"]
    assert body["headline"] == message["translations"]["en"]["headline"]
    assert body["available_locales"] == sorted(message["translations"])
    assert body["locale"] == "en"


def test_theme_detail_has_palette(client):
    theme = seed.load("themes")[0]
    body = client.get(f"/api/v1/themes/{theme['slug']}").get_json()["data"]
    assert body["palette"] == theme["palette"]


def test_bundle_holds_the_whole_campaign(client):
    response = client.get("/api/v1/campaigns/sid-2017/bundle")
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert data["campaign"]["slug"] == "sid-2017"
    assert data["theme"]["slug"] == data["campaign"]["theme"]
    expected_messages = [m["id"] for m in seed.visible("messages") if m["campaign"] == "sid-2017"]
    expected_resources = [r["id"] for r in seed.visible("resources") if r["campaign"] == "sid-2017"]
    assert [m["id"] for m in data["messages"]] == expected_messages
    assert [r["id"] for r in data["resources"]] == expected_resources


def test_unknown_slugs_are_404(client):
    for url in (
        "/api/v1/campaigns/no-such-campaign",
        "/api/v1/campaigns/no-such-campaign/bundle",
        "/api/v1/themes/no-such-theme",
        "/api/v1/themes/NOT%20A%20SLUG",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
