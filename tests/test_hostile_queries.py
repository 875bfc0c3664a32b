"""Hostile query parameters: each a 400 problem that names the parameter."""

from __future__ import annotations

import pytest

LISTS = ["/api/v1/campaigns", "/api/v1/themes", "/api/v1/messages", "/api/v1/resources"]

HOSTILE = [
    ("limit=-1", "limit"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    (f"limit={10**20}", "limit"),
    ("limit=ten", "limit"),
    ("limit=", "limit"),
    ("limit=1.5", "limit"),
    ("cursor=garbage", "cursor"),
    ("cursor=%00%FF", "cursor"),
    ("cursor=" + "A" * 600, "cursor"),
    ("cursor=eyJwIjp7ImlkIjo1fX0.AAAAAAAAAAAAAAAAAAAAAA", "cursor"),
    ("locale=../../etc/passwd", "locale"),
    ("locale=%00", "locale"),
    ("locale=en%0d%0aSet-Cookie:x=1", "locale"),
    ("q=" + "x" * 10_000, "q"),
    ("q=abc%00def", "q"),
    ("q=", "q"),
    ("status=secret", "status"),
    ("updated_since=yesterday", "updated_since"),
    ("updated_since=2024-01-01T00:00:00", "updated_since"),  # no time zone
    ("limit=1&limit=2", "limit"),
    ("no_such_filter=1", "no_such_filter"),
    ("LIMIT=5", "LIMIT"),
]

SPECIFIC = [
    ("/api/v1/messages", "audience=martians", "audience"),
    ("/api/v1/messages", "kind=spam", "kind"),
    ("/api/v1/messages", "tag=Not A Tag", "tag"),
    ("/api/v1/messages", "campaign=<script>", "campaign"),
    ("/api/v1/messages", "campaign=a&campaign=b", "campaign"),
    ("/api/v1/resources", "type=malware", "type"),
    ("/api/v1/resources", "audience=%00", "audience"),
    ("/api/v1/campaigns", "year=99999999999999999999", "year"),
    ("/api/v1/campaigns", "theme=" + "a" * 200, "theme"),
]


def assert_problem_400(response, parameter: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 400
    assert body["title"] == "Bad Request"
    assert parameter in body["errors"], body
    assert parameter in body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(("query", "parameter"), HOSTILE)
def test_hostile_list_parameters(client, url, query, parameter):
    assert_problem_400(client.get(f"{url}?{query}"), parameter)


@pytest.mark.parametrize(("url", "query", "parameter"), SPECIFIC)
def test_hostile_filter_values(client, url, query, parameter):
    assert_problem_400(client.get(f"{url}?{query}"), parameter)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/campaigns/sid-2017",
        "/api/v1/campaigns/sid-2017/bundle",
        "/api/v1/themes/be-the-change-2017",
        "/api/v1/messages/1",
        "/api/v1/resources/1",
    ],
)
@pytest.mark.parametrize(
    ("query", "parameter"),
    [("locale=../../etc/passwd", "locale"), ("locale=a&locale=b", "locale"), ("limit=5", "limit")],
)
def test_hostile_detail_parameters(client, url, query, parameter):
    assert_problem_400(client.get(f"{url}?{query}"), parameter)


def valid_cursor(client, query: str = "") -> str:
    body = client.get(f"/api/v1/messages?limit=2{query}").get_json()
    return body["meta"]["next_cursor"]


def test_tampered_cursor_is_refused(client):
    cursor = valid_cursor(client)
    payload, signature = cursor.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    for tampered in (f"{flipped}.{signature}", f"{payload}.{signature[::-1]}", payload):
        response = client.get(f"/api/v1/messages?limit=2&cursor={tampered}")
        assert_problem_400(response, "cursor")


def test_cursor_from_other_filters_is_refused(client):
    cursor = valid_cursor(client, "&campaign=sid-2017")
    response = client.get(f"/api/v1/messages?limit=2&audience=educators&cursor={cursor}")
    assert_problem_400(response, "cursor")
    assert "different query" in response.get_json()["detail"]


def test_cursor_from_another_list_is_refused(client):
    cursor = valid_cursor(client)
    assert_problem_400(client.get(f"/api/v1/resources?cursor={cursor}"), "cursor")


def test_cursor_signed_by_another_server_is_refused(client, fresh_app):
    fresh_app.config["SECRET_KEY"] = "another-secret"
    foreign = valid_cursor(fresh_app.test_client())
    assert_problem_400(client.get(f"/api/v1/messages?limit=2&cursor={foreign}"), "cursor")


def test_cursor_survives_a_change_of_limit_and_locale(client):
    cursor = valid_cursor(client)
    response = client.get(f"/api/v1/messages?limit=5&locale=fr&cursor={cursor}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/messages/99999999999999999999",
        "/api/v1/messages/0",
        "/api/v1/messages/-5",
        "/api/v1/messages/1e3",
        "/api/v1/resources/99999999999999999999",
        "/api/v1/themes/" + "x" * 5000,
        "/api/v1/campaigns/%00",
        "/api/v1/campaigns/..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_hostile_path_parameters_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
