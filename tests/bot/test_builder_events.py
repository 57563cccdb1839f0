"""Event conditions in the Slack rule builder: an event row (event, how many times, a value box with the
number, a property value and a window) to a validated rule and back, with errors beside the row."""

from __future__ import annotations

from typing import Any

import pytest

from bot.builder import BuilderErrors, BuilderState, Row, build_rule, state_from_rule
from bot.listeners.actions.builder import apply
from segcore.catalog import default_catalog
from segcore.rules import (
    AllOf,
    CalendarPeriod,
    Condition,
    EventCondition,
    EventCount,
    EventWindow,
    PropertyCondition,
    RelativeAmount,
    rule_from_json,
)
from segcore.validation import validate

CATALOG = default_catalog()


def test_an_event_row_becomes_an_event_condition() -> None:
    state = BuilderState([Row("event:Product Viewed", "gte", "3, electronics, in the last 30 days"),
                          Row("event:Coupon Applied", "none", "this year"),
                          Row("plan", "eq", "pro")], "all")
    assert build_rule(state, CATALOG) == AllOf((
        EventCondition("Product Viewed", (PropertyCondition("category", "eq", "Electronics"),), EventCount("gte", 3),
                       EventWindow("within_last", RelativeAmount(30, "day"))),
        EventCondition("Coupon Applied", (), EventCount("eq", 0), EventWindow("on", CalendarPeriod("year", 0))),
        Condition("plan", "eq", "pro"),
    ))


@pytest.mark.parametrize(("op", "text", "expected"), [
    ("gte", "", {"event": "Email Opened"}),
    ("gte", "Diwali Sale", {"event": "Email Opened", "where": [{"property": "campaign", "op": "eq", "value": "Diwali Sale"}]}),
    ("between", "2 to 5 times, last month", {"event": "Email Opened", "count": {"op": "between", "value": [2, 5]},
                                             "when": {"op": "on", "value": {"period": "month", "offset": -1}}}),
    ("lt", "3", {"event": "Email Opened", "count": {"op": "lt", "value": 3}}),
    ("none", "in the last 90 days", {"event": "Email Opened", "count": {"op": "eq", "value": 0},
                                     "when": {"op": "within_last", "value": {"amount": 90, "unit": "day"}}}),
    ("gte", "campaign=Black Friday", {"event": "Email Opened", "where": [
        {"property": "campaign", "op": "eq", "value": "Black Friday"}]}),
])
def test_event_rows_read_each_part(op: str, text: str, expected: dict[str, Any]) -> None:
    rule = build_rule(BuilderState([Row("event:Email Opened", op, text)]), CATALOG)
    assert rule == validate(rule_from_json(expected), CATALOG)


@pytest.mark.parametrize(("row", "words"), [
    (Row("event:Product Viewed", "gte", "toys"), "known value such as Electronics"),
    (Row("event:Product Viewed", "gt", ""), "how many times"),
    (Row("event:Product Viewed", "gte", "2 to 5"), "between"),
    (Row("event:Product Viewed", "gte", "between 30 and 60 days ago"), "one window"),
    (Row("event:Checkout Started", "gte", "Electronics"), "no properties"),
    (Row("event:Password Reset", "gte", ""), "no longer exists"),
])
def test_event_row_errors_say_what_to_type(row: Row, words: str) -> None:
    with pytest.raises(BuilderErrors) as caught:
        build_rule(BuilderState([Row("visits", "gt", "5"), row]), CATALOG)
    assert set(caught.value.errors) == {1} and words in caught.value.errors[1]


@pytest.mark.parametrize("rule_json", [
    {"event": "Product Added", "where": [{"property": "category", "op": "eq", "value": "Beauty"}],
     "count": {"op": "gte", "value": 2}, "when": {"op": "within_last", "value": {"amount": 2, "unit": "week"}}},
    {"all": [{"event": "Order Completed", "count": {"op": "eq", "value": 0}},
             {"field": "city", "op": "eq", "value": "Pune"}]},
    {"any": [{"event": "Email Clicked", "when": {"op": "between", "value": ["2025-01", "2025-03-15"]}},
             {"event": "Checkout Started", "count": {"op": "between", "value": [1, 4]},
              "when": {"op": "more_than_ago", "value": {"amount": 1, "unit": "quarter"}}}]},
    {"event": "Email Opened", "where": [{"property": "campaign", "op": "eq", "value": "Black Friday"}],
     "when": {"op": "on", "value": {"period": "month", "offset": -3}}},
])
def test_event_conditions_open_as_rows_and_round_trip(rule_json: dict[str, Any]) -> None:
    rule = validate(rule_from_json(rule_json), CATALOG)
    state, complete = state_from_rule(rule, None, CATALOG)
    assert complete
    assert build_rule(state, CATALOG) == rule


def test_event_conditions_the_rows_cannot_show_say_so() -> None:
    listed = rule_from_json({"event": "Product Viewed", "where": [
        {"property": "category", "op": "in", "value": ["Home", "Books"]}]})
    assert state_from_rule(listed, None, CATALOG)[1] is False
    assert state_from_rule(rule_from_json({"event": "Email Opened"}))[1] is False  # no catalog: fields only


def test_choosing_an_event_offers_how_many_times() -> None:
    state = apply(BuilderState([Row("visits", "gt", "5")]), {
        "action_id": "rb_field_0", "selected_option": {"value": "event:Email Opened"}}, CATALOG)
    assert state.rows[0].field == "event:Email Opened" and state.rows[0].op == "gte"
