"""Event conditions through the JSON API and the admin page's builder: the shared examples' rule trees
accepted as they are (OpenAPI and endpoints), the template lists the events, and builder rows with events.

Counting event leaves is the `events-engine` work: the endpoint tests skip, saying so, until validation and
the compiler take event conditions; the rest runs now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient

from admin.rulebuilder import Row, rows_from_rule, rule_json_from_rows
from segcore import default_catalog, describe, to_mongo_filter
from segcore.errors import RuleError
from segcore.rules import Condition, rule_from_json
from segcore.validation import validate_json
from tests import events_reference as reference
from tests.admin.admin_helpers import TEAM, ApiClient

CATALOG = default_catalog()


def test_the_openapi_rule_takes_every_events_example_as_it_is(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    schema = {**spec["components"]["schemas"]["Rule"], "components": spec["components"]}
    checker = jsonschema.Draft202012Validator(schema)
    failures = [f"{e['text']!r}: {[x.message for x in checker.iter_errors(e['rule'])][:2]}"
                for e in reference.events_examples() if list(checker.iter_errors(e["rule"]))]
    assert not failures, failures
    assert list(checker.iter_errors({"event": "Password Reset"}))  # the workspace's events only
    assert list(checker.iter_errors({"event": "Email Opened", "count": {"op": "ne", "value": 1}}))


def test_the_template_lists_events_their_properties_and_operators(api: ApiClient) -> None:
    body = api.get("/api/segments/new").get_json()
    events = {e["name"]: e for e in body["events"]}
    assert set(events) == {e.name for e in CATALOG.events}
    category = events["Product Viewed"]["properties"][0]
    assert category["name"] == "category" and "Electronics" in category["values"] and "eq" in category["operators"]
    assert "between" in body["event_count_operators"] and "within_last" in body["event_window_operators"]


def _load_events(store: Any, people: set[str]) -> None:
    documents = [
        {"team_id": TEAM, "message_id": m["messageId"], "user_id": m["userId"], "anonymous_id": None,
         "event": m["event"], "timestamp": datetime.fromisoformat(m["timestamp"].replace("Z", "+00:00")),
         "properties": m.get("properties") or {}, "received_at": datetime(2026, 11, 24, tzinfo=UTC)}
        for m in reference.sample_messages() if m["userId"] in people]
    store.db.events.insert_many(documents)


def test_preview_and_create_take_every_events_example(api: ApiClient, users: list[dict[str, Any]],
                                                      store: Any) -> None:
    everyone = {u["user_id"] for u in users}
    _load_events(store, everyone)
    events = reference.by_person([m for m in reference.sample_messages() if m["userId"] in everyone])
    for index, example in enumerate(reference.events_examples()):
        now = example["now"]

        def fields(cond: Condition, now: datetime = now) -> set[str]:
            query = {"$and": [{"team_id": TEAM}, to_mongo_filter(cond, CATALOG, now)]}
            return {d["user_id"] for d in store.db.users.find(query, {"user_id": 1})}

        expected = reference.selected(rule_from_json(example["rule"]), fields, events, everyone, now)
        preview = api.post("/api/segments/preview", {"rule": example["rule"]})
        assert preview.status_code == 200, (example["text"], preview.get_json())
        body = preview.get_json()
        assert body["rule"] == example["rule"] and body["size"] == len(expected), example["text"]
        assert body["description"] == describe(rule_from_json(example["rule"]), CATALOG)
        created = api.post("/api/segments", {"name": f"Behaviour {index}", "rule": example["rule"]})
        assert created.status_code == 201 and created.get_json()["rule"] == example["rule"], example["text"]


@pytest.mark.parametrize("rule", [
    {"event": "Password Reset"},
    {"event": "Coupon Applied", "where": [{"property": "category", "op": "eq", "value": "Books"}]},
    {"event": "Email Opened", "count": {"op": "ne", "value": 1}},
    {"event": "Email Opened", "times": 3},
])
def test_event_conditions_the_catalog_rejects_are_422(api: ApiClient, rule: dict[str, Any]) -> None:
    response = api.post("/api/segments/preview", {"rule": rule})
    assert response.status_code == 422, response.get_json()


# ------------------------------------------------------------------------------ the page's builder rows

@pytest.mark.parametrize(("row", "condition"), [
    (Row("event:Product Viewed", "gte", "3, electronics, in the last 30 days"),
     {"event": "Product Viewed", "where": [{"property": "category", "op": "eq", "value": "Electronics"}],
      "count": {"op": "gte", "value": 3}, "when": {"op": "within_last", "value": {"amount": 30, "unit": "day"}}}),
    (Row("event:Email Opened", "none", ""), {"event": "Email Opened", "count": {"op": "eq", "value": 0}}),
    (Row("event:Checkout Started", "gte", "last week"),
     {"event": "Checkout Started", "when": {"op": "on", "value": {"period": "week", "offset": -1}}}),
    (Row("event:Email Clicked", "between", "2 to 4, Diwali Sale"),
     {"event": "Email Clicked", "where": [{"property": "campaign", "op": "eq", "value": "Diwali Sale"}],
      "count": {"op": "between", "value": [2, 4]}}),
])
def test_event_rows_become_rules_and_back(row: Row, condition: dict[str, Any]) -> None:
    assert rule_json_from_rows("all", [row], CATALOG) == condition
    rule = validate_json(condition, CATALOG)
    shape = rows_from_rule(rule, CATALOG)
    assert shape is not None
    assert validate_json(rule_json_from_rows(shape[0], shape[1], CATALOG), CATALOG) == rule


def test_event_rows_that_cannot_be_read_say_why() -> None:
    with pytest.raises(RuleError, match=r"Condition 2 .*toys"):
        rule_json_from_rows("all", [Row("visits", "gt", "5"), Row("event:Product Viewed", "gte", "toys")], CATALOG)
    with pytest.raises(RuleError, match="event the catalog knows"):
        rule_json_from_rows("all", [Row("event:Password Reset", "gte", "")], CATALOG)


def test_the_form_offers_events_beside_fields(client: FlaskClient, auth: Any) -> None:
    auth.login()
    page = client.get("/segments/new").get_data(as_text=True)
    assert 'value="event:Product Viewed"' in page and "What they did" in page
    assert 'value="none"' in page
