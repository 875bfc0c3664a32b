"""First read-API checks through HTTP."""

from __future__ import annotations


def test_messages_list_has_envelope(client):
    response = client.get("/api/v1/messages?limit=5")
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["data"]) == 5
    assert body["meta"]["limit"] == 5
    assert body["meta"]["next_cursor"]
    assert 'rel="next"' in response.headers["Link"]


def test_unknown_path_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404
