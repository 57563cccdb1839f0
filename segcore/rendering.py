"""Rules in words: one line a marketer can read, which the grammar parser reads back to the same rule.

"more than 50 visits and total spend more than ₹5,000 and not visited in the last 5 months"

Every phrase written here is one the grammar understands (tests/segcore/test_properties.py checks the
round trip), so a rendering pasted back into Slack gives the same segment.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from segcore.catalog import Field, FieldCatalog
from segcore.rules import (
    AbsoluteDate,
    AllOf,
    AnyOf,
    CalendarPeriod,
    Condition,
    Not,
    RelativeAmount,
    Rule,
    rule_to_json,
)

_NUMBER_WORDS = {
    "gt": "more than",
    "gte": "at least",
    "lt": "less than",
    "lte": "at most",
    "eq": "exactly",
    "ne": "other than",
}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_PLAIN_VALUE = re.compile(r"^[\w][\w .&'-]*$")


def describe(rule: Rule, catalog: FieldCatalog) -> str:
    return _describe(rule, catalog, top=True)


def _describe(rule: Rule, catalog: FieldCatalog, top: bool = False) -> str:
    if isinstance(rule, Condition):
        return describe_condition(rule, catalog)
    if isinstance(rule, AllOf | AnyOf):
        joiner = " and " if isinstance(rule, AllOf) else " or "
        text = joiner.join(_describe(r, catalog) for r in rule.rules)
        return text if top else f"({text})"
    if isinstance(rule, Not):
        return f"not ({_describe(rule.rule, catalog, top=True)})"
    # Event conditions are said in words by the behaviour work; until then, their JSON is exact.
    return json.dumps(rule_to_json(rule))


def describe_condition(cond: Condition, catalog: FieldCatalog) -> str:
    field = catalog.field(cond.field)
    op, value = cond.op, cond.value
    if op == "exists":
        return f"{field.label} is {'recorded' if value else 'missing'}"
    if field.is_numeric:
        return _number(field, op, value)
    if field.type == "string":
        return _string(field, op, value)
    if field.type == "array":
        return _array(field, op, value)
    if field.type == "bool":
        if value:
            return field.true_phrase or f"{field.label} is true"
        return field.false_phrase or f"{field.label} is false"
    return _datetime(field, op, value)


def plain_number(number: int | float) -> str:
    """Digits without exponent: 1e-05 -> "0.00001", 12.5 -> "12.5"."""
    if isinstance(number, int):
        return str(number)
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_number(field: Field, number: int | float) -> str:
    if field.money:
        return "₹" + indian_grouping(number)
    return plain_number(number)


def indian_grouping(number: int | float) -> str:
    """12345678.5 -> "1,23,45,678.5" (lakh and crore grouping), exact to the last decimal."""
    text = plain_number(number)
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    digits, _, fraction = text.partition(".")
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join([*groups, tail])
    return sign + digits + (f".{fraction}" if fraction else "")


def _number(field: Field, op: str, value: Any) -> str:
    if op == "between":
        low, high = (format_number(field, v) for v in value)
        phrase = f"between {low} and {high}"
    else:
        phrase = f"{_NUMBER_WORDS[op]} {format_number(field, value)}"
    if field.unit and not field.money and field.unit == field.label:
        unit = field.label
        if op != "between" and value == 1 and unit.endswith("s") and unit[:-1] in field.synonyms:
            unit = unit[:-1]  # "at least 1 order"
        return f"{phrase} {unit}"
    return f"{field.label} {phrase}"


def show_value(field: Field, value: str) -> str:
    """A known value as is ("Pune"); any other text in quotes, so the grammar reads it back exactly."""
    # Values that are also fixed words ("IN" is also "in") are quoted too. Imported here because the
    # grammar package imports this module.
    from segcore.grammar.lexicon import is_reserved

    if field.canonical_value(value) == value and _PLAIN_VALUE.match(value) and not is_reserved(value):
        return value
    quote = "'" if '"' in value else '"'
    return f"{quote}{value}{quote}"


def _or_list(field: Field, values: Any, joiner: str = " or ") -> str:
    return joiner.join(show_value(field, v) for v in values)


def _string(field: Field, op: str, value: Any) -> str:
    if op == "eq":
        return f"{field.label} is {show_value(field, value)}"
    if op == "ne":
        return f"{field.label} is not {show_value(field, value)}"
    if op == "in":
        return f"{field.label} is {_or_list(field, value)}"
    if op == "not_in":
        return f"{field.label} is not {_or_list(field, value)}"
    quote = "'" if '"' in value else '"'
    return f"{field.label} contains {quote}{value}{quote}"


def _array(field: Field, op: str, value: Any) -> str:
    tags = field.name == "tags"
    word = "tagged" if tags else f"{field.label} has"
    if op == "has":
        return f"{word} {show_value(field, value)}"
    if op == "has_any":
        return f"{word} {_or_list(field, value)}"
    if op == "has_all":
        return f"{word} {_or_list(field, value, ' and ')}"
    if tags:
        return f"not tagged {_or_list(field, value)}"
    return f"{field.label} has none of {_or_list(field, value)}"


def _datetime(field: Field, op: str, value: Any) -> str:
    verb = field.verb or field.label
    if isinstance(value, RelativeAmount):
        span = value.words()
        if op == "within_last":
            return f"{verb} in the last {span}"
        if op == "not_within_last":
            return f"not {verb} in the last {span}"
        return f"{field.label} more than {span} ago"
    if op == "between":
        return f"{verb} between {date_words(value[0])} and {date_words(value[1])}"
    if op == "before":
        if isinstance(value, CalendarPeriod):
            return f"{verb} before the start of {period_words(value)}"
        return f"{verb} before {date_words(value)}"
    if op == "after":
        if isinstance(value, CalendarPeriod):
            return f"{verb} since the start of {period_words(CalendarPeriod(value.period, value.offset + 1))}"
        if value.granularity == "instant":
            return f"{verb} since {_since_words(value)}"
        return f"{verb} after {date_words(value)}"
    # on
    if isinstance(value, CalendarPeriod):
        if value.offset >= 0:
            return f"{verb} during {period_words(value)}"
        return f"{verb} {period_words(value)}"
    if value.granularity in ("year", "month"):
        return f"{verb} in {date_words(value)}"
    return f"{verb} on {date_words(value)}"


def _since_words(value: AbsoluteDate) -> str:
    """The start of a year, month or day reads as that period ("since March 2025")."""
    s = value.start
    if (s.hour, s.minute, s.second, s.microsecond) == (0, 0, 0, 0):
        if (s.month, s.day) == (1, 1):
            return str(s.year)
        if s.day == 1:
            return f"{_MONTHS[s.month - 1]} {s.year}"
        return f"{s.year:04d}-{s.month:02d}-{s.day:02d}"
    return value.to_json()


def date_words(value: AbsoluteDate | CalendarPeriod) -> str:
    if isinstance(value, CalendarPeriod):
        return period_words(value)
    if value.granularity == "year":
        return str(value.start.year)
    if value.granularity == "month":
        return f"{_MONTHS[value.start.month - 1]} {value.start.year}"
    return value.to_json()


def period_words(period: CalendarPeriod) -> str:
    unit, offset = period.period, period.offset
    if unit == "day":
        named = {0: "today", -1: "yesterday"}
        if offset in named:
            return named[offset]
    elif offset == 0:
        return f"this {unit}"
    elif offset == -1:
        return f"last {unit}"
    if offset < 0:
        return f"the {unit} {-offset} {unit}s ago"
    return f"the {unit} {offset} {unit}{'s' if offset != 1 else ''} ahead"
