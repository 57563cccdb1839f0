"""The rule builder's state, with no Slack in it: rows of (field, operator, value text), all/any.

The modal keeps fields and operators in ``private_metadata`` and the typed values in its inputs; this
module turns them into a validated rule, or into errors keyed by the row they belong to, and back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from segcore import form_text
from segcore.catalog import Field, FieldCatalog
from segcore.errors import RuleError, SegmentError
from segcore.event_form import EVENT_PREFIX, event_of, event_row, parse_event_row
from segcore.rules import (
    AbsoluteDate,
    AllOf,
    AnyOf,
    CalendarPeriod,
    Condition,
    EventCondition,
    RelativeAmount,
    Rule,
)
from segcore.validation import validate

MAX_ROWS = 15

OPERATOR_WORDS = {
    "gt": "more than",
    "gte": "at least",
    "lt": "less than",
    "lte": "at most",
    "eq": "is exactly",
    "ne": "is not",
    "between": "between",
    "exists": "is recorded",
    "in": "is one of",
    "not_in": "is none of",
    "contains": "contains",
    "has": "has",
    "has_any": "has any of",
    "has_all": "has all of",
    "has_none": "has none of",
    "is": "is",
    "before": "before",
    "after": "after",
    "on": "on / in",
    "within_last": "in the last",
    "not_within_last": "not in the last",
    "more_than_ago": "more than … ago",
}


def value_hint(f: Field, op: str) -> str:
    """What to type in the value box for this field and operator."""
    if op == "exists":
        return "yes (recorded) or no (missing); empty means yes"
    if f.type == "bool":
        return "yes or no"
    if f.is_numeric:
        money = " (₹; 5k, 2.5 lakh work)" if f.money else ""
        return f"two numbers, e.g. 100 to 500{money}" if op == "between" else f"a number{money}"
    if f.type in ("string", "array") and op in ("in", "not_in", "has_any", "has_all", "has_none"):
        known = f", e.g. {', '.join(f.values[:3])}" if f.values else ""
        return f"values separated by commas{known}"
    if f.type in ("string", "array"):
        return f"a value, e.g. {f.values[0]}" if f.values else "a value"
    if op in ("within_last", "not_within_last", "more_than_ago"):
        return "an amount and a unit, e.g. 5 months, 2 weeks, 1 year"
    if op == "between":
        return "two dates, e.g. 2025-01-01 to 2025-03-31"
    return "a date (2025, 2025-03, 2025-03-01) or last/this month, week, quarter, year"


@dataclass
class Row:
    field: str | None = None
    op: str | None = None
    value: str = ""


@dataclass
class BuilderState:
    rows: list[Row] = field(default_factory=lambda: [Row()])
    match: str = "all"
    version: int = 0
    origin: dict[str, Any] = field(default_factory=dict)

    def to_metadata(self) -> str:
        data = {
            "r": [[r.field, r.op] for r in self.rows],
            "m": self.match,
            "v": self.version,
            "o": self.origin,
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_metadata(cls, text: str) -> BuilderState:
        try:
            data = json.loads(text or "{}")
            rows = [Row(f, o) for f, o in data.get("r", [])] or [Row()]
            return cls(rows[:MAX_ROWS], data.get("m", "all"), int(data.get("v", 0)), dict(data.get("o") or {}))
        except (ValueError, TypeError, AttributeError):
            return cls()

    def with_values(self, values: dict[int, str]) -> BuilderState:
        for i, row in enumerate(self.rows):
            if i in values:
                row.value = values[i]
        return self


class BuilderErrors(SegmentError):
    """Errors keyed by row index, shown beside the value input of that row."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


_SCALE = {"k": 1e3, "thousand": 1e3, "l": 1e5, "lakh": 1e5, "lakhs": 1e5, "lac": 1e5, "m": 1e6,
          "million": 1e6, "cr": 1e7, "crore": 1e7, "crores": 1e7}
_NUMBER = re.compile(r"^(?:₹|rs\.?|inr)?\s*(-?[\d,]*\.?\d+)\s*([a-z]+)?\s*(?:rupees|inr)?$", re.I)


def parse_number(text: str) -> int | float:
    m = _NUMBER.match(text.strip())
    if not m:
        raise ValueError(f"“{text}” is not a number")
    base = float(m.group(1).replace(",", ""))
    unit = (m.group(2) or "").lower()
    if unit and unit not in _SCALE:
        raise ValueError(f"“{text}” is not a number (unknown unit “{unit}”)")
    value = base * _SCALE.get(unit, 1)
    return int(value) if value.is_integer() else value


def _split_two(text: str) -> tuple[str, str]:
    parts = [p for p in re.split(r"\s+(?:to|and)\s+|\s*,\s*|\s+-\s+", text.strip(), maxsplit=1) if p]
    if len(parts) != 2:
        raise ValueError("give two values, e.g. 100 to 500")
    return parts[0], parts[1]


_RELATIVE = re.compile(r"^(\d+)\s*(day|week|month|quarter|year)s?$", re.I)
_PERIOD = re.compile(r"^(this|last|previous)\s+(day|week|month|quarter|year)$", re.I)
# Any other calendar period, as value_text writes it: "month -2" is the month before last.
_OTHER_PERIOD = re.compile(r"^(day|week|month|quarter|year)\s*([+-]\d{1,4})$", re.I)


