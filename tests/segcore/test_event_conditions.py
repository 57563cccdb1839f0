"""Event conditions: validation against the event catalog, and what each compiler is handed (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from segcore import default_catalog, to_mongo_filter, validate_json
from segcore.compile_mongo import EventsNotResolved, count_holds, event_pipeline, events_as_written
from segcore.compile_sql import to_sql
from segcore.errors import RuleError
from segcore.rules import EventCondition, EventCount, rule_to_json

CATALOG = default_catalog()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _refusal(data: dict[str, Any]) -> str:
    with pytest.raises(RuleError) as info:
        validate_json(data, CATALOG)
    return str(info.value)


def test_names_and_values_become_canonical_whatever_the_case() -> None:
    rule = validate_json({"event": "product VIEWED", "where": [
        {"property": "category", "op": "in", "value": ["gadgets", "BOOKS", "books"]}],
        "count": {"op": "gte", "value": 2.0}, "when": {"op": "on", "value": "2026-03"}}, CATALOG)
    assert rule_to_json(rule) == {"event": "Product Viewed", "where": [
        {"property": "category", "op": "in", "value": ["Electronics", "Books"]}],
        "count": {"op": "gte", "value": 2}, "when": {"op": "on", "value": "2026-03"}}


@pytest.mark.parametrize(("data", "words"), [
    ({"event": "Song Played"}, ["Unknown event 'Song Played'", "Order Completed"]),
    ({"event": "Checkout Started", "where": [{"property": "category", "op": "eq", "value": "Books"}]},
     ["has no property 'category'", "none"]),
    ({"event": "Product Viewed", "where": [{"property": "category", "op": "gt", "value": "B"}]},
     ["'gt'", "category of Product Viewed", "allowed: eq, ne, in, not_in, contains, exists"]),
    ({"event": "Email Opened", "where": [{"property": "campaign", "op": "eq", "value": ""}]},
     ["Email Opened: campaign eq", "non-empty text"]),
    ({"event": "Email Opened", "count": {"op": "ne", "value": 1}}, ["gt, gte, lt, lte, eq, between", "'ne'"]),
    ({"event": "Email Opened", "count": {"op": "gte", "value": 1.5}}, ["whole number", "1.5"]),
    ({"event": "Email Opened", "count": {"op": "gte", "value": -1}}, ["whole number, 0 or more"]),
    ({"event": "Email Opened", "count": {"op": "gte", "value": True}}, ["whole number"]),
    ({"event": "Email Opened", "count": {"op": "lt", "value": 0}}, ["matches no one", "eq 0"]),
    ({"event": "Email Opened", "count": {"op": "between", "value": [5, 2]}}, ["lower bound 5", "upper bound 2"]),
    ({"event": "Email Opened", "count": {"op": "between", "value": 3}}, ["two numbers of times"]),
    ({"event": "Email Opened", "when": {"op": "exists", "value": True}}, ["within_last, more_than_ago", "'exists'"]),
    ({"event": "Email Opened", "when": {"op": "not_within_last", "value": {"amount": 3, "unit": "day"}}},
     ["eq 0"]),
    ({"event": "Email Opened", "when": {"op": "within_last", "value": "2025"}}, ['{"amount": N']),
    ({"event": "Email Opened", "when": {"op": "before", "value": "soon"}}, ["Email Opened when before", "not a date"]),
    ({"event": "Email Opened", "when": {"op": "within_last", "value": {"amount": 0, "unit": "day"}}},
     ["between 1 and"]),
])
def test_refusals_name_what_was_wrong_and_what_is_allowed(data: dict[str, Any], words: list[str]) -> None:
    message = _refusal(data)
    for word in words:
        assert word in message, message


def test_event_conditions_count_toward_the_limits() -> None:
    leaf = {"event": "Product Viewed", "where": [{"property": "category", "op": "eq", "value": "Books"}] * 3}
    assert "at most 50 conditions" in _refusal({"any": [leaf] * 13})  # 13 x (1 + 3) = 52
    assert "at most 10 event conditions" in _refusal({"any": [{"event": "Coupon Applied"}] * 11})


@pytest.mark.parametrize(("count", "zero", "three"), [
    (("gte", 1), False, True), (("gt", 0), False, True), (("eq", 0), True, False), (("lt", 3), True, False),
    (("lte", 3), True, True), (("between", (0, 2)), True, False), (("between", (3, 5)), False, True),
    (("eq", 3), False, True), (("gte", 0), True, True),
])
def test_who_a_count_holds_for(count: tuple[str, Any], zero: bool, three: bool) -> None:
    assert (count_holds(EventCount(*count), 0), count_holds(EventCount(*count), 3)) == (zero, three)


def test_the_events_aggregation_leads_with_the_indexed_fields_and_lists_whom_it_should() -> None:
    rule = validate_json({"event": "Product Viewed", "where": [{"property": "category", "op": "eq", "value": "books"}],
                          "count": {"op": "lt", "value": 3},
                          "when": {"op": "within_last", "value": {"amount": 30, "unit": "day"}}}, CATALOG)
    assert isinstance(rule, EventCondition)
    query = event_pipeline(rule, CATALOG, "T1", NOW)
    assert query.pipeline[0] == {"$match": {"team_id": "T1", "event": "Product Viewed",
                                            "timestamp": {"$gte": datetime(2026, 10, 25, 12, 0, tzinfo=UTC)}}}
    assert query.pipeline[1] == {"$match": {"properties.category": "Books"}}
    # "fewer than 3 times" includes people with none: it lists those with 3 or more and selects the others.
    assert query.listed_match is False
    assert query.pipeline[-1] == {"$match": {"$nor": [{"n": {"$lt": 3}}]}}


def test_an_unresolved_event_condition_never_becomes_a_filter() -> None:
    rule = validate_json({"all": [{"field": "plan", "op": "eq", "value": "pro"}, {"event": "Coupon Applied"}]},
                         CATALOG)
    with pytest.raises(EventsNotResolved, match="Coupon Applied"):
        to_mongo_filter(rule, CATALOG, NOW)
    shown = to_mongo_filter(rule, CATALOG, NOW, events_as_written(rule))
    assert shown == {"$and": [{"plan": "pro"}, {"$event": {"event": "Coupon Applied"}}]}


def test_sql_counts_in_the_given_workspace_only() -> None:
    rule = validate_json({"event": "Email Opened", "count": {"op": "eq", "value": 0}}, CATALOG)
    with pytest.raises(ValueError, match="team_id"):
        to_sql(rule, CATALOG, NOW)
    sql, params = to_sql(rule, CATALOG, NOW, "T9")
    assert "NOT IN (SELECT person FROM events WHERE team_id = ?" in sql  # people join events by their number
    assert params[:2] == ["T9", "Email Opened"]
