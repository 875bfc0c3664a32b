"""Webhooks against a real receiver on loopback, verified by standardwebhooks."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.conftest import make_app
from tests.editing_fixtures import clone_database
from tests.webhook_receiver import Receiver


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


def _app(url, tmp_path, **overrides):
    settings = {"WEBHOOK_ALLOW_PRIVATE": True, **overrides}
    return make_app(url, tmp_path, load_fixtures=False, **settings)


@pytest.fixture()
def hook_app(editing_template, tmp_path):
    with clone_database(editing_template[0], tmp_path) as url:
        app = _app(url, tmp_path)
        yield app
        app.extensions["sidcontent.webhooks"].stop()
        app.extensions["sidcontent.db"].dispose()


def _subscribe(client, admin, receiver, **body):
    created = client.post("/api/v1/webhooks", json={"url": receiver.url, **body}, headers=admin)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()["data"]
    assert data["secret"].startswith("whsec_")
    receiver.secret = data["secret"]
    return data


def _etag(client, path, auth):
    return client.get(f"{path}?preview=true", headers=auth).headers["ETag"]


def _deliveries(client, admin, endpoint_id):
    response = client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=admin)
    assert response.status_code == 200
    return response.get_json()["data"]


def _wait(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_every_event_type_arrives_once_and_verifies(hook_app, callers, receiver):
    client, admin = hook_app.test_client(), callers["admin"]
    endpoint = _subscribe(client, admin, receiver, description="partner site")
    listed = client.get("/api/v1/webhooks", headers=admin).get_json()["data"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert "secret" not in listed[0]  # shown once, at creation

    assert client.post("/api/v1/messages/20/publish", headers=admin).status_code == 200
    patched = client.patch(
        "/api/v1/messages/20",
        json={"link": "https://www.saferinternetday.org/"},
        headers={**admin, "If-Match": _etag(client, "/api/v1/messages/20", admin)},
    )
    assert patched.status_code == 200
    assert client.post("/api/v1/messages/8/unpublish", headers=admin).status_code == 200
    deleted = client.delete(
        "/api/v1/messages/9",
        headers={**admin, "If-Match": _etag(client, "/api/v1/messages/9", admin)},
    )
    assert deleted.status_code == 204
    exported = client.post(
        "/api/v1/exports",
        json={"exporter": "calendar", "campaign": "sid-2026"},
        headers=callers["marketer"],
    )
    assert exported.status_code == 201

    receiver.wait_for(5)
    time.sleep(0.5)  # nothing more may come
    payloads = receiver.verified()
    assert Counter(p["type"] for p in payloads) == {
        "content.published": 1,
        "content.updated": 1,
        "content.unpublished": 1,
        "content.deleted": 1,
        "export.succeeded": 1,
    }
    assert len({p["webhook-id"] for p in payloads}) == 5
    assert all(len(r["body"]) < 20 * 1024 for r in receiver.requests)
    published = next(p for p in payloads if p["type"] == "content.published")
    assert published["data"] == {
        "type": "message",
        "id": 20,
        "revision": published["data"]["revision"],
        "status": "published",
        "action": "publish",
        "campaign": "sid-2017",
        "changed": published["data"]["changed"],
    }
    # A forged body does not verify.
    first = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(receiver.secret).verify(first["body"] + b" ", first["headers"])
    log = _deliveries(client, admin, endpoint["id"])
    assert {d["status"] for d in log} == {"succeeded"}
    assert all(d["log"][0]["status_code"] == 204 for d in log)


def test_a_receiver_that_is_down_gets_it_when_it_is_back(hook_app, callers, receiver):
    client, admin = hook_app.test_client(), callers["admin"]
    endpoint = _subscribe(client, admin, receiver, events=["content.unpublished"])
    receiver.answer = lambda n: (503, {"Retry-After": "1"}) if n < 2 else (200, {})
    assert client.post("/api/v1/messages/8/archive", headers=admin).status_code == 200
    receiver.wait_for(3)
    _wait(lambda: _deliveries(client, admin, endpoint["id"])[0]["status"] == "succeeded")
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert len(ids) == 1, "every retry carries the same webhook-id"
    (delivery,) = _deliveries(client, admin, endpoint["id"])
    assert [a["status_code"] for a in delivery["log"]] == [503, 503, 200]
    assert delivery["attempts"] == 3
    assert [p["type"] for p in receiver.verified()] == ["content.unpublished"] * 3


def test_redirects_fail_and_gone_disables(hook_app, callers, receiver):
    client, admin = hook_app.test_client(), callers["admin"]
    endpoint = _subscribe(client, admin, receiver)
    receiver.answer = lambda n: (
        (302, {"Location": "http://127.0.0.1:9/elsewhere"}) if n == 0 else (410, {})
    )
    assert client.post("/api/v1/messages/8/archive", headers=admin).status_code == 200
    receiver.wait_for(1)
    _wait(lambda: _deliveries(client, admin, endpoint["id"])[0]["log"])
    (delivery,) = _deliveries(client, admin, endpoint["id"])
    assert delivery["status"] == "pending"  # a redirect is a failure, retried later
    assert delivery["log"][0]["error"] == "redirects are not followed"
    # Redelivery on request: the receiver now says Gone, which disables the endpoint.
    again = client.post(
        f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/redeliver", headers=admin
    )
    assert again.status_code == 202
    receiver.wait_for(2)
    _wait(
        lambda: (
            not client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=admin).get_json()["data"][
                "enabled"
            ]
        )
    )
    shown = client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=admin).get_json()["data"]
    assert "410" in shown["disabled_reason"]
    assert client.post("/api/v1/messages/9/archive", headers=admin).status_code == 200
    time.sleep(1)
    assert len(receiver.requests) == 2  # nothing more goes to a disabled endpoint


def test_a_slow_receiver_never_slows_a_write(hook_app, callers, receiver):
    client, admin = hook_app.test_client(), callers["admin"]
    _subscribe(client, admin, receiver)
    receiver.hold = __import__("threading").Event()
    assert client.post("/api/v1/messages/8/archive", headers=admin).status_code == 200
    assert receiver.holding.wait(30)  # the receiver now holds the delivery open
    # Writes go through while the delivery waits on the receiver.
    for message in (9, 10, 11):
        assert client.post(f"/api/v1/messages/{message}/archive", headers=admin).status_code == 200
    assert len(receiver.requests) == 1
    receiver.hold.set()
    receiver.wait_for(4)
    assert len({p["webhook-id"] for p in receiver.verified()}) == 4


def test_rotation_signs_with_both_secrets_for_a_while(hook_app, callers, receiver):
    client, admin = hook_app.test_client(), callers["admin"]
    endpoint = _subscribe(client, admin, receiver)
    old = receiver.secret
    rotated = client.post(f"/api/v1/webhooks/{endpoint['id']}/rotate", headers=admin)
    assert rotated.status_code == 200
    new = rotated.get_json()["data"]["secret"]
    assert new.startswith("whsec_") and new != old
    assert client.post("/api/v1/messages/8/archive", headers=admin).status_code == 200
    receiver.wait_for(1)
    assert len(receiver.requests[0]["headers"]["webhook-signature"].split(" ")) == 2
    assert receiver.verified(old) == receiver.verified(new)


def test_private_addresses_are_refused_unless_allowed(
    editing_template, tmp_path, callers, receiver
):
    with clone_database(editing_template[0], tmp_path) as url:
        app = _app(url, tmp_path, WEBHOOK_ALLOW_PRIVATE=False)
        try:
            client, admin = app.test_client(), callers["admin"]
            endpoint = _subscribe(client, admin, receiver)
            assert client.post("/api/v1/messages/8/archive", headers=admin).status_code == 200
            _wait(lambda: any(d["log"] for d in _deliveries(client, admin, endpoint["id"])))
            (delivery,) = _deliveries(client, admin, endpoint["id"])
            assert "SIDCONTENT_WEBHOOK_ALLOW_PRIVATE" in delivery["log"][0]["error"]
            assert receiver.requests == []
        finally:
            app.extensions["sidcontent.webhooks"].stop()
            app.extensions["sidcontent.db"].dispose()


def test_only_admins_manage_webhooks(hook_app, callers):
    client = hook_app.test_client()
    assert client.get("/api/v1/webhooks").status_code == 401
    assert client.get("/api/v1/webhooks", headers=callers["publisher"]).status_code == 403
    bad = client.post(
        "/api/v1/webhooks", json={"url": "ftp://example.org/x"}, headers=callers["admin"]
    )
    assert bad.status_code == 422 and "url" in bad.get_json()["errors"]
    unknown = client.post(
        "/api/v1/webhooks",
        json={"url": "https://example.org/x", "events": ["content.exploded"]},
        headers=callers["admin"],
    )
    assert unknown.status_code == 422


def test_every_webhook_operation_is_for_admins_only(hook_app, callers):
    """Each documented /webhooks operation: anonymous 401, publisher 403, admin past auth."""
    client = hook_app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/webhooks")
        for method, operation in item.items()
        if isinstance(operation, dict)
    ]
    assert len(operations) >= 7
    for method, path in operations:
        url = path.replace("{endpoint_id}", "999").replace("{delivery_id}", "999")
        for caller, expected in ((None, 401), ("editor", 403), ("publisher", 403)):
            headers = callers[caller] if caller else {}
            answer = client.open(url, method=method, headers=headers, json={})
            assert answer.status_code == expected, (method, path, caller)
        admitted = client.open(url, method=method, headers=callers["admin"], json={})
        assert admitted.status_code not in (401, 403), (method, path)


def test_a_new_endpoint_gets_only_what_happens_after_it(hook_app, callers, receiver):
    client, admin = hook_app.test_client(), callers["admin"]
    # Events with no endpoint to want them: nobody's news, later either.
    for message in (8, 9):
        assert client.post(f"/api/v1/messages/{message}/archive", headers=admin).status_code == 200
    _subscribe(client, admin, receiver)
    assert client.post("/api/v1/messages/10/archive", headers=admin).status_code == 200
    receiver.wait_for(1)
    time.sleep(2.5)  # a whole poll: the backlog must not follow
    assert [p["data"]["id"] for p in receiver.verified()] == [10]
