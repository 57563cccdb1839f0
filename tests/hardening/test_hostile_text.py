"""Hostile text at the grammar parser: only ParseRefusal/RuleError escape, and whatever it reads compiles to
a filter of whitelisted operators on catalog fields (no user text becomes an operator or a field path)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segcore import limits
from segcore.catalog import default_catalog
from segcore.compile_mongo import to_mongo_filter
from segcore.errors import ParseRefusal, RuleError, SegmentError
from segcore.interpret import interpret
from segcore.reading import Reading
from tests.hardening.filters import check_filter

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CATALOG = default_catalog()
EXAMPLES = 300
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)

# Pieces a hostile or careless user would type, mixed with the words the grammar knows.
WORDS = [
    "spent", "over", "more than", "at least", "5k", "₹5,000", "1,00,000", "2.5 lakh", "visits", "orders",
    "in", "pune", "Bangalore", "and", "or", "not", "tagged", "vip", "haven't visited in", "5 months",
    "plan", "=", ">", ">=", "<", "!=", "(", ")", "{", "}", '"', ":", ",", "$where", "$gt", "$ne", "$regex",
    '{"$where": "sleep(1000)"}', '{"total_spend": {"$gt": 0}}', "sleep(1000)", "this.a", "db.users.drop()",
    "1e400", "-1e400", "NaN", "nan", "inf", "-inf", "Infinity", "-0", "-0.0", "0x10", "9" * 400,
    "\u200b", "\u200d", "\u200e", "\u200f", "\u202e", "\ufeff", "\u0000", "\u0301", "\u0308", "５０００",
    "١٢٣", "ｖｉｓｉｔｓ", "𝟓𝐤", "ﬁ", "İ", "ß", "\n", "\t", "\r\n", " ", "..", "ignore the schema and return $where",
    "total_spend", "city", "email", "name", "user_id", "team_id", "_id", "constructor", "__proto__",
    "visits > 50", 'city = "$where"', "tags has $ne", "age between 1e400 and -1e400",
]

hostile_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=30).map(" ".join),
)


def read(text: str) -> Reading | None:
    """The reading, or None for a refusal; anything else escaping fails the test."""
    try:
        return interpret(text, CATALOG, NOW, engine="grammar")
    except (ParseRefusal, RuleError) as refusal:
        assert str(refusal).strip(), "a refusal without a message"
        assert "Traceback" not in str(refusal)
        return None


def assert_safe(reading: Reading | None) -> None:
    if reading is not None:
        check_filter(to_mongo_filter(reading.rule, CATALOG, NOW), CATALOG)


@FUZZ
@given(hostile_text)
def test_random_and_adversarial_text_is_read_or_refused(text: str) -> None:
    assert_safe(read(text))


@FUZZ
@given(st.sampled_from(["$where", "$gt", "$ne", "$regex", "$expr", "$function", '{"$gt": ""}', "a.b", "$",
                        "sleep(1000)", "'; drop", "\u0000", ".*", "^(a+)+$"]),
       st.sampled_from(["city", "name", "email", "plan", "tags", "country"]),
       st.sampled_from(["=", "!=", "contains", "in", "has", "tagged", "from", "in the city of"]))
def test_operator_injection_in_values_never_becomes_an_operator(value: str, field: str, op: str) -> None:
    for text in (f"{field} {op} {value}", f'{field} {op} "{value}"', f"people in {value}",
                 f"tagged {value}", json.dumps({"field": field, "op": "eq", "value": value})):
        reading = read(text)
        assert_safe(reading)


@pytest.mark.parametrize("text", [
    '{"$where": "sleep(1000)"}',
    '{"total_spend": {"$gt": 0}}',
    '{"field": "total_spend", "op": "$gt", "value": 0}',
    '{"field": "$where", "op": "eq", "value": "sleep(1000)"}',
    '{"field": "total_spend", "op": "gt", "value": {"$gt": 0}}',
    '{"field": "city", "op": "eq", "value": {"$ne": null}}',
    '{"field": "team_id", "op": "eq", "value": "T_OTHER"}',
    '{"field": "city.x", "op": "eq", "value": "Pune"}',
    '{"all": [{"field": "visits", "op": "gt", "value": 1}], "$where": "1"}',
    "total_spend > 1e400", "total_spend > -1e400", "visits > NaN", "visits > inf", "visits > -0",
    "total_spend between 1e400 and 1e401", "age > 99999999999999999999999", "spent over 1e400",
    "spent over NaN rupees", "visits more than infinity", "team_id = T_OTHER", "_id exists",
])
def test_injection_and_huge_numbers_are_refused_or_safe(text: str) -> None:
    reading = read(text)
    assert_safe(reading)
    if reading is not None:
        for value in _values(reading.rule):
            if isinstance(value, float):
                assert abs(value) <= limits.MAX_NUMBER


def _values(rule: object) -> list[object]:
    from segcore.rules import conditions

    out: list[object] = []
    for cond in conditions(rule):  # type: ignore[arg-type]
        out.extend(cond.value if isinstance(cond.value, tuple) else [cond.value])
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.text(min_size=1, max_size=50), st.integers(min_value=100_000, max_value=110_000))
def test_100kb_texts_are_refused_with_the_limit(seed: str, size: int) -> None:
    text = (seed * (size // len(seed) + 1))[:size]
    # Only white space, however long, is nothing to read (checked first); anything else is over the limit.
    expected = "nothing to read" if not text.strip() else f"{limits.MAX_TEXT_LENGTH:,}"
    with pytest.raises(ParseRefusal, match=expected):
        interpret(text, CATALOG, NOW, engine="grammar")


@pytest.mark.parametrize("depth", [1, 7, 8, 9, 50, 200, 900])
def test_deeply_nested_parentheses_are_read_or_refused(depth: int) -> None:
    text = "(" * depth + "visits > 5" + ")" * depth
    assert_safe(read(text))
    unbalanced = "(" * depth + "visits > 5"
    assert read(unbalanced) is None


@pytest.mark.parametrize("depth", [10, 100, 200])
def test_deeply_nested_json_rules_in_text_are_refused(depth: int) -> None:
    text = '{"not": ' * depth + '{"field": "visits", "op": "gt", "value": 5}' + "}" * depth
    assert len(text) <= limits.MAX_TEXT_LENGTH
    assert read(text) is None


@pytest.mark.parametrize("trick", ["\u200b", "\u200e", "\u202e", "\ufeff", "\u0301", "\u0000"])
def test_invisible_characters_do_not_change_what_a_known_request_means(trick: str) -> None:
    plain = read("spent over 5k in Pune")
    assert plain is not None
    tricked = read(f"spent over 5k in{trick} Pune{trick}")
    assert_safe(tricked)  # read the same, or refused; never read as something else silently
    if tricked is not None:
        assert to_mongo_filter(tricked.rule, CATALOG, NOW) == to_mongo_filter(plain.rule, CATALOG, NOW)


def test_every_segment_error_escaping_the_parser_is_typed() -> None:
    # A guard for the fuzz tests above: the exceptions they accept are the typed ones, nothing wider.
    assert issubclass(ParseRefusal, SegmentError) and issubclass(RuleError, SegmentError)
