"""Query strings parse to the same arguments however often they are sent.

The parser remembers successful parses by schema and raw query string
(api/params.py). These tests run with the response cache off, so every
request reaches the parser, and check that what it remembers never leaks:
not between routes whose schemas differ, not from a good request into a bad
one or back, and not between requests whose views change their arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import fresh_database, make_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    tmp_path: Path = tmp_path_factory.mktemp("parsing")
    with fresh_database(tmp_path) as url:
        app: Flask = make_app(url, tmp_path, RESPONSE_CACHE_SIZE=0)
        yield app.test_client()
        app.extensions["sidcontent.db"].dispose()


def test_a_query_sent_again_answers_the_same(client):
    first = client.get("/api/v1/messages?limit=2&locale=fr")
    assert first.status_code == 200
    for _ in range(3):
        again = client.get("/api/v1/messages?limit=2&locale=fr")
        assert again.data == first.data
        assert again.headers["Link"] == first.headers["Link"]
        assert again.headers["Content-Language"] == first.headers["Content-Language"]
    # Following the cursor twice: the view pops it from its arguments each time.
    cursor = first.get_json()["meta"]["next_cursor"]
    pages = [client.get(f"/api/v1/messages?limit=2&locale=fr&cursor={cursor}") for _ in range(2)]
    assert pages[0].status_code == 200
    assert pages[0].data == pages[1].data
    assert pages[0].get_json()["data"][0]["id"] > first.get_json()["data"][-1]["id"]


def test_the_same_query_string_is_parsed_by_each_route_s_own_schema(client):
    # "kind" is a message filter; on resources it is an unknown parameter.
    assert client.get("/api/v1/messages?kind=tip").status_code == 200
    refused = client.get("/api/v1/resources?kind=tip")
    assert refused.status_code == 400
    assert "kind" in refused.get_json()["detail"]
    assert client.get("/api/v1/messages?kind=tip").status_code == 200


def test_a_refused_query_is_refused_every_time_and_spoils_nothing(client):
    answers = [client.get("/api/v1/messages?limit=0") for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert len({a.get_json()["detail"] for a in answers}) == 1
    repeated = client.get("/api/v1/messages?limit=2&limit=3")
    assert repeated.status_code == 400
    assert client.get("/api/v1/messages?limit=2").status_code == 200
    assert client.get("/api/v1/messages?limit=2&limit=3").status_code == 400


def test_parameter_order_and_defaults_agree(client):
    one = client.get("/api/v1/messages?limit=3&locale=de")
    other = client.get("/api/v1/messages?locale=de&limit=3")
    assert one.status_code == other.status_code == 200
    assert one.data == other.data
    default = client.get("/api/v1/messages")
    explicit = client.get("/api/v1/messages?limit=20")
    assert default.data == explicit.data
