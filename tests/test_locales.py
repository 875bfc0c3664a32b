"""Locale negotiation and fallback through HTTP."""

from __future__ import annotations

import pytest

from tests import seed


def message_with(locales: set[str], without: set[str] = frozenset()) -> dict:
    for message in seed.visible("messages"):
        have = set(message["translations"])
        if locales <= have and not (without & have):
            return message
    raise AssertionError(f"no visible seed message with {locales} and without {without}")


def get(client, message: dict, **kwargs):
    return client.get(f"/api/v1/messages/{message['id']}", **kwargs)


def test_exact_regional_locale_is_served(client):
    message = message_with({"fr-BE", "fr"})
    response = get(client, message, query_string={"locale": "fr-BE"})
    data = response.get_json()["data"]
    assert data["locale"] == "fr-BE"
    assert data["headline"] == message["translations"]["fr-BE"]["headline"]
    assert response.headers["Content-Language"] == "fr-BE"


def test_region_falls_back_to_language(client):
    message = message_with({"fr"}, without={"fr-BE"})
    response = get(client, message, query_string={"locale": "fr-BE"})
    data = response.get_json()["data"]
    assert data["locale"] == "fr"
    assert data["headline"] == message["translations"]["fr"]["headline"]
    assert response.headers["Content-Language"] == "fr"


def test_missing_language_falls_back_to_campaign_default(client):
    message = message_with({"en"}, without={"de", "de-CH"})
    data = get(client, message, query_string={"locale": "de-CH"}).get_json()["data"]
    assert data["locale"] == "en"
    assert data["headline"] == message["translations"]["en"]["headline"]
    assert "de" not in data["available_locales"]


def test_locale_is_case_insensitive_and_normalised(client):
    message = message_with({"fr-BE"})
    data = get(client, message, query_string={"locale": "FR-be"}).get_json()["data"]
    assert data["locale"] == "fr-BE"


def test_accept_language_in_quality_order(client):
    message = message_with({"de", "fr"})
    headers = {"Accept-Language": "it;q=0.9, fr;q=0.5, de;q=0.7"}
    data = get(client, message, headers=headers).get_json()["data"]
    assert data["locale"] == "de"  # it is missing; de (0.7) beats fr (0.5)


def test_query_parameter_beats_accept_language(client):
    message = message_with({"de", "fr"})
    response = get(
        client, message, query_string={"locale": "fr"}, headers={"Accept-Language": "de"}
    )
    assert response.get_json()["data"]["locale"] == "fr"


def test_garbage_accept_language_is_ignored_not_an_error(client):
    message = message_with({"en"})
    headers = {"Accept-Language": "../../etc/passwd, *;q=0.1, fr;q=abc, " + "x" * 5000}
    response = get(client, message, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["data"]["locale"] == "en"


def test_list_reports_each_items_locale(client):
    response = client.get("/api/v1/messages?campaign=sid-2017&locale=es&limit=100")
    data = response.get_json()["data"]
    served = {m["locale"] for m in data}
    assert served == {"es", "en"}, "some messages have Spanish, some fall back to English"
    for item in data:
        source = next(m for m in seed.load("messages") if m["id"] == item["id"])
        assert item["locale"] == ("es" if "es" in source["translations"] else "en")
    assert set(response.headers["Content-Language"].split(", ")) == served


def test_bundle_in_requested_locale(client):
    data = client.get("/api/v1/campaigns/sid-2017/bundle?locale=de").get_json()["data"]
    assert data["locale"] == data["campaign"]["locale"] == "de"
    assert data["theme"]["locale"] == "de"
    assert {m["locale"] for m in data["messages"]} <= {"de", "en"}


def test_vary_names_accept_language(client):
    response = client.get("/api/v1/campaigns/sid-2017")
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("tag", ["en_GB", "x-private", "i-klingon", "12", "fr-", "a" * 40, "e"])
def test_invalid_locale_parameter_is_400(client, tag):
    response = client.get("/api/v1/messages", query_string={"locale": tag})
    assert response.status_code == 400
    assert "locale" in response.get_json()["errors"]
