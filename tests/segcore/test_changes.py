"""What an edit changed, in words: pairs of rules written as a marketer writes them, and properties over
generated trees (a tree against itself says nothing; one moved threshold says exactly that, both values)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from segcore import RuleError, default_catalog, validate, validate_json
from segcore.explain.changes import changes, plural
from segcore.grammar import parse
from segcore.rendering import format_number
from segcore.rules import (
    UNITS,
    AbsoluteDate,
    AllOf,
    AnyOf,
    CalendarPeriod,
    Condition,
    EventCondition,
    EventCount,
    EventWindow,
    Not,
    RelativeAmount,
    Rule,
)

CATALOG = default_catalog()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def said(before: str, after: str) -> list[str]:
    return changes(parse(before, CATALOG, NOW).rule, parse(after, CATALOG, NOW).rule, CATALOG, NOW)


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("spent over 5000", "spent over 10000", ["total spend threshold raised from ₹5,000 to ₹10,000"]),
    ("spent over 1 lakh", "spent over 50000", ["total spend threshold lowered from ₹1,00,000 to ₹50,000"]),
    ("more than 5 visits", "more than 12 visits", ["visits threshold raised from 5 to 12"]),
    ("in Pune", "in Pune or Mumbai", ["added Mumbai to the cities"]),
    ("in Pune or Mumbai", "in Mumbai", ["removed Pune from the cities"]),
    ("in Pune or Mumbai", "in Delhi or Mumbai or Chennai",
     ["added Delhi and Chennai to the cities; removed Pune from the cities"]),
    ("in Pune", "in Delhi", ["city changed from Pune to Delhi"]),
    ("pro users in Pune", "in Pune", ["dropped the condition plan is pro"]),
    ("in Pune", "in Pune and visited in the last 30 days", ["added: visited in the last 30 days"]),
    ("in Pune and pro", "in Pune or pro", ["'and' became 'or'"]),
    ("in Pune or pro", "in Pune and pro", ["'or' became 'and'"]),
    ("viewed a product in the last 7 days", "viewed a product in the last 30 days",
     ["viewed a product: window widened from 7 to 30 days"]),
    ("viewed a product in the last 3 months", "viewed a product in the last 30 days",
     ["viewed a product: window narrowed from 3 months to 30 days"]),
    ("viewed a product", "viewed a product at least 3 times",
     ["viewed a product: now at least 3 times instead of at least once"]),
    ("viewed a product", "viewed a product in the last 7 days",
     ["viewed a product: now only in the last 7 days (was any time)"]),
    ("viewed an Electronics product", "viewed a Fashion product",
     ["viewed a product: category changed from Electronics to Fashion"]),
    ("opened an email", "never opened an email", ["'opened an email' became 'never opened an email'"]),
    ("visited in the last 5 months", "visited in the last 6 months",
     ["last visit window widened from 5 to 6 months"]),
    ("haven't visited in 5 months", "haven't visited in 6 months",
     ["'not visited' window widened from 5 to 6 months"]),
    ("signed up more than 3 months ago", "signed up more than 1 year ago",
     ["signup date: now more than 1 year ago instead of more than 3 months ago"]),
    ("signed up before March 2025", "signed up before April 2025",
     ["signup date changed from before March 2025 to before April 2025 (later)"]),
    ("spent between 1000 and 5000", "spent between 2000 and 5000",
     ["total spend range changed from ₹1,000–₹5,000 to ₹2,000–₹5,000"]),
    ("in Pune", "plan is pro", ["dropped the condition city is Pune", "added: plan is pro"]),
    ("in Pune and pro", "aged over 30 and more than 5 visits",
     ["conditions rewritten: before city is Pune and plan is pro; after age more than 30 and more than 5 visits"]),
    ("in Pune and (pro or more than 5 visits)", "in Pune and (pro or more than 10 visits)",
     ["visits threshold raised from 5 to 10"]),
    ("spent over 5000 and in Pune", "in Mumbai and spent over 10000",
     ["total spend threshold raised from ₹5,000 to ₹10,000", "city changed from Pune to Mumbai"]),
    ("tagged vip", "tagged vip or tagged beta", ["added an alternative: tagged beta"]),
    ("tagged vip or tagged beta", "tagged vip", ["dropped the condition tagged beta"]),
    ("in Pune and pro", "pro users in Pune", []),
])
def test_an_edit_in_words(before: str, after: str, expected: list[str]) -> None:
    assert said(before, after) == expected


def test_event_property_and_window_changes_each_get_a_line() -> None:
    before = validate_json({"event": "Product Viewed", "where": [{"property": "category", "op": "eq",
                                                                   "value": "Electronics"}],
                            "when": {"op": "within_last", "value": {"amount": 7, "unit": "day"}}}, CATALOG)
    after = validate_json({"event": "Product Viewed", "where": [{"property": "category", "op": "in",
                                                                  "value": ["Electronics", "Fashion"]}],
                           "count": {"op": "gte", "value": 2},
                           "when": {"op": "within_last", "value": {"amount": 30, "unit": "day"}}}, CATALOG)
    assert changes(before, after, CATALOG, NOW) == [
        "viewed a product: added Fashion to the categories",
        "viewed a product: now at least twice instead of at least once",
        "viewed a product: window widened from 7 to 30 days",
    ]


def test_calendar_words_compare_on_the_workspace_clock() -> None:
    # 00:30 on 1 December in Kolkata is still November in UTC: "this month" moves later than "last month"
    # on either clock, and the words stay the card's words.
    kolkata = datetime(2026, 11, 30, 19, 0, tzinfo=UTC).astimezone(ZoneInfo("Asia/Kolkata"))
    before = validate_json({"field": "signup_date", "op": "on", "value": {"period": "month", "offset": -1}}, CATALOG)
    after = validate_json({"field": "signup_date", "op": "on", "value": {"period": "month", "offset": 0}}, CATALOG)
    assert changes(before, after, CATALOG, kolkata) == [
        "signup date changed from last month to during this month (later)"]


def test_nested_not_and_negation() -> None:
    assert said("in Pune", "not in Pune") == ["'city is Pune' became 'city is not Pune'"]
    inside = changes(Not(AllOf((Condition("city", "eq", "Pune"), Condition("plan", "eq", "pro")))),
                     Not(AllOf((Condition("city", "eq", "Pune"), Condition("plan", "eq", "enterprise")))),
                     CATALOG, NOW)
    assert inside == ["inside 'not': plan changed from pro to enterprise"]


def test_plural_nouns() -> None:
    assert [plural(w) for w in ("city", "country", "plan", "tags", "category", "day")] == [
        "cities", "countries", "plans", "tags", "categories", "days"]


# ------------------------------------------------------------------------------------- properties

_NUMERIC = [f for f in CATALOG.queryable() if f.is_numeric]
_CITY = CATALOG.field("city")


@st.composite
def leaves(draw: st.DrawFn) -> Rule:
    kind = draw(st.sampled_from(["number", "city", "visited", "event"]))
    if kind == "number":
        field = draw(st.sampled_from(_NUMERIC))
        return Condition(field.name, draw(st.sampled_from(["gt", "gte", "lt", "lte"])),
                         draw(st.integers(0, 2_000_000)))
    if kind == "city":
        values = draw(st.lists(st.sampled_from(_CITY.values), min_size=1, max_size=3, unique=True))
        return Condition("city", "in", tuple(values)) if len(values) > 1 else Condition("city", "eq", values[0])
    if kind == "visited":
        return Condition("last_visit_at", "within_last", RelativeAmount(draw(st.integers(1, 90)), "day"))
    return EventCondition(
        draw(st.sampled_from(["Product Viewed", "Checkout Started", "Email Opened"])),
        count=EventCount("gte", draw(st.integers(1, 9))),
        when=EventWindow("within_last", RelativeAmount(draw(st.integers(1, 90)), "day")),
    )


trees: st.SearchStrategy[Rule] = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=4).map(lambda rs: AllOf(tuple(rs))),
        st.lists(children, min_size=2, max_size=4).map(lambda rs: AnyOf(tuple(rs))),
        children.map(Not),
    ),
    max_leaves=8,
)


def _thresholds(rule: Rule, path: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    """Paths to the numeric field conditions of a tree."""
    if isinstance(rule, Condition):
        return [path] if CATALOG.field(rule.field).is_numeric else []
    if isinstance(rule, AllOf | AnyOf):
        return [p for i, r in enumerate(rule.rules) for p in _thresholds(r, (*path, i))]
    if isinstance(rule, Not):
        return _thresholds(rule.rule, (*path, 0))
    return []


def _replace(rule: Rule, path: tuple[int, ...], new: Any) -> Rule:
    if not path:
        return new  # type: ignore[no-any-return]
    if isinstance(rule, Not):
        return Not(_replace(rule.rule, path[1:], new))
    assert isinstance(rule, AllOf | AnyOf)
    children = list(rule.rules)
    children[path[0]] = _replace(children[path[0]], path[1:], new)
    return type(rule)(tuple(children))


def _at(rule: Rule, path: tuple[int, ...]) -> Any:
    for step in path:
        rule = rule.rule if isinstance(rule, Not) else rule.rules[step]  # type: ignore[union-attr]
    return rule


def _valid(rule: Rule) -> Rule:
    try:
        return validate(rule, CATALOG)
    except RuleError:  # too deep or too many event conditions: not a tree a segment can hold
        assume(False)
        raise


@settings(max_examples=300, deadline=None)
@given(trees)
def test_a_tree_against_itself_changes_nothing(rule: Rule) -> None:
    checked = _valid(rule)
    assert changes(checked, checked, CATALOG, NOW) == []
    # An equal tree built anew (not the same object) says nothing either.
    assert changes(checked, validate(rule, CATALOG), CATALOG, NOW) == []


@settings(max_examples=300, deadline=None)
@given(trees, st.data())
def test_one_moved_threshold_is_one_change_naming_both_values(rule: Rule, data: st.DataObject) -> None:
    paths = _thresholds(rule)
    if not paths:
        rule = AllOf((rule, Condition("total_spend", "gt", 5000)))
        paths = _thresholds(rule)
    path = data.draw(st.sampled_from(paths))
    old = _at(rule, path)
    value = data.draw(st.integers(0, 2_000_000).filter(lambda v: v != old.value))
    moved = _replace(rule, path, Condition(old.field, old.op, value))
    before, after = _valid(rule), _valid(moved)
    found = changes(before, after, CATALOG, NOW)
    field = CATALOG.field(old.field)
    assert len(found) == 1, found
    assert format_number(field, old.value) in found[0] and format_number(field, value) in found[0]
    assert ("raised" in found[0]) == (value > old.value)


# Every operator of every field, with values of the right kind: changes() answers in words, never crashes.
_DATES = st.one_of(
    st.integers(2015, 2027).map(lambda y: AbsoluteDate.parse(f"{y}")),
    st.dates(datetime(2015, 1, 1).date(), datetime(2027, 12, 31).date()).map(lambda d: AbsoluteDate.parse(d.isoformat())),
    st.builds(CalendarPeriod, st.sampled_from(UNITS), st.integers(-6, 0)),
)


@st.composite
def any_condition(draw: st.DrawFn) -> Condition:
    field = draw(st.sampled_from(CATALOG.queryable()))
    op = draw(st.sampled_from(field.operators))
    text = st.sampled_from(field.values) if field.values else st.sampled_from(["alpha", "beta", "gamma"])
    if op == "exists" or field.type == "bool":
        return Condition(field.name, op, draw(st.booleans()))
    if field.is_numeric:
        if op == "between":
            return Condition(field.name, op, tuple(sorted(draw(st.lists(st.integers(0, 9999), min_size=2, max_size=2)))))
        return Condition(field.name, op, draw(st.integers(0, 9999)))
    if field.type in ("string", "array"):
        if op in ("in", "not_in", "has_any", "has_all", "has_none"):
            return Condition(field.name, op, tuple(draw(st.lists(text, min_size=1, max_size=3, unique=True))))
        return Condition(field.name, op, draw(text))
    if op in ("within_last", "not_within_last", "more_than_ago"):
        return Condition(field.name, op, RelativeAmount(draw(st.integers(1, 40)), draw(st.sampled_from(UNITS))))
    if op == "between":
        return Condition(field.name, op, (AbsoluteDate.parse("2020"), AbsoluteDate.parse("2024")))
    return Condition(field.name, op, draw(_DATES))


_any_events = st.builds(
    EventCondition, st.sampled_from(["Product Viewed", "Email Opened", "Coupon Applied"]),
    st.just(()),
    st.one_of(st.just(EventCount("gte", 1)), st.just(EventCount("eq", 0)),
              st.builds(EventCount, st.sampled_from(["gt", "lt", "lte", "eq"]), st.integers(1, 9))),
    st.one_of(st.none(), st.builds(EventWindow, st.just("within_last"),
                                   st.builds(RelativeAmount, st.integers(1, 60), st.sampled_from(UNITS))),
              st.builds(EventWindow, st.sampled_from(["on", "before", "after"]), _DATES)),
)
any_trees: st.SearchStrategy[Rule] = st.recursive(
    st.one_of(any_condition(), _any_events),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda rs: AllOf(tuple(rs))),
        st.lists(children, min_size=2, max_size=3).map(lambda rs: AnyOf(tuple(rs))),
        children.map(Not),
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(any_trees, any_trees)
def test_any_two_rules_are_compared_in_words(a: Rule, b: Rule) -> None:
    before, after = _valid(a), _valid(b)
    found = changes(before, after, CATALOG, NOW)
    assert all(isinstance(line, str) and line and "None" not in line for line in found)
    assert changes(before, before, CATALOG, NOW) == []
    if before != after:
        # Different trees either say something or hold the same conditions in another order.
        assert found or sorted(map(repr, _leaves(before))) == sorted(map(repr, _leaves(after)))


def _leaves(rule: Rule) -> list[Rule]:
    if isinstance(rule, AllOf | AnyOf):
        return [leaf for r in rule.rules for leaf in _leaves(r)]
    if isinstance(rule, Not):
        return _leaves(rule.rule)
    if isinstance(rule, Condition) and rule.op in _ONE_OF and isinstance(rule.value, tuple):
        # "is one of Pune" is "is Pune"; a set in another order is the same set.
        values = sorted(rule.value)
        return [Condition(rule.field, _ONE_OF[rule.op] if len(values) == 1 else rule.op,
                          values[0] if len(values) == 1 else tuple(values))]
    return [rule]


_ONE_OF = {"in": "eq", "not_in": "ne", "has_any": "has", "has_all": "has", "has_none": "has_none"}


def test_the_same_values_in_another_order_are_no_change() -> None:
    a = validate_json({"all": [{"field": "city", "op": "in", "value": ["Pune", "Mumbai"]},
                               {"field": "plan", "op": "eq", "value": "pro"}]}, CATALOG)
    b = validate_json({"all": [{"field": "plan", "op": "eq", "value": "pro"},
                               {"field": "city", "op": "in", "value": ["Mumbai", "Pune"]}]}, CATALOG)
    assert changes(a, b, CATALOG, NOW) == []
    money = changes(validate_json({"field": "total_spend", "op": "eq", "value": 5000}, CATALOG),
                    validate_json({"field": "total_spend", "op": "eq", "value": 7500}, CATALOG), CATALOG, NOW)
    assert money == ["total spend changed from ₹5,000 to ₹7,500"]
    opted = changes(validate_json({"field": "email_opt_in", "op": "is", "value": True}, CATALOG),
                    validate_json({"field": "email_opt_in", "op": "is", "value": False}, CATALOG), CATALOG, NOW)
    assert opted == ["'opted in to email' became 'not opted in to email'"]