def _date(text: str) -> AbsoluteDate | CalendarPeriod | str:
    t = text.strip()
    m = _PERIOD.match(t)
    if m:
        return CalendarPeriod(m.group(2).lower(), 0 if m.group(1).lower() == "this" else -1)
    if t.lower() in ("today", "yesterday"):
        return CalendarPeriod("day", 0 if t.lower() == "today" else -1)
    m = _OTHER_PERIOD.match(t)
    if m:
        return CalendarPeriod(m.group(1).lower(), int(m.group(2)))
    return t  # validation reads absolute dates and says what is allowed


def parse_value(f: Field, op: str, text: str) -> Any:
    """The typed value for a condition from what was typed in the value box."""
    t = " ".join(text.split())
    if op == "exists":
        return t.lower() not in ("no", "false", "missing", "n")
    if not t:
        raise ValueError("type a value: " + value_hint(f, op))
    if f.type == "bool":
        low = t.lower()
        if low in ("yes", "true", "y", "on"):
            return True
        if low in ("no", "false", "n", "off"):
            return False
        raise ValueError("type yes or no")
    if f.is_numeric:
        if op == "between":
            low, high = _split_two(t)
            return (parse_number(low), parse_number(high))
        return parse_number(t)
    if f.type in ("string", "array"):
        if op in ("in", "not_in", "has_any", "has_all", "has_none"):
            return tuple(v.strip() for v in t.split(",") if v.strip())
        return t
    if op in ("within_last", "not_within_last", "more_than_ago"):
        m = _RELATIVE.match(t)
        if not m:
            raise ValueError("type an amount and a unit, e.g. 5 months")
        return RelativeAmount(int(m.group(1)), m.group(2).lower())
    if op == "between":
        a, b = _split_two(t)
        return (_date(a), _date(b))
    return _date(t)


def _row_index(path: str, rows: int) -> int:
    m = re.match(r"^(?:all|any)\[(\d+)\]", path)
    if m:
        return int(m.group(1))
    return 0 if rows == 1 else -1


def build_rule(state: BuilderState, catalog: FieldCatalog) -> Rule:
    """A validated rule from the rows, or ``BuilderErrors`` naming each row that is wrong and why."""
    errors: dict[int, str] = {}
    conditions: list[Condition | EventCondition] = []
    for i, row in enumerate(state.rows):
        if not row.field:
            errors[i] = "Choose a field for this condition (or remove it)."
            continue
        event = event_of(row.field, catalog)
        if event is not None or row.field.startswith(EVENT_PREFIX):
            if event is None:
                errors[i] = f"The event {row.field[len(EVENT_PREFIX):]} no longer exists; choose another."
                continue
            try:
                conditions.append(parse_event_row(event, row.op, row.value))
            except ValueError as exc:
                errors[i] = f"{event.label}: {exc}."
            continue
        f = catalog.get(row.field)
        if f is None:
            errors[i] = f"The field {row.field} no longer exists; choose another."
            continue
        if not row.op or row.op not in f.operators:
            errors[i] = f"Choose an operator for {f.label}."
            continue
        try:
            conditions.append(Condition(f.name, row.op, parse_value(f, row.op, row.value)))
        except ValueError as exc:
            errors[i] = f"{f.label}: {exc}."
    if errors:
        raise BuilderErrors(errors)
    rule: Rule = conditions[0] if len(conditions) == 1 else (
        AllOf(tuple(conditions)) if state.match == "all" else AnyOf(tuple(conditions))
    )
    try:
        return validate(rule, catalog)
    except RuleError as exc:
        index = _row_index(exc.path, len(conditions))
        raise BuilderErrors({max(index, 0): exc.message}) from None


def value_text(value: Any) -> str:
    """A condition's value as someone would type it in the value box."""
    # This box's words: "yes"/"no" (what parse_value offers first), any period but this or last one as
    # "month -2" (which _date reads back), and an absent value as "None".
    return form_text.value_text(value, true="yes", false="no", none="None",
                                other_period=lambda p: f"{p.period} {p.offset:+d}")


def row_text(cond: Condition) -> str:
    if cond.op == "between" and isinstance(cond.value, tuple | list) and len(cond.value) == 2:
        return f"{value_text(cond.value[0])} to {value_text(cond.value[1])}"
    return value_text(cond.value)


def _rule_row(rule: Rule, catalog: FieldCatalog | None) -> Row | None:
    if isinstance(rule, Condition):
        return Row(rule.field, rule.op, row_text(rule))
    if isinstance(rule, EventCondition) and catalog is not None:
        shown = event_row(rule, catalog.get_event(rule.event))
        if shown is not None:
            return Row(EVENT_PREFIX + rule.event, shown[0], shown[1])
    return None


def state_from_rule(rule: Rule | None, origin: dict[str, Any] | None = None,
                    catalog: FieldCatalog | None = None) -> tuple[BuilderState, bool]:
    """Rows for an existing rule; False as second value when the rule has nesting the builder cannot show.
    Event conditions become rows when ``catalog`` is given."""
    origin = origin or {}
    if rule is None:
        return BuilderState(origin=origin), True
    single = _rule_row(rule, catalog)
    if single is not None:
        return BuilderState([single], origin=origin), True
    if isinstance(rule, AllOf | AnyOf):
        rows = [_rule_row(r, catalog) for r in rule.rules]
        if len(rows) <= MAX_ROWS and all(r is not None for r in rows):
            return BuilderState([r for r in rows if r is not None], "all" if isinstance(rule, AllOf) else "any",
                                origin=origin), True
    return BuilderState(origin=origin), False
