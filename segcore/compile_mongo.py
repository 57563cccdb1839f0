"""Rules to a MongoDB filter.

Only validated trees are compiled: every field name comes from the catalog and every operator from the
fixed table below, so no user text ever becomes a ``$`` operator or a field path. ``contains`` is a
literal, case-insensitive match (regex metacharacters escaped). Relative dates are resolved against the
explicit ``now``, calendar words at midnight on ``now``'s clock (the workspace's zone, ``segcore.timezones``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from segcore.catalog import FieldCatalog
from segcore.rules import (
    AbsoluteDate,
    AllOf,
    AnyOf,
    Condition,
    Not,
    RelativeAmount,
    Rule,
    date_bounds,
    subtract,
)

_COMPARE = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}


def to_mongo_filter(rule: Rule, catalog: FieldCatalog, now: datetime) -> dict[str, Any]:
    """The MongoDB filter selecting the users the (validated) rule selects at ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return _compile(rule, catalog, now)


def _compile(rule: Rule, catalog: FieldCatalog, now: datetime) -> dict[str, Any]:
    if isinstance(rule, Condition):
        return _condition(rule, catalog, now)
    if isinstance(rule, AllOf):
        parts = [_compile(r, catalog, now) for r in rule.rules]
        return parts[0] if len(parts) == 1 else {"$and": parts}
    if isinstance(rule, AnyOf):
        parts = [_compile(r, catalog, now) for r in rule.rules]
        return parts[0] if len(parts) == 1 else {"$or": parts}
    if isinstance(rule, Not):
        # $nor matches documents where the inner filter is false, including those missing the field.
        return {"$nor": [_compile(rule.rule, catalog, now)]}
    raise TypeError(f"not a rule: {rule!r}")


def _condition(cond: Condition, catalog: FieldCatalog, now: datetime) -> dict[str, Any]:
    field = catalog.field(cond.field)
    name, op, value = field.name, cond.op, cond.value
    if op == "exists":
        return {name: {"$exists": True, "$ne": None}} if value else {name: None}
    if field.type in ("int", "number"):
        if op in _COMPARE:
            return {name: {_COMPARE[op]: value}}
        if op == "eq":
            return {name: value}
        if op == "ne":
            return {name: {"$ne": value}}
        if op == "between":
            return {name: {"$gte": value[0], "$lte": value[1]}}
    elif field.type == "string":
        if op == "eq":
            return {name: value}
        if op == "ne":
            return {name: {"$ne": value}}
        if op == "in":
            return {name: {"$in": list(value)}}
        if op == "not_in":
            return {name: {"$nin": list(value)}}
        if op == "contains":
            return {name: {"$regex": re.escape(value), "$options": "i"}}
    elif field.type == "array":
        if op == "has":
            return {name: value}
        if op == "has_any":
            return {name: {"$in": list(value)}}
        if op == "has_all":
            return {name: {"$all": list(value)}}
        if op == "has_none":
            return {name: {"$nin": list(value)}}
    elif field.type == "bool":
        if op == "is":
            # "opted out" means not true: a user with no recorded consent has not opted in.
            return {name: True} if value else {name: {"$ne": True}}
    elif field.type == "datetime":
        return _date_condition(name, op, value, now)
    raise ValueError(f"cannot compile {name} {op}")


def _date_condition(name: str, op: str, value: Any, now: datetime) -> dict[str, Any]:
    if op in ("within_last", "not_within_last", "more_than_ago"):
        assert isinstance(value, RelativeAmount)
        cutoff = subtract(now, value)
        if op == "within_last":
            return {name: {"$gte": cutoff}}
        if op == "more_than_ago":
            return {name: {"$lt": cutoff}}
        # Nothing at or after the cutoff: someone who never visited has not visited in 5 months.
        return {"$or": [{name: {"$lt": cutoff}}, {name: None}]}
    if op == "between":
        start, _ = date_bounds(value[0], now)
        _, end = date_bounds(value[1], now)
        if isinstance(value[1], AbsoluteDate) and value[1].granularity == "instant":
            return {name: {"$gte": start, "$lte": end}}
        return {name: {"$gte": start, "$lt": end}}
    start, end = date_bounds(value, now)
    if op == "before":
        return {name: {"$lt": start}}
    if op == "after":
        return {name: {"$gte": end}}
    if op == "on":
        if isinstance(value, AbsoluteDate) and value.granularity == "instant":
            return {name: start}
        return {name: {"$gte": start, "$lt": end}}
    raise ValueError(f"cannot compile {name} {op}")
