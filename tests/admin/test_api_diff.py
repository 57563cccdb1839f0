"""POST /api/segments/diff (the preview of an edit) and the change a PATCH of a segment's rules answers with,
on the real embedded database, against counts made directly in the users collection."""

from __future__ import annotations

from typing import Any

import pytest

from segcore import default_catalog, rule_from_json, to_mongo_filter
from tests.admin.admin_helpers import NOW, SPEND_RULE, TEAM, ApiClient, error_of

PUNE = {"field": "city", "op": "eq", "value": "Pune"}
PUNE_MUMBAI = {"field": "city", "op": "in", "value": ["Pune", "Mumbai"]}


def _count(store: Any, *rules: dict[str, Any]) -> int:
    parts = [to_mongo_filter(rule_from_json(r), default_catalog(), NOW) for r in rules]
    return int(store.db.users.count_documents({"$and": [{"team_id": TEAM}, *parts]}))


def expected(store: Any, before: dict[str, Any], after: dict[str, Any], changes: list[str]) -> dict[str, Any]:
    old, new, both = _count(store, before), _count(store, after), _count(store, before, after)
    return {"before": old, "after": new, "entered": new - both, "left": old - both, "changes": changes}


def test_diff_of_rules(api: ApiClient, users: list[dict[str, Any]], store: Any) -> None:
    response = api.post("/api/segments/diff", {"before": PUNE, "after": PUNE_MUMBAI})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body == expected(store, PUNE, PUNE_MUMBAI, ["added Mumbai to the cities"])
    assert body["entered"] > 0 and body["left"] == 0


def test_diff_of_words_and_of_a_saved_segment(api: ApiClient, users: list[dict[str, Any]], store: Any) -> None:
    words = api.post("/api/segments/diff", {"before": "spent over 5000", "after": "spent over 10000"}).get_json()
    higher = {"field": "total_spend", "op": "gt", "value": 10000}
    assert words == expected(store, SPEND_RULE, higher, ["total spend threshold raised from ₹5,000 to ₹10,000"])
    saved = api.post("/api/segments", {"name": "Big spenders", "rule": SPEND_RULE}).get_json()
    preview = api.post("/api/segments/diff", {"segment_id": saved["id"], "after": higher}).get_json()
    assert preview == words
    same = api.post("/api/segments/diff", {"segment_id": saved["id"], "after": SPEND_RULE}).get_json()
    assert same["changes"] == [] and same["entered"] == same["left"] == 0 and same["before"] == same["after"]


def test_patch_answers_with_the_change_it_made(api: ApiClient, users: list[dict[str, Any]], store: Any) -> None:
    saved = api.post("/api/segments", {"name": "Pune", "rule": PUNE}).get_json()
    preview = api.post("/api/segments/diff", {"segment_id": saved["id"], "after": PUNE_MUMBAI}).get_json()
    response = api.patch(f"/api/segments/{saved['id']}", {"rule": PUNE_MUMBAI})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["change"] == preview == expected(store, PUNE, PUNE_MUMBAI, ["added Mumbai to the cities"])
    assert body["size"] == body["change"]["after"]
    renamed = api.patch(f"/api/segments/{saved['id']}", {"name": "Pune and Mumbai"}).get_json()
    assert "change" not in renamed  # a new name changes no one


@pytest.mark.parametrize(("payload", "code", "words"), [
    ({"after": PUNE}, "invalid", 'Give either "before"'),
    ({"before": PUNE, "segment_id": "x", "after": PUNE}, "invalid", 'Give either "before"'),
    ({"before": PUNE}, "missing_fields", "after"),
    ({"before": 12, "after": PUNE}, "invalid", '"before" must be a description in words'),
    ({"before": PUNE, "after": ["city"]}, "invalid", '"after" must be a description in words'),
    ({"before": PUNE, "after": {"field": "shoe_size", "op": "gt", "value": 3}}, "invalid_rule", "shoe_size"),
    ({"before": PUNE, "after": PUNE, "colour": "blue"}, "unknown_fields", "colour"),
    ({"segment_id": 7, "after": PUNE}, "invalid", '"segment_id" must be'),
])
def test_bad_bodies_say_what_is_allowed(api: ApiClient, users: list[dict[str, Any]], payload: dict[str, Any],
                                        code: str, words: str) -> None:
    response = api.post("/api/segments/diff", payload)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == code and words in error["message"]


def test_another_workspaces_segment_is_not_found(api: ApiClient, other_api: ApiClient,
                                                 users: list[dict[str, Any]]) -> None:
    theirs = other_api.post("/api/segments", {"name": "Theirs", "rule": PUNE}).get_json()
    response = api.post("/api/segments/diff", {"segment_id": theirs["id"], "after": PUNE_MUMBAI})
    assert response.status_code == 404
