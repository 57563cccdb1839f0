"""The page's rule builder: rows of field / operator / value text, to and from rule JSON.

A row's value is typed the way a marketer writes it ("5 months", "Pune, Mumbai", "1000 and 5000",
"last month"); ``segcore.validation`` then checks it against the catalog like every other path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from segcore import form_text
from segcore.catalog import FieldCatalog
from segcore.errors import RuleError
from segcore.event_form import COUNT_OPS, COUNT_WORDS, EVENT_PREFIX, event_of, event_row, parse_event_row
from segcore.rules import UNITS, AllOf, AnyOf, Condition, EventCondition, Rule, event_to_json

LIST_OPS = ("in", "not_in", "has_any", "has_all", "has_none")
RELATIVE_OPS = ("within_last", "not_within_last", "more_than_ago")
MATCHES = ("all", "any")
EMPTY_ROWS = 2
# The operator list in the marketer's words (the value is the rule's op).
OPERATOR_LABELS = {
    "gt": "more than", "gte": "at least", "lt": "less than", "lte": "at most", "eq": "is", "ne": "is not",
    "between": "between", "in": "is one of", "not_in": "is none of", "contains": "contains", "has": "has",
    "has_any": "has any of", "has_all": "has all of", "has_none": "has none of", "is": "is",
    "before": "before", "after": "after", "on": "on", "within_last": "in the last",
    "not_within_last": "not in the last", "more_than_ago": "more than … ago", "exists": "is recorded",
    "none": COUNT_WORDS["none"],
}
# An event row's operators: how many times (the value box holds the number, a property value, a window).
EVENT_OPS = COUNT_OPS  # blank rows under the filled ones, so the form works without JavaScript


@dataclass(frozen=True)
class Row:
    field: str = ""
    op: str = ""
    value: str = ""

    @property
    def blank(self) -> bool:
        return not (self.field or self.value.strip())


def rows_from_rule(rule: Rule | None, catalog: FieldCatalog | None = None) -> tuple[str, list[Row]] | None:
    """``(match, rows)`` for a condition or a flat all/any of conditions (event conditions too, given the
    catalog); None for deeper trees."""
    if rule is None:
        return "all", []
    single = _row(rule, catalog)
    if single is not None:
        return "all", [single]
    if isinstance(rule, AllOf | AnyOf):
        rows = [_row(r, catalog) for r in rule.rules]
        if all(r is not None for r in rows):
            return "all" if isinstance(rule, AllOf) else "any", [r for r in rows if r is not None]
    return None


def _row(rule: Rule, catalog: FieldCatalog | None) -> Row | None:
    if isinstance(rule, Condition):
        return Row(rule.field, rule.op, value_text(rule.value))
    if isinstance(rule, EventCondition) and catalog is not None:
        shown = event_row(rule, catalog.get_event(rule.event))
        if shown is not None:
            return Row(EVENT_PREFIX + rule.event, shown[0], shown[1])
    return None


def value_text(value: Any) -> str:
    # The words _value reads back: "true"/"false", and "month -2" or "month +1" for any other period.
    return form_text.value_text(value, true="true", false="false", none="",
                                other_period=lambda p: f"{p.period} {p.offset:+d}")


def rows_from_form(fields: Sequence[str], ops: Sequence[str], values: Sequence[str]) -> list[Row]:
    rows = [Row(f.strip(), o.strip(), v) for f, o, v in zip(fields, ops, values, strict=False)]
    return [r for r in rows if not r.blank]


def rule_json_from_rows(match: str, rows: Sequence[Row], catalog: FieldCatalog) -> dict[str, Any]:
    """Rule JSON from the builder's rows; ``RuleError`` names the row that could not be read."""
    if match not in MATCHES:
        raise RuleError("Choose whether people must match all conditions or any of them.")
    if not rows:
        raise RuleError("Add at least one condition, or describe the segment in words.")
    conditions = [_condition(i, row, catalog) for i, row in enumerate(rows, start=1)]
    return conditions[0] if len(conditions) == 1 else {match: conditions}


def _condition(number: int, row: Row, catalog: FieldCatalog) -> dict[str, Any]:
    if row.field.startswith(EVENT_PREFIX):
        event = event_of(row.field, catalog)
        if event is None:
            raise RuleError(f"Condition {number}: choose an event the catalog knows.", f"row {number}")
        try:
            return event_to_json(parse_event_row(event, row.op or "gte", row.value))
        except ValueError as exc:
            raise RuleError(f"Condition {number} ({event.label}): {exc}.", f"row {number}") from None
    field = catalog.get(row.field)
    if field is None:
        raise RuleError(f"Condition {number}: choose a field.", f"row {number}")
    if row.op not in field.operators:
        raise RuleError(f"Condition {number}: {field.label} can use {', '.join(field.operators)}.",
                        f"row {number}", field.name)
    text = row.value.strip()
    try:
        value = _value(field.type, row.op, text)
    except ValueError as exc:
        raise RuleError(f"Condition {number} ({field.label} {row.op}): {exc}", f"row {number}", field.name) from None
    return {"field": field.name, "op": row.op, "value": value}


def _value(ftype: str, op: str, text: str) -> Any:
    if op == "exists":
        return _bool(text or "true")
    if ftype == "bool":
        return _bool(text)
    if op == "between":
        parts = [p for p in re.split(r"\s*(?:,|\band\b|\bto\b)\s*", text) if p]
        if len(parts) != 2:
            raise ValueError("write two values, e.g. '1000 and 5000'.")
        if ftype in ("int", "number"):
            return [_number(p) for p in parts]
        return [_date(p) for p in parts] if ftype == "datetime" else parts
    if ftype in ("int", "number"):
        return _number(text)
    if op in LIST_OPS:
        items = [p.strip() for p in text.split(",") if p.strip()]
        if not items:
            raise ValueError("write one or more values separated by commas.")
        return items
    if op in RELATIVE_OPS:
        return _relative(text)
    if ftype == "datetime":
        return _date(text)
    if not text:
        raise ValueError("write a value.")
    return text


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in ("true", "yes", "y", "1"):
        return True
    if word in ("false", "no", "n", "0"):
        return False
    raise ValueError("write true or false.")


def _number(text: str) -> int | float:
    cleaned = re.sub(r"[₹,\s]|^rs\.?|^inr", "", text.strip().lower())
    multiplier = 1
    if cleaned.endswith("k"):
        cleaned, multiplier = cleaned[:-1], 1000
    try:
        number = float(cleaned) * multiplier
    except ValueError:
        raise ValueError(f"{text!r} is not a number.") from None
    return int(number) if number.is_integer() else number


def _relative(text: str) -> dict[str, Any]:
    match = re.fullmatch(r"(\d+)\s*([a-z]+?)s?", text.strip().lower())
    if not match or match.group(2) not in UNITS:
        raise ValueError(f"write an amount and a unit, e.g. '5 months' ({', '.join(UNITS)}).")
    return {"amount": int(match.group(1)), "unit": match.group(2)}


def _date(text: str) -> Any:
    word = text.strip().lower()
    match = re.fullmatch(r"(this|last)\s+([a-z]+)", word)
    if match and match.group(2) in UNITS:
        return {"period": match.group(2), "offset": 0 if match.group(1) == "this" else -1}
    match = re.fullmatch(r"([a-z]+)\s+([+-]\d+)", word)
    if match and match.group(1) in UNITS:
        return {"period": match.group(1), "offset": int(match.group(2))}
    if not word:
        raise ValueError("write a date such as 2025-03-01, 2025-03 or 2025, or 'last month'.")
    return text.strip()
