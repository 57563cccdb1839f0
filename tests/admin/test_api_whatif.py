"""POST /api/segments/whatif on the real embedded database: every point is the count of the edited rule,
text and rules give the same curves, bad input is a clear 422, no token a 401, other workspaces stay apart."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask.testing import FlaskClient

from segcore import default_catalog, rule_from_json, to_mongo_filter
from tests.admin.admin_helpers import NOW, OTHER_TEAM, TEAM, ApiClient, error_of

RULES = {"any": [
    {"all": [{"field": "total_spend", "op": "gt", "value": 5000},
             {"field": "last_visit_at", "op": "within_last", "value": {"amount": 3, "unit": "month"}}]},
    {"not": {"field": "visits", "op": "gte", "value": 10}},
]}


def counted(store: Any, rule_json: dict[str, Any], team: str = TEAM) -> int:
    query = to_mongo_filter(rule_from_json(rule_json), default_catalog(), NOW)
    return int(store.db.users.count_documents({"$and": [{"team_id": team}, query]}))


def test_each_point_is_the_size_of_the_edited_rule(api: ApiClient, users: list[dict[str, Any]], store: Any) -> None:
    response = api.post("/api/segments/whatif", {"rules": RULES})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["size"] == counted(store, RULES) > 0
    assert body["rule"] == RULES and body["engine"] in ("mirror", "mongodb")
    spend, visit, visits = body["conditions"]
    assert (spend["field"], spend["op"], spend["value"]) == ("total_spend", "gt", 5000)
    assert visit["value"] == {"amount": 3, "unit": "month"} and visits["text"] == "not (at least 10 visits)"
    places = [lambda r, v: r["any"][0]["all"][0].update(value=v), lambda r, v: r["any"][0]["all"][1].update(value=v),
              lambda r, v: r["any"][1]["not"].update(value=v)]
    for put, condition in zip(places, body["conditions"], strict=True):
        assert len(condition["points"]) >= 7
        assert [p["current"] for p in condition["points"]].count(True) == 1
        for point in condition["points"]:
            edited = copy.deepcopy(RULES)
            put(edited, point["value"])
            assert point["size"] == counted(store, edited), (condition["text"], point)
    assert [p["label"] for p in visit["points"] if p["current"]] == ["3 months"]
    assert "₹5,000" in [p["label"] for p in spend["points"]]


def test_text_gives_the_same_curves(api: ApiClient, users: list[dict[str, Any]]) -> None:
    by_text = api.post("/api/segments/whatif", {"text": "spent over 5k"}).get_json()
    by_rules = api.post("/api/segments/whatif", {"rules": {"field": "total_spend", "op": "gt", "value": 5000}}).get_json()
    assert by_text["conditions"] == by_rules["conditions"] and by_text["size"] == by_rules["size"]


@pytest.mark.parametrize(("payload", "code"), [
    ({}, "invalid"),
    ({"rules": RULES, "text": "spent over 5k"}, "invalid"),
    ({"rules": {"field": "shoe_size", "op": "gt", "value": 3}}, "invalid_rule"),
    ({"rules": RULES, "colour": "blue"}, "unknown_fields"),
    ({"text": 12}, "invalid"),
])
def test_bad_input_is_a_clear_422(api: ApiClient, users: list[dict[str, Any]], payload: dict[str, Any],
                                  code: str) -> None:
    response = api.post("/api/segments/whatif", payload)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == code and error["message"]


def test_needs_a_token_and_counts_only_its_workspace(client: FlaskClient, api: ApiClient, other_api: ApiClient,
                                                     users: list[dict[str, Any]], store: Any) -> None:
    assert client.post("/api/segments/whatif", json={"rules": RULES}).status_code == 401
    ours = api.post("/api/segments/whatif", {"rules": RULES}).get_json()
    theirs = other_api.post("/api/segments/whatif", {"rules": RULES}).get_json()
    # Their 100 people all spent ₹9,99,999: every spend point up to ₹5,00,000 keeps the same size.
    assert theirs["size"] == counted(store, RULES, OTHER_TEAM) != ours["size"]
    spend = theirs["conditions"][0]["points"]
    assert len({p["size"] for p in spend if p["value"] < 999_999}) == 1
