"""Rules in words: one line a marketer can read, which the grammar parser reads back to the same rule.

"more than 50 visits and total spend more than ₹5,000 and not visited in the last 5 months"

Every phrase written here is one the grammar understands (tests/segcore/test_properties.py checks the
round trip), so a rendering pasted back into Slack gives the same segment.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from segcore.catalog import Field, FieldCatalog
from segcore.rules import (
    AT_LEAST_ONCE,
    AbsoluteDate,
    AllOf,
    AnyOf,
    CalendarPeriod,
    Condition,
    EventCondition,
    EventCount,
    EventWindow,
    Not,
    PropertyCondition,
    RelativeAmount,
    Rule,
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
    return describe_event(rule, catalog)


def describe_condition(cond: Condition, catalog: FieldCatalog) -> str:
    return _field_words(catalog.field(cond.field), cond.op, cond.value)


def _field_words(field: Field, op: str, value: Any) -> str:
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
    return f"{verb} {when_words(op, value)}"


def when_words(op: str, value: Any) -> str:
    """A date condition without its field: "in the last 30 days", "last month", "before March 2025"."""
    if isinstance(value, RelativeAmount):
        span = value.words()
        if op == "within_last":
            return f"in the last {span}"
        if op == "more_than_ago":
            return f"more than {span} ago"
        return f"not in the last {span}"  # not_within_last: no event window uses it (SPEC)
    if op == "between":
        return f"between {date_words(value[0])} and {date_words(value[1])}"
    if op == "before":
        if isinstance(value, CalendarPeriod):
            return f"before the start of {period_words(value)}"
        return f"before {date_words(value)}"
    if op == "after":
        if isinstance(value, CalendarPeriod):
            return f"since the start of {period_words(CalendarPeriod(value.period, value.offset + 1))}"
        if value.granularity == "instant":
            return f"since {_since_words(value)}"
        return f"after {date_words(value)}"
    # on
    if isinstance(value, CalendarPeriod):
        if value.offset >= 0:
            return f"during {period_words(value)}"
        return period_words(value)
    if value.granularity in ("year", "month"):
        return f"in {date_words(value)}"
    return f"on {date_words(value)}"


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


# ------------------------------------------------------------------------------------- event conditions
# SPEC "Behaviour": "viewed an Electronics product at least 3 times in the last 30 days", "never opened an
# email", "have not started checkout in the last 7 days". segcore/grammar/behaviour.py reads these back.

_ARTICLES = frozenset({"a", "an"})
_TIMES_WORDS = {1: "once", 2: "twice"}
_COUNT_WORDS = {"gt": "more than", "gte": "at least", "lt": "fewer than", "lte": "at most", "eq": "exactly"}


def describe_event(cond: EventCondition, catalog: FieldCatalog) -> str:
    event = catalog.get_event(cond.event)
    label = event.label if event is not None else cond.event.lower()
    phrase = _event_phrase(label, cond.where, event)
    window = f" {when_words(cond.when.op, cond.when.value)}" if cond.when is not None else ""
    count = cond.count
    if count.op == "eq" and count.value == 0:
        # "never" keeps all time (SPEC); a window says "have not ... in the last 7 days".
        return f"have not {phrase}{window}" if window else f"never {phrase}"
    if count == AT_LEAST_ONCE:
        return f"{phrase}{window}"
    return f"{phrase} {times_words(count)}{window}"


def times_words(count: EventCount) -> str:
    """How many times: "at least 3 times", "at most once", "between 2 and 5 times"."""
    if count.op == "between":
        low, high = count.value
        return f"between {plain_number(low)} and {plain_number(high)} times"
    return f"{_COUNT_WORDS[count.op]} {_times(count.value)}"


def _times(number: int | float) -> str:
    if number in _TIMES_WORDS:
        return _TIMES_WORDS[int(number)]
    return f"{plain_number(number)} times"


def _known_values(prop: Field, where: PropertyCondition) -> list[str] | None:
    """The values of an eq/in condition when every one is a known value said plainly, else None."""
    if prop.type != "string" or where.op not in ("eq", "in"):
        return None
    values = list(where.value) if where.op == "in" else [where.value]
    if not values or not all(isinstance(v, str) and show_value(prop, v) == v for v in values):
        return None
    return values


def _event_phrase(label: str, where: tuple[PropertyCondition, ...], event: Any) -> str:
    """The event's label with its property conditions: a known value takes the article's place ("opened a
    Diwali Sale email"); anything else follows in parentheses ("viewed a product (category is not Home)")."""
    words = label.split()
    rest = list(where)
    article = next((i for i, w in enumerate(words) if w.lower() in _ARTICLES), None)
    if event is not None and article is not None:
        for index, w in enumerate(rest):
            prop = event.get_property(w.property)
            values = _known_values(prop, w) if prop is not None else None
            if values:
                said = " or ".join(values)
                words[article:article + 1] = ["an" if said[0].lower() in "aeiou" else "a", said]
                del rest[index]
                break
    phrase = " ".join(words)
    if not rest:
        return phrase
    parts = []
    for w in rest:
        prop = event.get_property(w.property) if event is not None else None
        if prop is None:
            prop = Field(w.property, "string", w.property.replace("_", " "))
        parts.append(_field_words(prop, w.op, w.value))
    return f"{phrase} ({' and '.join(parts)})"


def describe_window(when: EventWindow) -> str:
    return when_words(when.op, when.value)
