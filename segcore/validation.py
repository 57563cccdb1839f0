"""Validation of a rule tree against the field catalog.

``validate`` returns the same tree with canonical values (``"bangalore"`` becomes ``"Bengaluru"``, date
text becomes ``AbsoluteDate``, lists become sorted-free tuples without duplicates) or raises ``RuleError``
naming the field, the operator or the value and what is allowed. Every path into a segment (grammar,
Cohere, the modal, the API) goes through here before anything is compiled.
"""

from __future__ import annotations

import math
from typing import Any

from segcore import limits
from segcore.catalog import Field, FieldCatalog
from segcore.errors import RuleError
from segcore.rules import (
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
    conditions,
    depth,
    event_conditions,
    rule_from_json,
)

# SPEC "Behaviour": how many times, and when. ``exists`` says nothing about a time, and "not within the
# last N days" is said as a count of 0 within the last N days, so neither is a window.
COUNT_OPERATORS = ("gt", "gte", "lt", "lte", "eq", "between")
WINDOW_OPERATORS = ("within_last", "more_than_ago", "before", "after", "on", "between")
_TIMESTAMP = Field("timestamp", "datetime", "when it happened")


def validate_json(data: Any, catalog: FieldCatalog) -> Rule:
    """Shape check and catalog check of a rule in its JSON form."""
    return validate(rule_from_json(data), catalog)


def validate(rule: Rule, catalog: FieldCatalog) -> Rule:
    # An event condition counts as one condition, and each of its property conditions as one more.
    count = sum(1 for _ in conditions(rule)) + sum(1 + len(e.where) for e in event_conditions(rule))
    if count > limits.MAX_CONDITIONS:
        raise RuleError(f"A segment can have at most {limits.MAX_CONDITIONS} conditions; this one has {count}.")
    events = sum(1 for _ in event_conditions(rule))
    if events > limits.MAX_EVENT_CONDITIONS:
        raise RuleError(
            f"A segment can have at most {limits.MAX_EVENT_CONDITIONS} event conditions; this one has {events}."
        )
    if depth(rule) > limits.MAX_DEPTH:
        raise RuleError(f"Rules can be nested at most {limits.MAX_DEPTH} levels deep.")
    return _validate(rule, catalog, "")


def _validate(rule: Rule, catalog: FieldCatalog, path: str) -> Rule:
    if isinstance(rule, Condition):
        return _condition(rule, catalog, path)
    if isinstance(rule, EventCondition):
        return _event(rule, catalog, path)
    if isinstance(rule, AllOf | AnyOf):
        name = "all" if isinstance(rule, AllOf) else "any"
        if not rule.rules:
            raise RuleError(f'"{name}" must contain at least one rule.', path)
        children = tuple(_validate(r, catalog, f"{path}{name}[{i}].") for i, r in enumerate(rule.rules))
        return type(rule)(children)
    if isinstance(rule, Not):
        return Not(_validate(rule.rule, catalog, f"{path}not."))
    raise RuleError(f"Not a rule: {rule!r}.", path)


def _condition(cond: Condition, catalog: FieldCatalog, path: str) -> Condition:
    where = path.rstrip(".") or "rule"
    field = catalog.get(cond.field) if isinstance(cond.field, str) else None
    if field is None:
        raise RuleError(
            f"Unknown field {cond.field!r}. Segments can use: {', '.join(f.name for f in catalog.queryable())}.",
            where,
            str(cond.field),
        )
    if not field.queryable:
        raise RuleError(f"The field {field.name!r} cannot be used in segment rules.", where, field.name)
    if cond.op not in field.operators:
        raise RuleError(
            f"The operator {cond.op!r} does not apply to {field.name} ({field.type}); "
            f"allowed: {', '.join(field.operators)}.",
            where,
            field.name,
        )
    checker = _ValueChecker(field, cond.op, f"{path}value")
    return Condition(field.name, cond.op, checker.check(cond.value))


