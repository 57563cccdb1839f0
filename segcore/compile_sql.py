"""Rules to a parameterized SQL condition for the DuckDB mirror of ``users``.

The twin of ``compile_mongo``: the same validated tree must select the same users in both. MongoDB
matches or does not match; SQL has a third answer, NULL, for missing values. So every condition here
compiles to a boolean that is never NULL, with the missing-field answer MongoDB gives spelled out:

- ``$ne`` / ``$nin`` (``ne``, ``not_in``, ``has_none``) and ``is false`` (``$ne: true``) match a user
  without the field; ``not_within_last`` matches one without the date ("never visited");
- comparisons, equality, ``in``, ``contains`` and the array operators never match a missing value;
- ``not`` is ``$nor``: true whenever the inner rule does not match, missing fields included. Because
  every child is already two-valued, plain ``NOT`` / ``AND`` / ``OR`` are exact.

Values are always bound parameters (``?``), column names only ever come from the catalog and are quoted,
``contains`` is a literal, case-insensitive substring test (``contains`` is not ``LIKE``, so ``%`` and
``_`` need no escaping), and relative dates are resolved against the explicit ``now``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from segcore.catalog import Field, FieldCatalog
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

_COMPARE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

Fragment = tuple[str, list[Any]]


def to_sql(rule: Rule, catalog: FieldCatalog, now: datetime) -> Fragment:
    """A WHERE-clause fragment (never NULL for any row) and its parameters, for a validated rule."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return _compile(rule, catalog, now.astimezone(UTC))


def quote(name: str) -> str:
    """A quoted SQL identifier; names come from the catalog, quoting keeps words like ``order`` safe."""
    return '"' + name.replace('"', '""') + '"'


def _compile(rule: Rule, catalog: FieldCatalog, now: datetime) -> Fragment:
    if isinstance(rule, Condition):
        return _condition(rule, catalog, now)
    if isinstance(rule, AllOf | AnyOf):
        joiner = " AND " if isinstance(rule, AllOf) else " OR "
        parts = [_compile(r, catalog, now) for r in rule.rules]
        return "(" + joiner.join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]
    if isinstance(rule, Not):
        sql, params = _compile(rule.rule, catalog, now)
        return f"(NOT {sql})", params
    raise TypeError(f"not a rule: {rule!r}")


def _matches(sql: str, params: list[Any]) -> Fragment:
    """True only where the test is true: a missing value does not match."""
    return f"coalesce({sql}, false)", params


def _unless(sql: str, params: list[Any]) -> Fragment:
    """True unless the test is false: a missing value matches (MongoDB's ``$ne`` / ``$nin``)."""
    return f"coalesce({sql}, true)", params


def _condition(cond: Condition, catalog: FieldCatalog, now: datetime) -> Fragment:
    field = catalog.field(cond.field)
    col, op, value = quote(field.name), cond.op, cond.value
    if op == "exists":
        return _exists(field, col, bool(value))
    if field.type in ("int", "number"):
        return _number(col, op, value)
    if field.type == "string":
        return _string(col, op, value)
    if field.type == "array":
        return _array(col, op, value)
    if field.type == "bool" and op == "is":
        # "opted out" means not true: a user with no recorded consent has not opted in.
        return (f"coalesce({col}, false)", []) if value else (f"({col} IS NOT TRUE)", [])
    if field.type == "datetime":
        return _date(col, op, value, now)
    raise ValueError(f"cannot compile {field.name} {op}")


def _exists(field: Field, col: str, present: bool) -> Fragment:
    # MongoDB's {field: null} also matches an array holding a null element.
    if field.type == "array":
        sql = f"({col} IS NOT NULL AND list_position({col}, NULL) IS NULL)"
        return (sql, []) if present else (f"(NOT {sql})", [])
    return (f"({col} IS NOT NULL)", []) if present else (f"({col} IS NULL)", [])


def _num(value: Any) -> str:
    # An explicit type keeps DuckDB from rounding 5.5 to a BIGINT column's type.
    return "?::BIGINT" if isinstance(value, int) else "?::DOUBLE"


def _number(col: str, op: str, value: Any) -> Fragment:
    if op in _COMPARE:
        return _matches(f"{col} {_COMPARE[op]} {_num(value)}", [value])
    if op == "eq":
        return _matches(f"{col} = {_num(value)}", [value])
    if op == "ne":
        return _unless(f"{col} <> {_num(value)}", [value])
    if op == "between":
        low, high = value
        return _matches(f"{col} BETWEEN {_num(low)} AND {_num(high)}", [low, high])
    raise ValueError(f"cannot compile {col} {op}")


def _string(col: str, op: str, value: Any) -> Fragment:
    if op == "eq":
        return _matches(f"{col} = ?::VARCHAR", [value])
    if op == "ne":
        return _unless(f"{col} <> ?::VARCHAR", [value])
    if op == "in":
        return _matches(f"list_contains(?::VARCHAR[], {col})", [list(value)])
    if op == "not_in":
        return _unless(f"NOT list_contains(?::VARCHAR[], {col})", [list(value)])
    if op == "contains":
        return _matches(f"contains(lower({col}), lower(?::VARCHAR))", [value])
    raise ValueError(f"cannot compile {col} {op}")


def _array(col: str, op: str, value: Any) -> Fragment:
    if op == "has":
        return _matches(f"list_contains({col}, ?::VARCHAR)", [value])
    if op == "has_any":
        return _matches(f"list_has_any({col}, ?::VARCHAR[])", [list(value)])
    if op == "has_all":
        return _matches(f"list_has_all({col}, ?::VARCHAR[])", [list(value)])
    if op == "has_none":
        return _unless(f"NOT list_has_any({col}, ?::VARCHAR[])", [list(value)])
    raise ValueError(f"cannot compile {col} {op}")


def _ms(moment: datetime) -> datetime:
    """BSON dates hold milliseconds and pymongo drops the rest: compare against the same instant."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _date(col: str, op: str, value: Any, now: datetime) -> Fragment:
    ts = "?::TIMESTAMPTZ"
    if op in ("within_last", "not_within_last", "more_than_ago"):
        assert isinstance(value, RelativeAmount)
        cutoff = _ms(subtract(now, value))
        if op == "within_last":
            return _matches(f"{col} >= {ts}", [cutoff])
        if op == "more_than_ago":
            return _matches(f"{col} < {ts}", [cutoff])
        # Nothing at or after the cutoff: someone who never visited has not visited in 5 months.
        return _unless(f"{col} < {ts}", [cutoff])
    if op == "between":
        start, _ = date_bounds(value[0], now)
        _, end = date_bounds(value[1], now)
        upper = "<=" if isinstance(value[1], AbsoluteDate) and value[1].granularity == "instant" else "<"
        return _matches(f"({col} >= {ts} AND {col} {upper} {ts})", [_ms(start), _ms(end)])
    start, end = date_bounds(value, now)
    if op == "before":
        return _matches(f"{col} < {ts}", [_ms(start)])
    if op == "after":
        return _matches(f"{col} >= {ts}", [_ms(end)])
    if op == "on":
        if isinstance(value, AbsoluteDate) and value.granularity == "instant":
            return _matches(f"{col} = {ts}", [_ms(start)])
        return _matches(f"({col} >= {ts} AND {col} < {ts})", [_ms(start), _ms(end)])
    raise ValueError(f"cannot compile {col} {op}")
