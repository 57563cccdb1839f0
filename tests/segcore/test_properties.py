"""Properties of the rule model and the grammar, over rule trees generated from the catalog.

- any valid rule tree round-trips through JSON and compiles;
- its rendering parses back to a rule that selects the same users of the sample data;
- junk text never makes the parser fail with anything but ParseRefusal or RuleError;
- validation rejects every unknown field and every operator a field does not allow;
- an event condition's rendering parses back to the same event condition (alone, in groups and beside
  field conditions).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from segcore import (
    AbsoluteDate,
    AllOf,
    AnyOf,
    CalendarPeriod,
    Condition,
    Not,
    ParseRefusal,
    RelativeAmount,
    Rule,
    RuleError,
    default_catalog,
    describe,
    rule_from_json,
    rule_to_json,
    to_mongo_filter,
    validate,
)
from segcore.catalog import OPERATORS, Field
from segcore.grammar import parse
from segcore.rules import (
    AT_LEAST_ONCE,
    UNITS,
    EventCondition,
    EventCount,
    EventWindow,
    PropertyCondition,
    event_conditions,
)

CATALOG = default_catalog()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
FIELDS = CATALOG.queryable()

# Free text that is not a catalog value: letters only, so it cannot be a number or a date.
free_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8).map(lambda s: "zq" + s)


def _text_value(field: Field) -> st.SearchStrategy[str]:
    if field.closed:
        return st.sampled_from(field.values)
    if field.values:
        return st.one_of(st.sampled_from(field.values), free_text)
    return free_text


def _texts(field: Field) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(_text_value(field), min_size=1, max_size=3, unique=True).map(tuple)


def _number(field: Field) -> st.SearchStrategy[int | float]:
    if field.type == "int":
        return st.integers(min_value=0, max_value=5000)
    return st.one_of(
        st.integers(min_value=0, max_value=2_000_000),
        st.decimals(min_value=0, max_value=500_000, places=2, allow_nan=False).map(float),
    )


_absolute = st.one_of(
    st.integers(2015, 2027).map(lambda y: AbsoluteDate.parse(f"{y}")),
    st.tuples(st.integers(2015, 2027), st.integers(1, 12)).map(lambda t: AbsoluteDate.parse(f"{t[0]}-{t[1]:02d}")),
    st.dates(datetime(2015, 1, 1).date(), datetime(2027, 12, 31).date()).map(
        lambda d: AbsoluteDate.parse(d.isoformat())),
    st.datetimes(datetime(2015, 1, 1), datetime(2027, 12, 31)).map(
        lambda d: AbsoluteDate.parse(d.replace(microsecond=0).isoformat() + "Z")),
)
_period = st.builds(CalendarPeriod, st.sampled_from(UNITS), st.integers(-6, 1))
_date_value = st.one_of(_absolute, _period)
_relative = st.builds(RelativeAmount, st.integers(1, 400), st.sampled_from(UNITS))


def _ordered_dates(pair: tuple[Any, Any]) -> tuple[Any, Any]:
    a, b = pair
    if isinstance(a, AbsoluteDate) and isinstance(b, AbsoluteDate) and a.start > b.start:
        return b, a
    return a, b


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    field = draw(st.sampled_from(FIELDS))
    op = draw(st.sampled_from(field.operators))
    if op == "exists":
        return Condition(field.name, op, draw(st.booleans()))
    if field.is_numeric:
        if op == "between":
            low, high = sorted((draw(_number(field)), draw(_number(field))))
            return Condition(field.name, op, (low, high))
        return Condition(field.name, op, draw(_number(field)))
    if field.type == "string":
        if op in ("in", "not_in"):
            return Condition(field.name, op, draw(_texts(field)))
        return Condition(field.name, op, draw(_text_value(field)))
    if field.type == "array":
        if op == "has":
            return Condition(field.name, op, draw(_text_value(field)))
        return Condition(field.name, op, draw(_texts(field)))
    if field.type == "bool":
        return Condition(field.name, op, draw(st.booleans()))
    if op in ("within_last", "not_within_last", "more_than_ago"):
        return Condition(field.name, op, draw(_relative))
    if op == "between":
        return Condition(field.name, op, _ordered_dates((draw(_absolute), draw(_absolute))))
    return Condition(field.name, op, draw(_date_value))


rules: st.SearchStrategy[Rule] = st.recursive(
    conditions(),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda rs: AllOf(tuple(rs))),
        st.lists(children, min_size=2, max_size=3).map(lambda rs: AnyOf(tuple(rs))),
        children.map(Not),
    ),
    max_leaves=4,
)


def _valid(rule: Rule) -> Rule:
    return validate(rule, CATALOG)


@settings(max_examples=300, deadline=None)
@given(rules)
def test_valid_rules_round_trip_through_json_and_compile(rule: Rule) -> None:
    checked = _valid(rule)
    again = validate(rule_from_json(rule_to_json(checked)), CATALOG)
    assert again == checked
    assert isinstance(to_mongo_filter(again, CATALOG, NOW), dict)


def _ids(db: Any, mongo_filter: dict[str, Any]) -> set[str]:
    return {d["user_id"] for d in db.users.find(mongo_filter, {"user_id": 1, "_id": 0})}


@pytest.fixture(scope="module")
def sample_slice(mongo_client: Any, sample_users: list[dict[str, Any]]) -> Iterator[Any]:
    """Every fourth sample user (1,500, with and without last visits and orders): the same shapes of
    data as ``sample_db`` at a quarter of the cost per query, so hypothesis can try many rules."""
    database = mongo_client["sample_slice_properties"]
    database.users.drop()
    database.users.insert_many([dict(u) for u in sample_users[::4]])
    yield database
    mongo_client.drop_database("sample_slice_properties")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules)
def test_rendering_parses_back_to_the_same_users(sample_slice: Any, rule: Rule) -> None:
    sample_db = sample_slice
    checked = _valid(rule)
    text = describe(checked, CATALOG)
    reading = parse(text, CATALOG, NOW)
    ours = to_mongo_filter(reading.rule, CATALOG, NOW)
    expected = to_mongo_filter(checked, CATALOG, NOW)
    # One count of the users selected by exactly one of the two filters: it must be zero.
    differ = {"$or": [{"$and": [ours, {"$nor": [expected]}]}, {"$and": [expected, {"$nor": [ours]}]}]}
    if sample_db.users.count_documents(differ):
        assert _ids(sample_db, ours) == _ids(sample_db, expected), (
            f"{text!r} read back as {rule_to_json(reading.rule)}")


def _same(value: Any) -> Any:
    """One-element lists mean the single value: {"$in": [x]} is x, {"$nin": [x]} is {"$ne": x}."""
    if isinstance(value, dict):
        if set(value) == {"$in"} and len(value["$in"]) == 1:
            return _same(value["$in"][0])
        if set(value) == {"$all"} and len(value["$all"]) == 1:
            return _same(value["$all"][0])
        if set(value) == {"$nin"} and len(value["$nin"]) == 1:
            return {"$ne": _same(value["$nin"][0])}
        return {k: _same(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_same(v) for v in value]
    return value


@settings(max_examples=400, deadline=None)
@given(conditions())
def test_rendering_parses_back_to_an_equal_filter_for_single_conditions(rule: Condition) -> None:
    # Cheap and strict: a single condition must come back as exactly the same MongoDB filter.
    checked = _valid(rule)
    assert isinstance(checked, Condition), rule_to_json(checked)
    text = describe(checked, CATALOG)
    reading = parse(text, CATALOG, NOW)
    ours = _same(to_mongo_filter(reading.rule, CATALOG, NOW))
    assert ours == _same(to_mongo_filter(checked, CATALOG, NOW)), f"{text!r} read as {rule_to_json(reading.rule)}"


_words = st.sampled_from(
    ["spent", "over", "5k", "visits", "orders", "in", "Delhi", "not", "or", "and", "(", ")", ",", "between", "last", "month", "ago", "more", "than", "₹", "lakh", "tagged", "vip", "plan", "=", "!=", ">", "2025-03-01", "March", "since", "haven't", "users", "the", "with", "who", "10", "0", "-5", '"', "'", ":", ";"]
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(_words, max_size=14).map(" ".join)))
def test_junk_text_is_refused_or_read_never_crashes(text: str) -> None:
    try:
        reading = parse(text, CATALOG, NOW)
    except (ParseRefusal, RuleError) as exc:
        assert str(exc)
        return
    to_mongo_filter(reading.rule, CATALOG, NOW)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20), st.sampled_from(
    ("gt", "eq", "in", "has", "is", "before", "within_last", "exists")))
def test_validation_rejects_unknown_fields(name: str, op: str) -> None:
    assume(name not in CATALOG)
    with pytest.raises(RuleError) as err:
        validate(Condition(name, op, 1), CATALOG)
    assert name in str(err.value)


ALL_OPS = sorted({op for ops in OPERATORS.values() for op in ops} | {"regex", "$where", "where", "like", "nin"})


# Only the pairs the catalog does not allow: every case refuses something.
NOT_ALLOWED = [(f.name, op) for f in FIELDS for op in ALL_OPS if op not in CATALOG.field(f.name).operators]


@pytest.mark.parametrize(("field", "op"), NOT_ALLOWED)
def test_validation_rejects_operators_the_field_does_not_allow(field: str, op: str) -> None:
    with pytest.raises(RuleError) as err:
        validate(Condition(field, op, 1), CATALOG)
    assert op in str(err.value)


# ------------------------------------------------------------------------------------ event conditions

_counts = st.one_of(
    st.just(AT_LEAST_ONCE),
    st.builds(EventCount, st.sampled_from(("gt", "gte", "lte", "eq")), st.integers(0, 40)),
    # "fewer than 0 times" matches no one and is refused by validation: lt starts at 1.
    st.builds(EventCount, st.just("lt"), st.integers(1, 40)),
    st.tuples(st.integers(0, 20), st.integers(0, 20)).map(lambda t: EventCount("between", tuple(sorted(t)))),
)
_windows = st.one_of(
    st.none(),
    st.builds(EventWindow, st.sampled_from(("within_last", "more_than_ago")), _relative),
    st.builds(EventWindow, st.sampled_from(("on", "before", "after")), _date_value),
    st.tuples(_absolute, _absolute).map(lambda pair: EventWindow("between", _ordered_dates(pair))),
)


@st.composite
def event_leaves(draw: st.DrawFn) -> EventCondition:
    event = draw(st.sampled_from(CATALOG.events))
    where: list[PropertyCondition] = []
    if event.properties and draw(st.booleans()):
        prop = draw(st.sampled_from(event.properties))
        op = draw(st.sampled_from(("eq", "ne", "in", "not_in")))
        if op in ("in", "not_in"):
            where.append(PropertyCondition(prop.name, op, draw(_texts(prop))))
        else:
            where.append(PropertyCondition(prop.name, op, draw(_text_value(prop))))
    count = draw(_counts)
    if count.op == "between" and count.value[0] == count.value[1]:
        count = EventCount("eq", count.value[0])
    return EventCondition(event.name, tuple(where), count, draw(_windows))


def _normal(rule: Rule) -> Rule:
    """Groups flattened (the grammar reads "a and (b and c)" as one "all"); one-value lists as the value."""
    if isinstance(rule, AllOf | AnyOf):
        flat: list[Rule] = []
        for child in (_normal(r) for r in rule.rules):
            flat.extend(child.rules if type(child) is type(rule) else (child,))  # type: ignore[union-attr]
        unique = list(dict.fromkeys(flat))  # "a and a" is a
        return unique[0] if len(unique) == 1 else type(rule)(tuple(unique))
    if isinstance(rule, Not):
        return Not(_normal(rule.rule))
    if isinstance(rule, EventCondition):
        where = tuple(
            PropertyCondition(w.property, {"in": "eq", "not_in": "ne"}[w.op], w.value[0])
            if w.op in ("in", "not_in") and len(w.value) == 1 else w for w in rule.where)
        return EventCondition(rule.event, where, rule.count, rule.when)
    return rule


event_rules: st.SearchStrategy[Rule] = st.recursive(
    event_leaves(),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda rs: AllOf(tuple(rs))),
        st.lists(children, min_size=2, max_size=3).map(lambda rs: AnyOf(tuple(rs))),
        children.map(Not),
    ),
    max_leaves=4,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event_rules)
def test_event_conditions_in_words_parse_back_to_the_same_rule(rule: Rule) -> None:
    checked = _valid(rule)
    text = describe(checked, CATALOG)
    reading = parse(text, CATALOG, NOW)
    assert _normal(reading.rule) == _normal(checked), f"{text!r} read back as {rule_to_json(reading.rule)}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(event_leaves(), conditions()), min_size=2, max_size=4))
def test_event_conditions_beside_field_conditions_read_back(leaves: list[Rule]) -> None:
    # The event leaves come back exactly, in order, whatever field conditions stand between them.
    checked = _valid(AllOf(tuple(leaves)))
    text = describe(checked, CATALOG)
    reading = parse(text, CATALOG, NOW)
    ours = list(dict.fromkeys(_normal(e) for e in event_conditions(reading.rule)))
    assert ours == list(dict.fromkeys(_normal(e) for e in event_conditions(checked))), f"{text!r} read back as {rule_to_json(reading.rule)}"