def _event(leaf: EventCondition, catalog: FieldCatalog, path: str) -> EventCondition:
    where = path.rstrip(".") or "rule"
    event = catalog.get_event(leaf.event) if isinstance(leaf.event, str) else None
    if event is None:
        known = ", ".join(catalog.event_names) or "none (the catalog names no events)"
        raise RuleError(f"Unknown event {leaf.event!r}. Segments can use the events: {known}.", where)
    props = []
    for i, cond in enumerate(leaf.where):
        props.append(_property(event.name, event.get_property(cond.property) if isinstance(cond.property, str)
                               else None, cond, [p.name for p in event.properties], f"{path}where[{i}]"))
    count = _count(event.name, leaf.count, f"{path}count")
    when = None if leaf.when is None else _window(event.name, leaf.when, f"{path}when")
    return EventCondition(event.name, tuple(props), count, when)


def _property(event: str, prop: Field | None, cond: PropertyCondition, known: list[str],
              path: str) -> PropertyCondition:
    if prop is None:
        allowed = ", ".join(known) if known else "none: it can only be counted and given a time"
        raise RuleError(f"The event {event!r} has no property {cond.property!r}; its properties: {allowed}.", path)
    if cond.op not in prop.operators:
        raise RuleError(
            f"The operator {cond.op!r} does not apply to the property {prop.name} of {event} ({prop.type}); "
            f"allowed: {', '.join(prop.operators)}.",
            path,
        )
    checker = _ValueChecker(prop, cond.op, f"{path}.value", subject=f"{event}: {prop.name}")
    return PropertyCondition(prop.name, cond.op, checker.check(cond.value))


