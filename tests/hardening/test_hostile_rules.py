"""Random and hostile rule JSON at the validator: only RuleError comes out, and every rule it accepts
compiles to a filter of whitelisted operators on catalog fields. Each limit in segcore/limits.py is tested
at its boundary: N is accepted, N+1 refused with a message that names the limit."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segcore import limits
from segcore.catalog import default_catalog
from segcore.compile_mongo import to_mongo_filter
from segcore.errors import ParseRefusal, RuleError
from segcore.interpret import interpret
from segcore.rules import Rule, rule_to_json
from segcore.validation import validate_json
from tests.hardening.filters import check_filter

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CATALOG = default_catalog()
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)

FIELDS = [*CATALOG.names, "$where", "team_id", "_id", "city.$", "a.b", "", "__proto__", "total_spend\x00"]
OPS = ["gt", "gte", "lt", "lte", "eq", "ne", "between", "exists", "in", "not_in", "contains", "has", "has_any",
       "has_all", "has_none", "is", "before", "after", "on", "within_last", "not_within_last", "more_than_ago",
       "$where", "$gt", "$ne", "$regex", "$expr", "regex", "where", ""]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([-0.0, 1e308, math.inf, -math.inf]),
    st.text(max_size=30), st.sampled_from(["$where", "sleep(1000)", "5 months", "2025-03-01", "last month", "NaN",
                                           "inf", "Pune", "vip", "pro", "1e400", "\u200b", "\u0000"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.sampled_from(["$where", "$gt", "$ne", "amount", "unit", "period", "offset", "x"]),
                        inner, max_size=3),
        st.fixed_dictionaries({"amount": inner, "unit": st.sampled_from(["day", "month", "year", "eon", 5])}),
    ),
    max_leaves=10,
)
conditions_ = st.fixed_dictionaries(
    {"field": st.sampled_from(FIELDS), "op": st.sampled_from(OPS)}, optional={"value": values,
                                                                              "$where": st.just("1")})
rules = st.recursive(
    conditions_,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, max_size=4)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, max_size=4)),
        st.builds(lambda x: {"not": x}, inner),
        st.dictionaries(st.sampled_from(["all", "any", "not", "$where", "$or", "field"]), inner, max_size=2),
    ),
    max_leaves=12,
)
anything = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=6), inner,
                                                                                    max_size=5)),
    max_leaves=20,
)


def assert_round_trip(rule: Rule) -> None:
    """A validated rule written as JSON text (as it is saved) and read back is the same rule and the same
    filter: saving never changes what a segment selects."""
    text = json.dumps(rule_to_json(rule), allow_nan=False)
    again = validate_json(json.loads(text), CATALOG)
    assert again == rule, text
    assert to_mongo_filter(again, CATALOG, NOW) == to_mongo_filter(rule, CATALOG, NOW), text


def check(data: Any) -> None:
    try:
        rule = validate_json(data, CATALOG)
    except RuleError as refusal:
        assert str(refusal).strip()
        return
    check_filter(to_mongo_filter(rule, CATALOG, NOW), CATALOG)
    assert_round_trip(rule)


@FUZZ
@given(rules)
def test_random_rule_trees_are_validated_or_refused(data: Any) -> None:
    check(data)


@FUZZ
@given(anything)
def test_random_json_is_validated_or_refused(data: Any) -> None:
    check(data)


@pytest.mark.parametrize("levels", [limits.MAX_DEPTH + 1, 50, 900, 5_000, 50_000])
def test_nesting_far_beyond_the_limit_is_a_rule_error(levels: int) -> None:
    data: Any = {"field": "visits", "op": "gt", "value": 1}
    for _ in range(levels):
        data = {"not": data}
    with pytest.raises(RuleError, match=f"at most {limits.MAX_DEPTH} levels"):
        validate_json(data, CATALOG)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e300, 10**400, -(10**400)])
def test_huge_and_not_a_number_values_are_refused(value: Any) -> None:
    with pytest.raises(RuleError):
        validate_json({"field": "total_spend", "op": "gt", "value": value}, CATALOG)
    with pytest.raises(RuleError):
        validate_json({"field": "age", "op": "between", "value": [0, value]}, CATALOG)


def test_negative_zero_is_just_zero() -> None:
    rule = validate_json({"field": "visits", "op": "gt", "value": -0.0}, CATALOG)
    check_filter(to_mongo_filter(rule, CATALOG, NOW), CATALOG)


@pytest.mark.parametrize("data", [
    {"$where": "sleep(1000)"},
    {"field": "total_spend", "op": "$gt", "value": 0},
    {"field": "$where", "op": "eq", "value": "x"},
    {"field": "team_id", "op": "eq", "value": "T_OTHER"},
    {"field": "_id", "op": "exists", "value": True},
    {"field": "city", "op": "eq", "value": {"$ne": None}},
    {"field": "city", "op": "in", "value": [{"$gt": ""}]},
    {"field": "tags", "op": "has", "value": {"$where": "1"}},
    {"field": "visits", "op": "gt", "value": 1, "$where": "1"},
    {"all": [{"field": "visits", "op": "gt", "value": 1}], "$or": []},
])
def test_operator_injection_is_refused(data: Any) -> None:
    with pytest.raises(RuleError):
        validate_json(data, CATALOG)


def test_the_filter_check_catches_an_injected_operator() -> None:
    # The fuzz tests rest on check_filter: it must fail on what an injection would produce.
    with pytest.raises(AssertionError, match=r"\$where"):
        check_filter({"$where": "sleep(1000)"}, CATALOG)
    with pytest.raises(AssertionError, match="not a catalog field"):
        check_filter({"password": {"$exists": True}}, CATALOG)
    with pytest.raises(AssertionError):
        check_filter({"city": {"$function": {}}}, CATALOG)


# ------------------------------------------------------------------------------------ limits at the boundary


def visits(n: int) -> dict[str, Any]:
    return {"field": "visits", "op": "gt", "value": n}


def test_conditions_limit() -> None:
    validate_json({"all": [visits(i) for i in range(limits.MAX_CONDITIONS)]}, CATALOG)
    with pytest.raises(RuleError, match=f"at most {limits.MAX_CONDITIONS} conditions"):
        validate_json({"all": [visits(i) for i in range(limits.MAX_CONDITIONS + 1)]}, CATALOG)


def nested(levels: int) -> dict[str, Any]:
    data: dict[str, Any] = visits(1)
    for i in range(levels):
        data = {"all": [data]} if i % 2 else {"any": [data]}
    return data


def test_depth_limit() -> None:
    validate_json(nested(limits.MAX_DEPTH), CATALOG)
    with pytest.raises(RuleError, match=f"at most {limits.MAX_DEPTH} levels"):
        validate_json(nested(limits.MAX_DEPTH + 1), CATALOG)


def test_list_values_limit() -> None:
    ok = [f"city{i}" for i in range(limits.MAX_LIST_VALUES)]
    validate_json({"field": "tags", "op": "has_any", "value": ok}, CATALOG)
    with pytest.raises(RuleError, match=str(limits.MAX_LIST_VALUES)):
        validate_json({"field": "tags", "op": "has_any", "value": [*ok, "one-more"]}, CATALOG)


def test_value_length_limit() -> None:
    validate_json({"field": "name", "op": "contains", "value": "a" * limits.MAX_VALUE_LENGTH}, CATALOG)
    with pytest.raises(RuleError, match=str(limits.MAX_VALUE_LENGTH)):
        validate_json({"field": "name", "op": "contains", "value": "a" * (limits.MAX_VALUE_LENGTH + 1)}, CATALOG)


def test_number_limit() -> None:
    validate_json({"field": "total_spend", "op": "gt", "value": limits.MAX_NUMBER}, CATALOG)
    with pytest.raises(RuleError):
        validate_json({"field": "total_spend", "op": "gt", "value": limits.MAX_NUMBER * 10}, CATALOG)


def test_relative_amount_limit() -> None:
    def ago(n: int) -> dict[str, Any]:
        return {"field": "last_visit_at", "op": "within_last", "value": {"amount": n, "unit": "day"}}

    validate_json(ago(limits.MAX_RELATIVE_AMOUNT), CATALOG)
    with pytest.raises(RuleError, match=f"{limits.MAX_RELATIVE_AMOUNT:,}|{limits.MAX_RELATIVE_AMOUNT}"):
        validate_json(ago(limits.MAX_RELATIVE_AMOUNT + 1), CATALOG)


class _NoReader:
    """Stands for Cohere: a text over the limit must be refused before any reader sees it."""

    def read(self, text: str, *args: Any) -> Any:
        raise AssertionError(f"a text of {len(text):,} characters reached Cohere")


@pytest.mark.parametrize("engine", ["cohere", "auto"])
def test_text_length_limit_holds_before_cohere(engine: str) -> None:
    # The grammar refuses long texts itself; this is the limit for every reader, Cohere included.
    text = "people who visited often " * (limits.MAX_TEXT_LENGTH // 20)
    assert len(text) > limits.MAX_TEXT_LENGTH
    with pytest.raises(ParseRefusal, match=f"{limits.MAX_TEXT_LENGTH:,}"):
        interpret(text, CATALOG, NOW, engine=engine, cohere=_NoReader())  # type: ignore[arg-type]


def test_text_length_limit() -> None:
    text = "visits > 5" + " " * (limits.MAX_TEXT_LENGTH - len("visits > 5"))
    assert len(text) == limits.MAX_TEXT_LENGTH
    interpret(text, CATALOG, NOW, engine="grammar")
    with pytest.raises(ParseRefusal, match=f"{limits.MAX_TEXT_LENGTH:,}"):
        interpret(text + " ", CATALOG, NOW, engine="grammar")


@pytest.mark.parametrize("data", [
    nested(2),
    nested(limits.MAX_DEPTH),
    {"not": {"field": "city", "op": "in", "value": ["Bombay", "Pune"]}},
    {"field": "tags", "op": "has_all", "value": ["vip", "beta"]},
    {"field": "age", "op": "between", "value": [18, 30]},
    {"field": "email_opt_in", "op": "is", "value": False},
    {"field": "plan", "op": "ne", "value": "free"},
    {"field": "last_visit_at", "op": "not_within_last", "value": {"amount": 5, "unit": "month"}},
    {"field": "signup_date", "op": "before", "value": {"period": "year", "offset": -1}},
    {"field": "last_order_at", "op": "after", "value": "2025-03-01T10:30:00Z"},
    {"field": "last_order_at", "op": "exists", "value": False},
    {"field": "total_spend", "op": "gte", "value": -0.0},
])
def test_json_rules_round_trip_after_validation(data: Any) -> None:
    assert_round_trip(validate_json(data, CATALOG))

