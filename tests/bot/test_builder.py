"""The rule builder's state and value parsing, with no Slack in them."""

from __future__ import annotations

import pytest

from bot.builder import (
    BuilderErrors,
    BuilderState,
    Row,
    build_rule,
    parse_number,
    state_from_rule,
)
from segcore.catalog import default_catalog
from segcore.rules import AllOf, AnyOf, CalendarPeriod, Condition, Not, RelativeAmount, rule_from_json

CATALOG = default_catalog()


def test_numbers_read_like_the_spec() -> None:
    assert parse_number("5000") == 5000
    assert parse_number("5,000") == 5000
    assert parse_number("₹5k") == 5000
    assert parse_number("2.5 lakh") == 250000
    assert parse_number("1 crore") == 10_000_000
    with pytest.raises(ValueError):
        parse_number("lots")
    with pytest.raises(ValueError):
        parse_number("5 bananas")


def test_rows_become_a_validated_rule() -> None:
    state = BuilderState([Row("total_spend", "gt", "5k"), Row("city", "in", "pune, bangalore"),
                          Row("last_visit_at", "not_within_last", "5 months"), Row("email_opt_in", "is", "yes"),
                          Row("signup_date", "on", "last month"), Row("age", "between", "18 to 30")], "all")
    rule = build_rule(state, CATALOG)
    assert rule == AllOf((
        Condition("total_spend", "gt", 5000),
        Condition("city", "in", ("Pune", "Bengaluru")),
        Condition("last_visit_at", "not_within_last", RelativeAmount(5, "month")),
        Condition("email_opt_in", "is", True),
        Condition("signup_date", "on", CalendarPeriod("month", -1)),
        Condition("age", "between", (18, 30)),
    ))
    assert isinstance(build_rule(BuilderState([Row("visits", "gt", "1"), Row("orders", "gt", "1")], "any"),
                                 CATALOG), AnyOf)


def test_errors_name_the_row_and_what_to_type() -> None:
    state = BuilderState([Row("visits", "gt", "50"), Row(None, None, ""), Row("plan", "eq", "platinum"),
                          Row("last_visit_at", "within_last", "recently")])
    with pytest.raises(BuilderErrors) as caught:
        build_rule(state, CATALOG)
    errors = caught.value.errors
    assert set(errors) == {1, 3}  # shape errors first; the catalog check runs once every row parses
    assert "Choose a field" in errors[1] and "5 months" in errors[3]
    with pytest.raises(BuilderErrors) as caught:
        build_rule(BuilderState([Row("visits", "gt", "50"), Row("plan", "eq", "platinum")]), CATALOG)
    assert set(caught.value.errors) == {1} and "free, pro, enterprise" in caught.value.errors[1]


def test_existing_rules_open_as_rows_and_round_trip() -> None:
    rule = rule_from_json({"all": [{"field": "total_spend", "op": "gte", "value": 5000},
                                   {"field": "tags", "op": "has_none", "value": ["vip", "beta"]},
                                   {"field": "last_order_at", "op": "between", "value": ["2025-01", "2025-03-01"]}]})
    state, complete = state_from_rule(rule)
    assert complete and [r.value for r in state.rows] == ["5000", "vip, beta", "2025-01 to 2025-03-01"]
    from segcore.validation import validate
    assert build_rule(state, CATALOG) == validate(rule, CATALOG)
    _, complete = state_from_rule(Not(Condition("visits", "gt", 1)))
    assert not complete


def test_calendar_periods_beyond_this_and_last_round_trip() -> None:
    # "signed up the month before last", "ordered between 3 quarters ago and last quarter"
    rule = rule_from_json({"all": [{"field": "signup_date", "op": "on", "value": {"period": "month", "offset": -2}},
                                   {"field": "last_order_at", "op": "between",
                                    "value": [{"period": "quarter", "offset": -3}, {"period": "quarter", "offset": -1}]}]})
    state, complete = state_from_rule(rule)
    assert complete and [r.value for r in state.rows] == ["month -2", "quarter -3 to last quarter"]
    from segcore.validation import validate
    assert build_rule(state, CATALOG) == validate(rule, CATALOG)


def test_metadata_round_trips_and_bad_metadata_starts_afresh() -> None:
    state = BuilderState([Row("visits", "gt", "typed values are not kept here")], "any", 7, {"u": "https://x"})
    again = BuilderState.from_metadata(state.to_metadata())
    assert (again.rows[0].field, again.rows[0].op, again.rows[0].value) == ("visits", "gt", "")
    assert (again.match, again.version, again.origin) == ("any", 7, {"u": "https://x"})
    assert BuilderState.from_metadata("{not json").rows == [Row()]
