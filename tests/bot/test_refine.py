"""Follow-ups in a thread refine the previous rules, read by the real reader."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.reading import make_interpret, read_request
from bot.refine import merge, negate, refine
from segcore.catalog import default_catalog
from segcore.errors import ParseRefusal
from segcore.rules import AllOf, Condition, Not, rule_from_json

CATALOG = default_catalog()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
read_text = make_interpret(CATALOG, lambda: NOW)


def read(text: str):  # type: ignore[no-untyped-def]
    return read_request(text, "T0TEST", CATALOG, read_text)


PREVIOUS = rule_from_json({"all": [{"field": "total_spend", "op": "gt", "value": 10000},
                                   {"field": "city", "op": "eq", "value": "Pune"}]})


def test_only_in_another_city_replaces_the_city() -> None:
    rule, reading = refine(PREVIOUS, "only in Mumbai", read, CATALOG)
    assert rule == AllOf((Condition("total_spend", "gt", 10000), Condition("city", "eq", "Mumbai")))
    assert reading.source == "grammar"


def test_and_exclude_a_tag_adds_not_tagged() -> None:
    rule, _ = refine(PREVIOUS, "and exclude vip", read, CATALOG)
    assert rule == AllOf((*PREVIOUS.rules, Condition("tags", "has_none", ("vip",))))  # type: ignore[attr-defined]


def test_a_further_condition_is_added() -> None:
    rule, _ = refine(PREVIOUS, "and visits > 50", read, CATALOG)
    assert Condition("visits", "gt", 50) in rule.rules  # type: ignore[union-attr]
    assert len(rule.rules) == 3  # type: ignore[union-attr]


def test_rule_json_works_as_a_follow_up_too() -> None:
    rule, reading = refine(PREVIOUS, '{"field": "plan", "op": "eq", "value": "pro"}', read, CATALOG)
    assert Condition("plan", "eq", "pro") in rule.rules and reading.source == "user"  # type: ignore[union-attr]


def test_nothing_is_guessed() -> None:
    with pytest.raises(ParseRefusal):
        refine(PREVIOUS, "and also the purple ones", read, CATALOG)
    with pytest.raises(ParseRefusal):
        refine(PREVIOUS, "and", read, CATALOG)


def test_negation_is_written_plainly() -> None:
    assert negate(Condition("tags", "has", "vip")) == Condition("tags", "has_none", ("vip",))
    assert negate(Not(Condition("visits", "gt", 1))) == Condition("visits", "gt", 1)
    assert negate(Condition("visits", "gt", 1)) == Not(Condition("visits", "gt", 1))
    assert merge(Condition("visits", "gt", 1), Condition("visits", "lt", 9)) == AllOf(
        (Condition("visits", "gt", 1), Condition("visits", "lt", 9)))


def test_pasted_rule_json_is_validated() -> None:
    reading = read('{"field": "city", "op": "eq", "value": "bombay"}')
    assert reading.rule == Condition("city", "eq", "Mumbai")
    with pytest.raises(ParseRefusal):
        read('{"field": "city", ')
