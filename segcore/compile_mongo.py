"""Rules to a MongoDB filter.

Only validated trees are compiled: every field name comes from the catalog and every operator from the
fixed table below, so no user text ever becomes a ``$`` operator or a field path. ``contains`` is a
literal, case-insensitive match (regex metacharacters escaped). Relative dates are resolved against the
explicit ``now``, calendar words at midnight on ``now``'s clock (the workspace's zone, ``segcore.timezones``).

An event condition (SPEC "Behaviour") cannot be said as a filter on ``users`` alone: it is a count over
``events``. ``event_pipeline`` gives the aggregation on ``events`` that lists the people an event condition
is about, and ``segcore.event_audience`` runs it; ``to_mongo_filter`` compiles a rule with event conditions
only when it is handed, for each of them, the users filter they were resolved to (``resolved``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from segcore.catalog import Field, FieldCatalog
from segcore.rules import (
    AbsoluteDate,
    AllOf,
    AnyOf,
    Condition,
    EventCondition,
    EventCount,
    Not,
    RelativeAmount,
    Rule,
    date_bounds,
    subtract,
)

_COMPARE = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}


class EventsNotResolved(ValueError):
    """An event condition reached ``to_mongo_filter`` without the users filter it resolves to."""


Resolved = Mapping[EventCondition, Mapping[str, Any]]


def to_mongo_filter(
    rule: Rule, catalog: FieldCatalog, now: datetime, resolved: Resolved | None = None
) -> dict[str, Any]:
    """The MongoDB filter selecting the users the (validated) rule selects at ``now``.

    A rule with event conditions needs ``resolved``: the users filter each event condition stands for
    (``segcore.event_audience.resolve`` builds it from the database).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return _compile(rule, catalog, now, resolved or {})


def _compile(rule: Rule, catalog: FieldCatalog, now: datetime, resolved: Resolved) -> dict[str, Any]:
    if isinstance(rule, Condition):
        return _condition(rule, catalog, now)
    if isinstance(rule, EventCondition):
        if rule not in resolved:
            raise EventsNotResolved(
                f"The event condition on {rule.event!r} is a count over events: resolve it against the "
                "database first (segcore.event_audience)."
            )
        return dict(resolved[rule])
    if isinstance(rule, AllOf):
        parts = [_compile(r, catalog, now, resolved) for r in rule.rules]
        return parts[0] if len(parts) == 1 else {"$and": parts}
    if isinstance(rule, AnyOf):
        parts = [_compile(r, catalog, now, resolved) for r in rule.rules]
        return parts[0] if len(parts) == 1 else {"$or": parts}
    if isinstance(rule, Not):
        # $nor matches documents where the inner filter is false, including those missing the field.
        return {"$nor": [_compile(rule.rule, catalog, now, resolved)]}
    raise TypeError(f"not a rule: {rule!r}")


def _condition(cond: Condition, catalog: FieldCatalog, now: datetime) -> dict[str, Any]:
    field = catalog.field(cond.field)
    return field_filter(field, field.name, cond.op, cond.value, now)


def field_filter(field: Field, name: str, op: str, value: Any, now: datetime) -> dict[str, Any]:
    """The filter testing the value at path ``name`` (a user's field, an event's property) as ``field``."""
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


# ---------------------------------------------------------------------------------------------- events


def events_as_written(rule: Rule) -> dict[EventCondition, dict[str, Any]]:
    """Each event condition as ``{"$event": its JSON}``: to show or compare filters, never to run them.

    A database refuses the unknown top-level ``$event`` operator outright, so such a filter can never
    select users by mistake.
    """
    from segcore.rules import event_conditions, event_to_json

    return {leaf: {"$event": event_to_json(leaf)} for leaf in event_conditions(rule)}


@dataclass(frozen=True)
class EventQuery:
    """How to find the people an event condition is about.

    ``pipeline`` runs on ``events`` and yields ``{"_id": user_id}`` for each person it lists. When
    ``listed_match`` is true the condition selects exactly the listed people; otherwise (a count that
    includes 0: "never", "fewer than 3 times") it selects everyone *but* them, people with no event at all
    included.
    """

    pipeline: list[dict[str, Any]]
    listed_match: bool


def event_pipeline(leaf: EventCondition, catalog: FieldCatalog, team_id: str, now: datetime) -> EventQuery:
    """The aggregation on ``events`` behind a (validated) event condition, in workspace ``team_id``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    # ``now`` keeps the workspace's zone: a window of calendar words starts at its midnights.
    event = catalog.event(leaf.event)
    # The first stage has only what the (team_id, event, timestamp) index covers: the embedded server picks
    # an index only for such a filter, and scans the collection when properties are added to it.
    first: dict[str, Any] = {"team_id": team_id, "event": event.name}
    if leaf.when is not None:
        first.update(_date_condition("timestamp", leaf.when.op, leaf.when.value, now))
    stages: list[dict[str, Any]] = [{"$match": first}]
    if leaf.where:
        props = [field_filter(event.property(w.property), f"properties.{w.property}", w.op, w.value, now)
                 for w in leaf.where]
        stages.append({"$match": props[0] if len(props) == 1 else {"$and": props}})
    stages.append({"$group": {"_id": "$user_id", "n": {"$sum": 1}}})
    listed_match = not count_holds(leaf.count, 0)
    test = _count_test(leaf.count)
    stages.append({"$match": test if listed_match else {"$nor": [test]}})
    return EventQuery(stages, listed_match)


def count_holds(count: EventCount, n: int) -> bool:
    """Whether a person with ``n`` matching events meets ``count``."""
    op, value = count.op, count.value
    if op == "between":
        return bool(value[0] <= n <= value[1])
    return bool({"gt": n > value, "gte": n >= value, "lt": n < value, "lte": n <= value, "eq": n == value}[op])


def _count_test(count: EventCount) -> dict[str, Any]:
    if count.op == "between":
        return {"n": {"$gte": count.value[0], "$lte": count.value[1]}}
    if count.op == "eq":
        return {"n": count.value}
    return {"n": {_COMPARE[count.op]: count.value}}
