from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from segcore import (
    RuleError,
    default_catalog,
    rule_from_json,
    rule_to_json,
    to_mongo_filter,
    validate,
    validate_json,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CATALOG = default_catalog()


def compile_json(data: dict[str, Any], now: datetime = NOW) -> dict[str, Any]:
    return to_mongo_filter(validate_json(data, CATALOG), CATALOG, now)


def test_haven_t_visited_includes_users_with_no_visit() -> None:
    f = compile_json({"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}})
    assert f == {"$or": [{"last_visit_at": {"$lt": datetime(2026, 6, 24, 12, tzinfo=UTC)}}, {"last_visit_at": None}]}


def test_calendar_months_clamp_to_the_month_end() -> None:
    now = datetime(2026, 3, 31, 8, tzinfo=UTC)
    f = compile_json({"field": "signup_date", "op": "within_last", "value": {"amount": 1, "unit": "month"}}, now)
    assert f == {"signup_date": {"$gte": datetime(2026, 2, 28, 8, tzinfo=UTC)}}


def test_last_calendar_week_runs_monday_to_monday() -> None:
    f = compile_json({"field": "signup_date", "op": "on", "value": {"period": "week", "offset": -1}})
    # 2026-11-24 is a Tuesday: this week began Monday 23rd, last week Monday 16th.
    assert f == {"signup_date": {"$gte": datetime(2026, 11, 16, tzinfo=UTC), "$lt": datetime(2026, 11, 23, tzinfo=UTC)}}


def test_after_a_day_means_after_the_whole_day() -> None:
    f = compile_json({"field": "signup_date", "op": "after", "value": "2025-06-01"})
    assert f == {"signup_date": {"$gte": datetime(2025, 6, 2, tzinfo=UTC)}}


def test_contains_is_literal_and_case_insensitive() -> None:
    f = compile_json({"field": "email", "op": "contains", "value": "a.b+c@x"})
    assert f == {"email": {"$regex": r"a\.b\+c@x", "$options": "i"}}


def test_aliases_become_canonical_values() -> None:
    rule = validate_json({"field": "city", "op": "in", "value": ["bangalore", "BOMBAY", "Pune"]}, CATALOG)
    assert rule_to_json(rule)["value"] == ["Bengaluru", "Mumbai", "Pune"]


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"field": "$where", "op": "eq", "value": "1"}, ["Unknown field", "visits"]),
        ({"field": "visits", "op": "$gt", "value": 1}, ["'$gt'", "allowed: gt"]),
        ({"field": "visits", "op": "gt", "value": "ten"}, ["expects a number"]),
        ({"field": "visits", "op": "gt", "value": {"$where": "1"}}, ["value"]),
        ({"field": "plan", "op": "eq", "value": "gold"}, ["gold", "free, pro, enterprise"]),
        ({"field": "visits", "op": "between", "value": [10, 2]}, ["above the upper bound"]),
        ({"field": "visits", "op": "gt", "value": float("nan")}, ["finite"]),
        ({"all": []}, ["non-empty"]),
        ({"field": "visits", "op": "gt", "value": 1, "extra": 1}, ["Unknown key"]),
    ],
)
def test_validation_names_what_is_wrong(bad: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(RuleError) as info:
        validate_json(bad, CATALOG)
    for word in words:
        assert word in str(info.value)


def test_json_round_trip_keeps_relative_dates_relative() -> None:
    data = {
        "all": [
            {"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}},
            {"field": "signup_date", "op": "on", "value": {"period": "month", "offset": -1}},
            {"not": {"field": "tags", "op": "has_any", "value": ["vip", "beta"]}},
            {"field": "signup_date", "op": "between", "value": ["2025-01", "2025-03-01T10:00:00Z"]},
        ]
    }
    rule = validate(rule_from_json(data), CATALOG)
    assert rule_to_json(rule) == data
