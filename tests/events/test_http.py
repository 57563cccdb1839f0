"""The Segment HTTP Tracking API through the real WSGI app against the real embedded database: every
answer, and each refusal with nothing stored."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from admin import create_app
from admin.tracking.keys import SourceStore
from segcore.ratelimit import RateLimiter
from segcore.storage.database import Store
from tests.events.conftest import NOW, OTHER_TEAM, TEAM, events, make_services


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def post(client: FlaskClient, path: str, body: Any, key: str | None = None, *, raw: bytes | None = None,
         headers: dict[str, str] | None = None) -> TestResponse:
    data = raw if raw is not None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(basic(key) if key else {}), **(headers or {})}
    return client.post(path, data=data, headers=sent)


def track(n: int, **extra: Any) -> dict[str, Any]:
    return {"type": "track", "userId": f"u{n}", "event": "Product Viewed", "messageId": f"m{n}",
            "timestamp": "2026-11-20T10:00:00.123Z", "properties": {"category": "electronics"}, **extra}


def no_trace(response: TestResponse) -> None:
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text


def test_a_batch_is_stored_in_the_settled_shape(client: FlaskClient, store: Store, write_key: str) -> None:
    answer = post(client, "/v1/batch", {"batch": [track(1), track(2)]}, write_key)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"success": True}
    first = events(store)[0]
    assert first == {
        "team_id": TEAM, "message_id": "m1", "user_id": "u1", "anonymous_id": None, "event": "Product Viewed",
        "timestamp": datetime(2026, 11, 20, 10, 0, 0, 123000, tzinfo=UTC),
        "properties": {"category": "Electronics"},  # the catalog's spelling, as an import types it
        "received_at": NOW,
    }
    assert len(events(store)) == 2


def test_the_write_key_can_come_in_the_body(client: FlaskClient, store: Store, write_key: str) -> None:
    answer = post(client, "/v1/batch", {"batch": [track(1)], "writeKey": write_key})
    assert answer.status_code == 200
    assert len(events(store)) == 1


def test_missing_and_wrong_keys_get_401_and_store_nothing(client: FlaskClient, store: Store, write_key: str) -> None:
    for key in (None, "wk_not-a-key", "seg_an-api-token", write_key + "x"):
        answer = post(client, "/v1/batch", {"batch": [track(1)]}, key)
        assert answer.status_code == 401, key
        no_trace(answer)
    assert post(client, "/v1/batch", {"batch": [track(1)], "writeKey": "wk_wrong"}).status_code == 401
    assert events(store) == []


def test_a_revoked_key_gets_401(client: FlaskClient, store: Store) -> None:
    sources = SourceStore(store.db)
    source, key = sources.create(TEAM, "old")
    sources.revoke(source.id)
    assert post(client, "/v1/track", track(1), key).status_code == 401
    assert events(store) == []


def test_a_key_writes_only_to_its_own_workspace(client: FlaskClient, store: Store) -> None:
    theirs = SourceStore(store.db).create(OTHER_TEAM, "theirs")[1]
    assert post(client, "/v1/batch", {"batch": [track(1)]}, theirs).status_code == 200
    assert events(store) == []
    assert len(events(store, OTHER_TEAM)) == 1


def test_bodies_that_are_not_json_or_not_gzip_get_400(client: FlaskClient, store: Store, write_key: str) -> None:
    for raw, headers in ((b"{not json", {}), (b"[1, 2]", {}), (b"\xff\xfe", {}),
                         (b"plain text, not gzip", {"Content-Encoding": "gzip"}),
                         (gzip.compress(b'{"batch": []}')[:-8], {"Content-Encoding": "gzip"}),
                         (b'{"batch": []}', {"Content-Encoding": "br"})):
        answer = post(client, "/v1/batch", None, write_key, raw=raw, headers=headers)
        assert answer.status_code == 400, raw
        assert answer.get_json()["error"]["message"]
        no_trace(answer)
    assert post(client, "/v1/batch", {"batch": "no"}, write_key).status_code == 400
    assert events(store) == []


def test_gzip_bodies_are_read(client: FlaskClient, store: Store, write_key: str) -> None:
    raw = gzip.compress(json.dumps({"batch": [track(1), track(2), track(3)]}).encode())
    answer = post(client, "/v1/batch", None, write_key, raw=raw, headers={"Content-Encoding": "gzip"})
    assert answer.status_code == 200
    assert [e["message_id"] for e in events(store)] == ["m1", "m2", "m3"]


def test_over_the_limits_gets_413_and_stores_nothing(client: FlaskClient, store: Store, write_key: str) -> None:
    big = track(1, properties={"note": "x" * (33 * 1024)})
    assert post(client, "/v1/batch", {"batch": [track(2), big]}, write_key).status_code == 413
    assert post(client, "/v1/track", big, write_key).status_code == 413
    many = {"batch": [track(i, properties={"note": "y" * 20_000}) for i in range(30)]}  # ~600 KB
    assert post(client, "/v1/batch", many, write_key).status_code == 413
    # A gzip bomb: 50 KB on the wire, 50 MB inflated; refused at 500 KB.
    bomb = gzip.compress(b'{"batch": ["' + b"a" * 50_000_000 + b'"]}')
    assert len(bomb) < 100_000
    answer = post(client, "/v1/batch", None, write_key, raw=bomb, headers={"Content-Encoding": "gzip"})
    assert answer.status_code == 413
    no_trace(answer)
    assert events(store) == []


def test_invalid_messages_are_skipped_and_named_the_rest_kept(client: FlaskClient, store: Store, write_key: str,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    batch = [
        track(1),
        {"type": "screen", "userId": "u2", "name": "Home"},
        {"type": "track", "userId": "u3", "messageId": "m3"},
        {"type": "track", "event": "Product Viewed", "messageId": "m4"},
        track(5, timestamp="last tuesday"),
        track(6),
    ]
    answer = post(client, "/v1/batch", {"batch": batch}, write_key)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["success"] is True
    assert [s["index"] for s in body["skipped"]] == [1, 2, 3, 4]
    reasons = [s["reason"] for s in body["skipped"]]
    assert "screen" in reasons[0] and "event name" in reasons[1] and "userId" in reasons[2]
    assert "timestamp" in reasons[3]
    assert [e["message_id"] for e in events(store)] == ["m1", "m6"]
    logged = [r.getMessage() for r in caplog.records if r.name == "admin.tracking"]
    assert len(logged) == 4 and "message 2 skipped" in logged[1] and "event name" in logged[1]


def test_a_single_invalid_message_gets_400(client: FlaskClient, store: Store, write_key: str) -> None:
    answer = post(client, "/v1/track", {"userId": "u1", "messageId": "m1"}, write_key)
    assert answer.status_code == 400
    assert "event name" in answer.get_json()["error"]["message"]
    assert events(store) == []


def test_a_retried_message_counts_once(client: FlaskClient, store: Store, write_key: str) -> None:
    order = {"type": "track", "userId": "u1", "event": "Order Completed", "messageId": "o1",
             "timestamp": "2026-11-20T10:00:00Z"}
    for _ in range(3):
        assert post(client, "/v1/batch", {"batch": [order, order]}, write_key).status_code == 200
    assert len(events(store)) == 1
    person = store.db.users.find_one({"team_id": TEAM, "user_id": "u1"})
    assert person is not None and person["orders"] == 1


def test_each_endpoint_takes_its_own_type(client: FlaskClient, store: Store, write_key: str) -> None:
    assert post(client, "/v1/track", {"userId": "u1", "event": "Signed Up", "messageId": "t"}, write_key).status_code == 200
    page = {"anonymousId": "a1", "name": "Pricing", "properties": {"url": "https://x.test/pricing"}, "messageId": "p"}
    assert post(client, "/v1/page", page, write_key).status_code == 200
    assert post(client, "/v1/identify", {"userId": "u1", "traits": {"plan": "pro"}}, write_key).status_code == 200
    assert post(client, "/v1/alias", {"previousId": "a1", "userId": "u1"}, write_key).status_code == 200
    stored = {e["message_id"]: e for e in events(store)}
    assert stored["t"]["event"] == "Signed Up"
    assert stored["p"]["event"] == "Page Viewed"
    assert stored["p"]["properties"] == {"url": "https://x.test/pricing", "name": "Pricing"}
    assert stored["p"]["user_id"] == "u1"  # the alias linked a1 to u1
    person = store.db.users.find_one({"team_id": TEAM, "user_id": "u1"})
    assert person is not None and person["plan"] == "pro"


def test_identify_links_anonymous_events_before_and_after(client: FlaskClient, store: Store, write_key: str) -> None:
    before = {"type": "track", "anonymousId": "anon-1", "event": "Product Added", "messageId": "b"}
    assert post(client, "/v1/batch", {"batch": [before]}, write_key).status_code == 200
    assert events(store)[0]["user_id"] is None
    identify = {"type": "identify", "userId": "u9", "anonymousId": "anon-1",
                "traits": {"email": "u9@example.com", "age": "not a number", "favoriteColor": "green"}}
    answer = post(client, "/v1/batch", {"batch": [identify]}, write_key)
    assert answer.status_code == 200
    warnings = answer.get_json()["warnings"]
    assert warnings[0]["index"] == 0 and "age" in warnings[0]["message"]
    after = {"type": "track", "anonymousId": "anon-1", "event": "Order Completed", "messageId": "c",
             "timestamp": "2026-11-21T09:00:00Z"}
    assert post(client, "/v1/batch", {"batch": [after]}, write_key).status_code == 200
    assert {e["message_id"]: e["user_id"] for e in events(store)} == {"b": "u9", "c": "u9"}
    person = store.db.users.find_one({"team_id": TEAM, "user_id": "u9"})
    assert person is not None
    assert person["email"] == "u9@example.com" and "age" not in person
    assert person["favorite_color"] == "green"  # kept, queryable once the catalog names it
    assert person["orders"] == 1
    assert person["last_order_at"] == datetime(2026, 11, 21, 9, tzinfo=UTC)


def test_past_the_rate_limit_gets_429_with_retry_after(store: Store, write_key: str) -> None:
    app: Flask = create_app(make_services(store, RateLimiter(1, burst=2)), {"TESTING": True})
    client = app.test_client()
    codes = [post(client, "/v1/batch", {"batch": [track(i)]}, write_key).status_code for i in range(3)]
    assert codes == [200, 200, 429]
    answer = post(client, "/v1/batch", {"batch": [track(9)]}, write_key)
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 1
    assert [e["message_id"] for e in events(store)] == ["m0", "m1"]


def test_csrf_does_not_apply_and_get_is_not_allowed(client: FlaskClient, write_key: str) -> None:
    # No session, no CSRF token: a library's call is authenticated by its key alone.
    assert post(client, "/v1/track", track(1), write_key).status_code == 200
    answer = client.get("/v1/batch")
    assert answer.status_code == 405
    no_trace(answer)


def test_anonymous_orders_count_for_the_person_once_linked_and_only_once(client: FlaskClient, store: Store,
                                                                         write_key: str) -> None:
    orders = [{"type": "track", "anonymousId": "anon-2", "event": "Order Completed", "messageId": f"o{i}",
               "timestamp": f"2026-11-0{i + 1}T10:00:00Z"} for i in range(3)]
    assert post(client, "/v1/batch", {"batch": orders}, write_key).status_code == 200
    assert store.db.users.find_one({"team_id": TEAM, "user_id": "u5"}) is None
    link = {"type": "alias", "previousId": "anon-2", "userId": "u5"}
    again = {"type": "identify", "userId": "u5", "anonymousId": "anon-2", "traits": {"orders": "x"}}
    for body in ({"batch": [link]}, {"batch": [again]}, {"batch": [link, *orders]}):
        assert post(client, "/v1/batch", body, write_key).status_code == 200
    person = store.db.users.find_one({"team_id": TEAM, "user_id": "u5"})
    assert person is not None
    assert (person["orders"], person["last_order_at"]) == (3, datetime(2026, 11, 3, 10, tzinfo=UTC))
    assert {e["user_id"] for e in events(store)} == {"u5"}


def test_a_second_link_of_an_anonymous_id_keeps_the_first(client: FlaskClient, store: Store, write_key: str) -> None:
    first = {"type": "alias", "previousId": "anon-3", "userId": "u1"}
    second = {"type": "alias", "previousId": "anon-3", "userId": "u2"}
    assert post(client, "/v1/batch", {"batch": [first]}, write_key).status_code == 200
    answer = post(client, "/v1/batch", {"batch": [second]}, write_key)
    assert answer.status_code == 200 and "already linked" in answer.get_json()["warnings"][0]["message"]
    assert post(client, "/v1/track", {"anonymousId": "anon-3", "event": "X", "messageId": "x"}, write_key).status_code == 200
    assert events(store)[0]["user_id"] == "u1"