def _count(event: str, count: EventCount, path: str) -> EventCount:
    def fail(what: str) -> RuleError:
        return RuleError(f"{event} count {count.op}: {what}", path)

    if count.op not in COUNT_OPERATORS:
        raise RuleError(
            f"The count of {event} takes the operators {', '.join(COUNT_OPERATORS)}; got {count.op!r}.", path
        )

    def times(value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail(f"a number of times is a whole number, 0 or more; got {_show(value)}.")
        if value > limits.MAX_NUMBER:
            raise fail(f"the number {value} is out of range (at most {limits.MAX_NUMBER:.0e}).")
        return value

    if count.op == "between":
        value = count.value
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise fail(f"between expects a list of two numbers of times [low, high], got {_show(value)}.")
        low, high = times(value[0]), times(value[1])
        if low > high:
            raise fail(f"the lower bound {low} is above the upper bound {high}.")
        return EventCount("between", (low, high))
    value = times(count.value)
    if count.op == "lt" and value == 0:
        raise fail("fewer than 0 times matches no one; for people who never did it, use eq 0.")
    return EventCount(count.op, value)


def _window(event: str, when: EventWindow, path: str) -> EventWindow:
    if when.op not in WINDOW_OPERATORS:
        raise RuleError(
            f"The time of {event} takes the operators {', '.join(WINDOW_OPERATORS)}; got {when.op!r}. "
            "For people who did not do it lately, count 0 times (eq 0) within_last the period.",
            path,
        )
    checker = _ValueChecker(_TIMESTAMP, when.op, f"{path}.value", subject=f"{event} when")
    return EventWindow(when.op, checker.check(when.value))


class _ValueChecker:
    def __init__(self, field: Field, op: str, path: str, subject: str | None = None) -> None:
        self.field = field
        self.op = op
        self.path = path
        self.subject = subject or field.name

    def fail(self, what: str) -> RuleError:
        return RuleError(f"{self.subject} {self.op}: {what}", self.path, self.field.name)

    def check(self, value: Any) -> Any:
        op, ftype = self.op, self.field.type
        if op == "exists":
            if value is None:
                return True
            if not isinstance(value, bool):
                raise self.fail(f"expects true or false, got {_show(value)}.")
            return value
        if ftype in ("int", "number"):
            if op == "between":
                low, high = self.pair(value, self.number)
                if low > high:
                    raise self.fail(f"the lower bound {low:g} is above the upper bound {high:g}.")
                return (low, high)
            return self.number(value)
        if ftype == "string":
            if op in ("in", "not_in"):
                return self.text_list(value)
            if op == "contains":
                return self.text(value, canonical=False)
            return self.text(value)
        if ftype == "array":
            if op == "has":
                return self.text(value)
            return self.text_list(value)
        if ftype == "bool":
            if not isinstance(value, bool):
                raise self.fail(f"expects true or false, got {_show(value)}.")
            return value
        # datetime
        if op in ("within_last", "not_within_last", "more_than_ago"):
            if not isinstance(value, RelativeAmount):
                raise self.fail(f'expects {{"amount": N, "unit": "day|week|month|quarter|year"}}, got {_show(value)}.')
            if not 1 <= value.amount <= limits.MAX_RELATIVE_AMOUNT:
                raise self.fail(f"the amount must be between 1 and {limits.MAX_RELATIVE_AMOUNT}, got {value.amount}.")
            return value
        if op == "between":
            start, end = self.pair(value, self.date)
            if isinstance(start, AbsoluteDate) and isinstance(end, AbsoluteDate) and start.start > end.start:
                raise self.fail(f"the start {start.to_json()} is after the end {end.to_json()}.")
            return (start, end)
        return self.date(value)

    def pair(self, value: Any, item: Any) -> tuple[Any, Any]:
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise self.fail(f"between expects a list of two values [low, high], got {_show(value)}.")
        return item(value[0]), item(value[1])

    def number(self, value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"expects a number, got {_show(value)}.")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail("expects a finite number.")
        if abs(value) > limits.MAX_NUMBER:
            raise self.fail(f"the number {value!r} is out of range (at most {limits.MAX_NUMBER:.0e}).")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def text(self, value: Any, canonical: bool = True) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"expects non-empty text, got {_show(value)}.")
        if len(value) > limits.MAX_VALUE_LENGTH:
            raise self.fail(f"text values can be at most {limits.MAX_VALUE_LENGTH} characters.")
        value = " ".join(value.split())
        if not canonical:
            return value
        known = self.field.canonical_value(value)
        if known is not None:
            return known
        if self.field.closed:
            raise self.fail(f"{value!r} is not a known value; allowed: {', '.join(self.field.values)}.")
        if self.field.name == "country" and len(value) == 2 and value.isalpha():
            return value.upper()
        return value

    def text_list(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, tuple | list) or not value:
            raise self.fail(f"expects a non-empty list of values, got {_show(value)}.")
        if len(value) > limits.MAX_LIST_VALUES:
            raise self.fail(f"a list can hold at most {limits.MAX_LIST_VALUES} values.")
        seen: list[str] = []
        for item in value:
            canonical = self.text(item)
            if canonical not in seen:
                seen.append(canonical)
        return tuple(seen)

    def date(self, value: Any) -> AbsoluteDate | CalendarPeriod:
        if isinstance(value, AbsoluteDate | CalendarPeriod):
            if isinstance(value, CalendarPeriod) and abs(value.offset) > limits.MAX_RELATIVE_AMOUNT:
                raise self.fail("the calendar offset is out of range.")
            return value
        if isinstance(value, str):
            try:
                parsed = AbsoluteDate.parse(value)
            except RuleError as exc:
                raise self.fail(exc.message) from None
            if not 1900 <= parsed.start.year <= 2200:
                raise self.fail("dates must fall between the years 1900 and 2200.")
            return parsed
        raise self.fail(
            'expects a date ("2025", "2025-03", "2025-03-01", "2025-03-01T10:30:00Z") or a calendar period '
            f'{{"period": "month", "offset": -1}}, got {_show(value)}.'
        )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
