"""GET /api/segments/{id}/why on the real app and database: totals, causes, masked examples, errors."""

from __future__ import annotations

from typing import Any

from segcore.storage.database import Store
from tests.admin.admin_helpers import TEAM, ApiClient, error_of

RULE = {"all": [{"field": "visits", "op": "gte", "value": 10}, {"field": "city", "op": "eq", "value": "Pune"}]}


def people() -> list[dict[str, Any]]:
    return [{"user_id": f"u{i:03d}", "name": f"Person {i}", "email": f"p{i}@example.com",
             "city": "Pune" if i % 2 else "Mumbai", "visits": i} for i in range(20)]


def test_why_answers_who_entered_and_left_and_why(api: ApiClient, store: Store) -> None:
    store.users.upsert_many(TEAM, people())
    created = api.post("/api/segments", {"name": "Loyal Pune", "rule": RULE})
    assert created.status_code == 201, created.get_json()
    segment_id = created.get_json()["id"]
    store.users.upsert_many(TEAM, [{"user_id": "u011", "visits": 2}, {"user_id": "u013", "visits": 1},
                                   {"user_id": "u012", "city": "Pune"}])
    store.users.delete(TEAM, "u015")
    answer = api.get(f"/api/segments/{segment_id}/why?since=24h")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["before"]["size"], body["after"]["size"]) == (5, 3)
    assert body["entered"]["total"] == 1 and body["entered"]["new_people"] == 0
    assert [(c["field"], c["text"], c["count"]) for c in body["entered"]["by_condition"]] == [
        ("city", "city is now Pune", 1)]
    assert body["left"]["total"] == 3 and body["left"]["removed_people"] == 1
    cause = body["left"]["by_condition"][0]
    assert (cause["text"], cause["count"]) == ("no longer at least 10 visits", 2)
    assert {e["email"] for e in cause["examples"]} == {"p***@example.com"}  # masked
    assert body["summary"] == "-2: 2 no longer at least 10 visits, 1 removed"
    assert body["rule_edited"] is False


def test_why_errors_say_what_is_wrong(api: ApiClient, store: Store) -> None:
    assert api.get("/api/segments/nope/why").status_code == 404
    store.users.upsert_many(TEAM, people())
    segment_id = api.post("/api/segments", {"name": "Loyal Pune", "rule": RULE}).get_json()["id"]
    bad = api.get(f"/api/segments/{segment_id}/why?since=last-tuesday")
    assert bad.status_code == 422 and "24h, 7d" in error_of(bad)["message"]
    store.snapshots.members.delete_many({})
    none_yet = api.get(f"/api/segments/{segment_id}/why")
    assert none_yet.status_code == 404 and "no snapshot with its members yet" in error_of(none_yet)["message"]


def test_segment_page_shows_why_beside_the_history(client: Any, auth: Any, services: Any, store: Store) -> None:
    from datetime import timedelta

    from segcore.library import measure
    from segcore.validation import validate_json
    from tests.admin.admin_helpers import NOW

    store.users.upsert_many(TEAM, people())
    segment = store.segments.create(TEAM, "Loyal Pune", validate_json(RULE, store.catalog), "t", "user", "U")
    measure(store, services.engine, segment, NOW - timedelta(hours=2))
    store.users.upsert_many(TEAM, [{"user_id": "u011", "city": "Delhi"}, {"user_id": "u013", "city": "Delhi"}])
    measure(store, services.engine, segment, NOW - timedelta(hours=1))
    auth.login()
    html = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    assert 'id="why-changed"' in html and "-2: 2 city is no longer Pune" in html
    assert "P*** 1***" in html and "Person 11" not in html  # examples masked
